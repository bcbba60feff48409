from django.urls import path

from . import views

app_name = "programme"
urlpatterns = [
    path("challenges/", views.challenges_page, name="challenges"),
    path("challenges/<int:challenge_id>/", views.challenge_page, name="challenge"),
    path("surveys/<int:survey_id>/", views.survey_page, name="survey"),
    path("guidelines/", views.guidelines_page, name="guidelines"),
    path("stories/", views.stories_page, name="stories"),
]
