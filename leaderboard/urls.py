from django.urls import path

from . import views

app_name = "leaderboard"
urlpatterns = [
    path("", views.board, name="board"),
    path("me/", views.my_points, name="my_points"),
    path("me/visibility/", views.visibility, name="visibility"),
]
