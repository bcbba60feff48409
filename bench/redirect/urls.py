from django.urls import path

from advocacy.urls import urlpatterns as app_urlpatterns

from . import views

urlpatterns = [
    path("bench/baseline", views.baseline),
    path("bench/naive/<str:code>", views.naive),
    *app_urlpatterns,
]
