from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from accounts import views as account_views
from api import pages as api_pages

admin.site.site_header = "Advocacy administration"
admin.site.site_title = "Advocacy admin"
admin.site.index_title = "Campaigns, people and rules"

urlpatterns = [
    path("", include("dashboard.urls")),
    path("me/settings/", account_views.my_settings, name="my_settings"),
    path("me/data.json", account_views.my_data_export, name="my_data_export"),
    path("me/erase/", account_views.my_erase, name="my_erase"),
    path("me/policy/", account_views.my_policy, name="my_policy"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("me/api-tokens/", api_pages.tokens_page, name="api_tokens"),
    path("me/api-tokens/<int:token_id>/revoke/", api_pages.token_revoke_view, name="api_token_revoke"),
    path("api/", include("api.urls")),
    # Each app below owns its own URLs.
    path("", include("shortlinks.urls")),
    path("networks/", include("networks.urls")),
    path("leaderboard/", include("leaderboard.urls")),
    path("analytics/", include("analytics.urls")),
    path("digest/", include("digest.urls")),
    path("community/", include("community.urls")),
    path("", include("programme.urls")),
]


def serve_media(request, path):
    # MEDIA_ROOT is read per request, so a changed setting (tests, a remount) is honoured.
    return serve(request, path, document_root=settings.MEDIA_ROOT)


if settings.SERVE_MEDIA:
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve_media)]
