from django.urls import path

from . import views

app_name = "digest"
urlpatterns = [
    path("share/<str:token>/", views.share_confirm, name="share"),
    path("shared/", views.share_done, name="share_done"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("preferences/", views.preferences, name="preferences"),
]
