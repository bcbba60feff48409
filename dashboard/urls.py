from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("today/", views.today, name="today"),
    path("healthz", views.healthz, name="healthz"),
    # Dashboards (issue 12): my impact for everyone; programme analytics for admins and content managers.
    path("me/impact/", views.my_impact, name="my_impact"),
    path("programme/", views.programme_overview, name="programme"),
    path("programme/campaigns/<int:campaign_id>/", views.programme_campaign, name="programme_campaign"),
    path("programme/posts/<int:post_id>/", views.programme_post, name="programme_post"),
    path("programme/teams/<int:team_id>/", views.programme_team, name="programme_team"),
]
