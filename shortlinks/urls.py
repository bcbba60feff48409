from django.urls import path

from . import views

app_name = "shortlinks"
urlpatterns = [
    path("s/<str:code>", views.redirect, name="redirect"),
    path("s/<str:code>/qr.svg", views.qr_code, {"kind": "svg"}, name="qr_svg"),
    path("s/<str:code>/qr.png", views.qr_code, {"kind": "png"}, name="qr_png"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
]
