from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("today/", views.today, name="today"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("manifest.webmanifest", views.web_manifest, name="web_manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    # Dashboards (issue 12): my impact for everyone; programme analytics for admins and content managers.
    path("me/impact/", views.my_impact, name="my_impact"),
    # Under /networks/ where it always was; here because it gathers clicks and engagement (analytics) too.
    path("networks/shares/", views.my_shares, name="my_shares"),
    path("programme/", views.programme_overview, name="programme"),
    path("programme/campaigns/<int:campaign_id>/", views.programme_campaign, name="programme_campaign"),
    path("programme/posts/<int:post_id>/", views.programme_post, name="programme_post"),
    path("programme/teams/<int:team_id>/", views.programme_team, name="programme_team"),
]
