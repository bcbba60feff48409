from django.urls import path

from . import views

app_name = "community"

urlpatterns = [
    path("suggestions/", views.suggestions, name="suggestions"),
    path("amplify/", views.amplify, name="amplify"),
    path("engage/", views.engage, name="engage"),
    path("engage/<int:request_id>/<str:action>/", views.engage_do, name="engage_do"),
]
