from django.urls import path

from . import views
from .api.views import TodayPostsApi

urlpatterns = [
    path("", views.home, name="home"),
    path("today/", views.today, name="today"),
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/today/", TodayPostsApi.as_view(), name="api-today"),
]
