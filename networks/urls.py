from django.urls import path

from . import views

app_name = "networks"
urlpatterns = [
    path("accounts/", views.accounts_page, name="accounts"),
    path("accounts/<int:account_id>/disconnect/", views.account_disconnect, name="account_disconnect"),
    path("mastodon/connect/", views.mastodon_connect, name="mastodon_connect"),
    path("mastodon/callback/", views.mastodon_callback, name="mastodon_callback"),
    path("bluesky/connect/", views.bluesky_connect, name="bluesky_connect"),
    path("share/<int:post_id>/<str:network>/", views.share, name="share"),
    path("share/<int:post_id>/<str:network>/dialog/", views.share_intent, name="share_intent"),
    # The My shares page itself (/networks/shares/) gathers clicks and engagement too: dashboard.views.my_shares.
    path("share/<int:post_id>/<str:network>/sheet/", views.share_sheet, name="share_sheet"),
    path("shares/<int:share_id>/cancel/", views.share_cancel, name="share_cancel"),
    path("shares/<int:share_id>/retry/", views.share_retry, name="share_retry"),
]
