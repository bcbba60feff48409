from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from .errors import not_found
from .permissions import SignedIn
from .views import analytics, content, me, people, root, suggestions

DOCS = [SignedIn]  # the schema lists every endpoint: signed-in people only


def _actions(prefix: str, view, name: str, actions: tuple[str, ...]) -> list:
    """One URL per workflow action of an object: `<prefix>/<action>/`, named `<name>-<action>`."""
    return [
        path(f"{prefix}/{action}/", view.as_view(action_name=action), name=f"{name}-{action}") for action in actions
    ]


v1 = [
    path("", root.ApiRoot.as_view(), name="api-root"),
    # Employees
    path("today/", me.TodayPostsApi.as_view(), name="api-today"),
    path("shares/", me.SharesApi.as_view(), name="api-shares"),
    path("shares/<int:share_id>/", me.ShareDetailApi.as_view(), name="api-share"),
    path("shares/<int:share_id>/cancel/", me.ShareCancelApi.as_view(), name="api-share-cancel"),
    path("shares/<int:share_id>/retry/", me.ShareRetryApi.as_view(), name="api-share-retry"),
    path("links/", me.LinksApi.as_view(), name="api-links"),
    path("links/<int:link_id>/clicks/", me.LinkClicksApi.as_view(), name="api-link-clicks"),
    path("me/impact/", me.ImpactApi.as_view(), name="api-impact"),
    path("me/points/", me.PointsApi.as_view(), name="api-points"),
    path("me/points/ledger/", me.LedgerApi.as_view(), name="api-ledger"),
    path("leaderboard/", me.LeaderboardApi.as_view(), name="api-leaderboard"),
    path("suggestions/", suggestions.SuggestionsApi.as_view(), name="api-suggestions"),
    # Content managers
    path("campaigns/", content.CampaignsApi.as_view(), name="api-campaigns"),
    path("campaigns/<int:campaign_id>/", content.CampaignDetailApi.as_view(), name="api-campaign"),
    *_actions("campaigns/<int:campaign_id>", content.CampaignActionApi, "api-campaign", ("launch", "archive")),
    path("posts/", content.PostsApi.as_view(), name="api-posts"),
    path("posts/<int:post_id>/", content.PostDetailApi.as_view(), name="api-post"),
    path("posts/<int:post_id>/image/", content.PostImageApi.as_view(), name="api-post-image"),
    *_actions(
        "posts/<int:post_id>", content.PostActionApi, "api-post", ("submit", "approve", "reject", "publish", "archive")
    ),
    path("suggestions/queue/", suggestions.SuggestionQueueApi.as_view(), name="api-suggestion-queue"),
    path("suggestions/<int:suggestion_id>/", suggestions.SuggestionDetailApi.as_view(), name="api-suggestion"),
    *_actions(
        "suggestions/<int:suggestion_id>", suggestions.SuggestionActionApi, "api-suggestion", ("approve", "decline")
    ),
    path("analytics/overview/", analytics.OverviewApi.as_view(), name="api-analytics-overview"),
    path(
        "analytics/campaigns/<int:campaign_id>/",
        analytics.CampaignAnalyticsApi.as_view(),
        name="api-analytics-campaign",
    ),
    path("analytics/posts/<int:post_id>/", analytics.PostAnalyticsApi.as_view(), name="api-analytics-post"),
    path("analytics/teams/<int:team_id>/", analytics.TeamAnalyticsApi.as_view(), name="api-analytics-team"),
    # Admins
    path("people/", people.PeopleApi.as_view(), name="api-people"),
    path("people/<int:user_id>/", people.PersonApi.as_view(), name="api-person"),
    path("people/<int:user_id>/deactivate/", people.PersonDeactivateApi.as_view(), name="api-person-deactivate"),
    path("people/<int:user_id>/export/", people.PersonExportApi.as_view(), name="api-person-export"),
    path("people/<int:user_id>/erase/", people.PersonEraseApi.as_view(), name="api-person-erase"),
    path("point-rules/", people.PointRulesApi.as_view(), name="api-point-rules"),
    path("point-rules/<str:rule>/", people.PointRuleApi.as_view(), name="api-point-rule"),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(permission_classes=DOCS), name="api-schema"),
    # The documentation pages: the login page for the signed-out, not a JSON error.
    path("docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    # Redoc styles itself with <style> elements and reads the schema in a worker: allowed on this page only.
    path(
        "redoc/",
        csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})(
            login_required(SpectacularRedocView.as_view(url_name="api-schema"))
        ),
        name="api-redoc",
    ),
    re_path(r"^(?P<rest>.*)$", not_found),
]
