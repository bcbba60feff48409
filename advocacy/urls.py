from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import IsAuthenticated

from accounts import views as account_views

admin.site.site_header = "Advocacy administration"
admin.site.site_title = "Advocacy admin"
admin.site.index_title = "Campaigns, people and rules"

urlpatterns = [
    path("", include("dashboard.urls")),
    path("me/settings/", account_views.my_settings, name="my_settings"),
    path("me/data.json", account_views.my_data_export, name="my_data_export"),
    path("me/erase/", account_views.my_erase, name="my_erase"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    # The schema lists every endpoint: signed-in people only.
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]), name="api-schema"),
    # Each app below owns its own URLs.
    path("", include("shortlinks.urls")),
    path("networks/", include("networks.urls")),
    path("leaderboard/", include("leaderboard.urls")),
    path("analytics/", include("analytics.urls")),
    path("digest/", include("digest.urls")),
]


def serve_media(request, path):
    # MEDIA_ROOT is read per request, so a changed setting (tests, a remount) is honoured.
    return serve(request, path, document_root=settings.MEDIA_ROOT)


if settings.SERVE_MEDIA:
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve_media)]
