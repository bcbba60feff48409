"""Who may open what: every URL pattern in the URLconf × anonymous / employee / content manager / admin.

Each pattern has an entry below with the status each role gets for a GET (with a real object built for the
URLs that take one). A URL added without an entry fails `test_every_url_has_an_entry`, so nobody adds a
page without deciding who may see it. Admin URLs are listed per model (what the content manager and the
admin may do there) and expanded to the model's six admin pages.

Statuses: 200 page, 302 redirect (to the login page for the anonymous and for employees in the admin),
403 forbidden, 404 not found, 405 GET not allowed (POST-only actions; their owner checks have their own tests).
"""

import datetime as dt
import re

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialApp
from django.contrib.sites.models import Site
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.models import Team
from accounts.roles import ADVOCACY_ADMIN, CONTENT_MANAGER, EMPLOYEE
from analytics.models import Click
from leaderboard.services.awards import points_award_share
from networks.models import Share
from programme.models import Challenge, Survey, SurveyQuestion
from tests.factories import ConnectedAccountFactory, SuggestedPostFactory, UserFactory, make_share

ROLES = ("anonymous", EMPLOYEE, CONTENT_MANAGER, ADVOCACY_ADMIN)
LOGIN = 302  # where the anonymous are sent to log in

# route → (anonymous, employee, content manager, admin)
PAGES: dict[str, tuple[int, int, int, int]] = {
    "": (302, 302, 302, 302),
    "today/": (302, 200, 200, 200),
    "healthz": (200, 200, 200, 200),
    # The installable app: browsers fetch the manifest without cookies; neither holds personal data.
    "manifest.webmanifest": (200, 200, 200, 200),
    "sw.js": (200, 200, 200, 200),
    # The API (GET as each role, signed in by session; tests/api/test_permissions.py adds tokens).
    "api/v1/": (401, 200, 200, 200),
    "api/v1/today/": (401, 200, 200, 200),
    "api/v1/shares/": (401, 200, 200, 200),
    "api/v1/shares/<int:share_id>/": (401, 200, 404, 404),  # only the owner's
    "api/v1/shares/<int:share_id>/cancel/": (401, 405, 405, 405),
    "api/v1/shares/<int:share_id>/retry/": (401, 405, 405, 405),
    "api/v1/links/": (401, 200, 200, 200),
    "api/v1/links/<int:link_id>/clicks/": (401, 200, 404, 404),
    "api/v1/me/impact/": (401, 200, 200, 200),
    "api/v1/me/points/": (401, 200, 200, 200),
    "api/v1/me/points/ledger/": (401, 200, 200, 200),
    "api/v1/leaderboard/": (401, 200, 200, 200),
    "api/v1/suggestions/": (401, 200, 200, 200),  # always the signed-in person's own
    "api/v1/suggestions/queue/": (401, 403, 200, 200),
    "api/v1/suggestions/<int:suggestion_id>/": (401, 403, 405, 405),  # a PATCH: managers edit
    "api/v1/suggestions/<int:suggestion_id>/approve/": (401, 403, 405, 405),
    "api/v1/suggestions/<int:suggestion_id>/decline/": (401, 403, 405, 405),
    "api/v1/campaigns/": (401, 403, 200, 200),
    "api/v1/campaigns/<int:campaign_id>/": (401, 403, 200, 200),
    "api/v1/campaigns/<int:campaign_id>/launch/": (401, 403, 405, 405),
    "api/v1/campaigns/<int:campaign_id>/archive/": (401, 403, 405, 405),
    "api/v1/posts/": (401, 403, 200, 200),
    "api/v1/posts/<int:post_id>/": (401, 403, 200, 200),
    "api/v1/posts/<int:post_id>/image/": (401, 403, 405, 405),
    "api/v1/posts/<int:post_id>/submit/": (401, 403, 405, 405),
    "api/v1/posts/<int:post_id>/approve/": (401, 403, 405, 405),
    "api/v1/posts/<int:post_id>/reject/": (401, 403, 405, 405),
    "api/v1/posts/<int:post_id>/publish/": (401, 403, 405, 405),
    "api/v1/posts/<int:post_id>/archive/": (401, 403, 405, 405),
    "api/v1/analytics/overview/": (401, 403, 200, 200),
    "api/v1/analytics/campaigns/<int:campaign_id>/": (401, 403, 200, 200),
    "api/v1/analytics/posts/<int:post_id>/": (401, 403, 200, 200),
    "api/v1/analytics/teams/<int:team_id>/": (401, 403, 200, 200),
    "api/v1/people/": (401, 403, 403, 200),
    "api/v1/people/<int:user_id>/": (401, 403, 403, 200),
    "api/v1/people/<int:user_id>/deactivate/": (401, 403, 403, 405),
    "api/v1/people/<int:user_id>/export/": (401, 403, 403, 200),
    "api/v1/people/<int:user_id>/erase/": (401, 403, 403, 405),
    "api/v1/point-rules/": (401, 403, 403, 200),
    "api/v1/point-rules/<str:rule>/": (401, 403, 403, 200),
    "api/schema/": (401, 200, 200, 200),
    "api/docs/": (LOGIN, 200, 200, 200),
    "api/redoc/": (LOGIN, 200, 200, 200),
    "api/^(?P<rest>.*)$": (404, 404, 404, 404),  # any other /api/ URL: the JSON error body
    "me/api-tokens/": (LOGIN, 200, 200, 200),  # always the signed-in person's own tokens
    "me/api-tokens/<int:token_id>/revoke/": (LOGIN, 405, 405, 405),
    "me/settings/": (LOGIN, 200, 200, 200),
    "me/data.json": (LOGIN, 200, 200, 200),
    "me/erase/": (LOGIN, 200, 200, 200),
    "me/policy/": (LOGIN, 200, 200, 200),  # the social media policy, acknowledged by each person
    "challenges/": (LOGIN, 200, 200, 200),
    "challenges/<int:challenge_id>/": (LOGIN, 200, 200, 200),
    "surveys/<int:survey_id>/": (LOGIN, 200, 200, 200),  # the campaign's audience answers (here: everyone)
    "guidelines/": (LOGIN, 200, 200, 200),
    "stories/": (LOGIN, 200, 200, 200),
    "robots.txt": (200, 200, 200, 200),
    "s/<str:code>": (302, 302, 302, 302),
    "s/<str:code>/qr.svg": (LOGIN, 200, 200, 200),
    "s/<str:code>/qr.png": (LOGIN, 200, 200, 200),
    "^media/(?P<path>.*)$": (200, 200, 200, 200),  # post images are public: networks fetch them for cards
    "networks/accounts/": (LOGIN, 200, 200, 200),
    "networks/accounts/<int:account_id>/disconnect/": (LOGIN, 405, 405, 405),
    "networks/mastodon/connect/": (LOGIN, 405, 405, 405),
    "networks/mastodon/callback/": (LOGIN, 302, 302, 302),
    "networks/bluesky/connect/": (LOGIN, 405, 405, 405),
    "networks/share/<int:post_id>/<str:network>/": (LOGIN, 200, 200, 200),
    "networks/share/<int:post_id>/<str:network>/dialog/": (LOGIN, 200, 200, 200),  # GET shows a POST button only
    "networks/share/<int:post_id>/<str:network>/sheet/": (LOGIN, 405, 405, 405),  # the Share… button's record
    "networks/shares/": (LOGIN, 200, 200, 200),
    "networks/shares/<int:share_id>/cancel/": (LOGIN, 405, 405, 405),
    "networks/shares/<int:share_id>/retry/": (LOGIN, 405, 405, 405),
    "favicon.ico": (302, 302, 302, 302),  # to the static icon
    "me/impact/": (LOGIN, 200, 200, 200),  # always the signed-in person's own figures
    "programme/": (LOGIN, 403, 200, 200),  # programme analytics: admins and content managers
    "programme/campaigns/<int:campaign_id>/": (LOGIN, 403, 200, 200),
    "programme/posts/<int:post_id>/": (LOGIN, 403, 200, 200),
    "programme/teams/<int:team_id>/": (LOGIN, 403, 200, 200),
    "leaderboard/": (LOGIN, 200, 200, 200),
    "leaderboard/me/": (LOGIN, 200, 200, 200),
    "leaderboard/me/visibility/": (LOGIN, 405, 405, 405),
    # allauth: the login pages are public; signed-in people are sent on from them.
    "accounts/login/": (200, 302, 302, 302),
    "accounts/logout/": (302, 200, 200, 200),
    "accounts/inactive/": (200, 200, 200, 200),
    "accounts/signup/": (200, 302, 302, 302),  # closed sign-up shows a "closed" page
    "accounts/reauthenticate/": (LOGIN, 200, 200, 200),
    "accounts/reauthenticate/code/": (LOGIN, 200, 302, 302),  # needs a verified address: only the employee has one
    "accounts/reauthenticate/code/confirm/": (LOGIN, 302, 302, 302),
    "accounts/email/": (LOGIN, 200, 200, 200),
    "accounts/confirm-email/": (200, 200, 200, 200),
    "accounts/password/change/": (LOGIN, 200, 200, 200),
    "accounts/password/set/": (LOGIN, 302, 302, 302),
    "accounts/password/reset/": (200, 200, 200, 200),
    "accounts/login/code/confirm/": (302, 302, 302, 302),
    "accounts/^confirm-email/(?P<key>[-:\\w]+)/$": (200, 200, 200, 200),
    "accounts/password/reset/key/done/": (200, 200, 200, 200),
    "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": (200, 200, 200, 200),
    "accounts/password/reset/done/": (200, 200, 200, 200),
    "accounts/3rdparty/login/cancelled/": (200, 200, 200, 200),
    "accounts/3rdparty/login/error/": (401, 401, 401, 401),  # allauth's "login failed" page
    "accounts/3rdparty/signup/": (302, 302, 302, 302),
    "accounts/3rdparty/": (LOGIN, 200, 200, 200),
    "accounts/social/login/cancelled/": (301, 301, 301, 301),  # old allauth paths: moved to 3rdparty/
    "accounts/social/login/error/": (301, 301, 301, 301),
    "accounts/social/signup/": (301, 301, 301, 301),
    "accounts/social/connections/": (301, 301, 301, 301),
    "accounts/twitter_oauth2/login/": (200, 200, 200, 200),
    "accounts/twitter_oauth2/login/callback/": (401, 401, 401, 401),  # no state: "login failed"
    "accounts/oidc/^(?P<provider_id>[^/]+)/login/": (200, 200, 200, 200),
    "accounts/oidc/^(?P<provider_id>[^/]+)/login/callback/": (401, 401, 401, 401),
    # The admin's own pages: employees never enter the admin.
    "admin/": (LOGIN, LOGIN, 200, 200),
    "admin/login/": (200, 200, 302, 302),
    "admin/logout/": (LOGIN, LOGIN, 405, 405),  # logging out is a POST
    "admin/password_change/": (LOGIN, LOGIN, 200, 200),
    "admin/password_change/done/": (LOGIN, LOGIN, 200, 200),
    "admin/autocomplete/": (LOGIN, LOGIN, 403, 403),  # needs its query parameters
    "admin/jsi18n/": (LOGIN, LOGIN, 200, 200),
    "admin/analytics/click/buffer/": (LOGIN, LOGIN, 200, 200),  # the click buffer's backlog and persistence
    "admin/accounts/user/<id>/password/": (LOGIN, LOGIN, 403, 200),  # setting someone's password: admins only
    "admin/r/<path:content_type_id>/<path:object_id>/": (LOGIN, LOGIN, 404, 404),
    # The workflow buttons on the campaign and post pages: POST only.
    "admin/campaigns/campaign/<path:object_id>/do/<str:action>/": (LOGIN, LOGIN, 405, 405),
    "admin/campaigns/suggestedpost/<path:object_id>/do/<str:action>/": (LOGIN, LOGIN, 405, 405),
    "admin/webhooks/endpoint/<path:object_id>/rotate-secret/": (LOGIN, LOGIN, 405, 405),  # a POST
    "admin/campaigns/postversion/<path:object_id>/do/<str:action>/": (LOGIN, LOGIN, 405, 405),
    "admin/campaigns/suggestedpost/calendar/": (LOGIN, LOGIN, 200, 200),
    "admin/campaigns/suggestedpost/import/": (LOGIN, LOGIN, 200, 200),  # the CSV import's dry-run form
    "admin/campaigns/suggestedpost/process_import/": (LOGIN, LOGIN, 405, 405),  # the confirmed import: a POST
    "admin/campaigns/suggestedpost/export/": (LOGIN, LOGIN, 200, 200),
    "admin/^(?P<app_label>auth|sites|account|socialaccount|django_celery_beat|accounts|campaigns|shortlinks|networks|analytics|leaderboard|community|programme|dashboard|digest|chat|webhooks)/$": (  # noqa: E501
        LOGIN,
        LOGIN,
        200,
        200,
    ),
    "admin/(?P<url>.*)$": (LOGIN, LOGIN, 404, 404),
    "admin/digest/digestsend/preview/": (LOGIN, LOGIN, 200, 200),
    "admin/digest/digestsend/test/": (LOGIN, LOGIN, 302, 302),  # a POST; a GET goes back to the list
    "admin/digest/digestsend/bounces/": (LOGIN, LOGIN, 403, 200),  # marking addresses undeliverable: admins
    "digest/share/<str:token>/": (400, 400, 400, 400),  # the token is the credential; a bad one is a clear 400
    "digest/shared/": (200, 200, 200, 200),
    "digest/unsubscribe/<str:token>/": (400, 400, 400, 400),  # one-click unsubscribe works signed out
    "digest/preferences/": (LOGIN, 200, 200, 200),
    # Content from everyone: every signed-in person suggests, asks for amplification and engages (their own only).
    "community/suggestions/": (LOGIN, 200, 200, 200),
    "community/amplify/": (LOGIN, 200, 200, 200),
    "community/engage/": (LOGIN, 200, 200, 200),
    "community/engage/<int:request_id>/<str:action>/": (LOGIN, 405, 405, 405),
    # The moderation buttons on the suggestion and amplify-request pages: POST only.
    "admin/community/suggestion/<path:object_id>/do/<str:action>/": (LOGIN, LOGIN, 405, 405),
    "admin/community/amplifyrequest/<path:object_id>/do/<str:action>/": (LOGIN, LOGIN, 405, 405),
}

# Admin models: app_label.model → (content manager, admin), each a set of letters:
# v view (list, change form read-only, history), a add, c change, d delete; "" nothing (403).
ADMIN_MODELS: dict[str, tuple[str, str]] = {
    "accounts.user": ("v", "vacd"),  # managers look people up; only admins change, export or erase them
    "accounts.team": ("v", "vacd"),
    "accounts.location": ("v", "vacd"),
    "accounts.policydocument": ("", "vacd"),  # the social media policy: admins publish versions
    "accounts.policyacknowledgement": ("", "vd"),  # written by people acknowledging, never by hand
    "auth.group": ("", "vacd"),
    "sites.site": ("", "vacd"),
    "account.emailaddress": ("", "vacd"),
    "socialaccount.socialapp": ("", "vacd"),
    "socialaccount.socialtoken": ("", "vacd"),
    "socialaccount.socialaccount": ("", "vacd"),
    "django_celery_beat.periodictask": ("", "vacd"),
    "django_celery_beat.clockedschedule": ("", "vacd"),
    "django_celery_beat.crontabschedule": ("", "vacd"),
    "django_celery_beat.solarschedule": ("", "vacd"),
    "django_celery_beat.intervalschedule": ("", "vacd"),
    "campaigns.campaign": ("vacd", "vacd"),
    "campaigns.suggestedpost": ("vacd", "vacd"),
    "campaigns.topic": ("vac", "vacd"),
    "campaigns.posttransition": ("v", "vd"),  # history is written by the workflow, never by hand
    "campaigns.postimagerendition": ("", "vacd"),
    "campaigns.postversion": ("vc", "vc"),  # corrections start on a post's page; withdrawn, never deleted
    "shortlinks.shortlink": ("", "vcd"),  # links are made by sharing, not in the admin
    "networks.connectedaccount": ("", "vcd"),
    "networks.share": ("", "vcd"),
    "networks.mastodonapp": ("", "vacd"),
    "analytics.click": ("v", "vcd"),
    "analytics.filteredhit": ("", "vd"),
    "analytics.clickrollup": ("", "vd"),
    "analytics.sharemetrics": ("", "v"),
    "analytics.engagementsnapshot": ("", "v"),
    "analytics.dailyrollup": ("", "v"),  # derived; rebuilt by a command, never edited
    "analytics.earnedmediarate": ("", "vacd"),
    "dashboard.weeklysummarysend": ("", "vd"),  # the weekly summary's send log
    "leaderboard.pointrule": ("", "vacd"),
    "leaderboard.pointentry": ("", "v"),  # the ledger is append-only
    "leaderboard.periodscore": ("", "v"),
    "leaderboard.badgeaward": ("", "v"),
    "digest.digestsend": ("v", "vd"),  # the send log: written by the sender only
    "digest.usedsharetoken": ("", "vd"),
    "chat.chatchannel": ("", "vacd"),
    "chat.chatmessage": ("", "vcd"),  # the send log: written by the sender, resent by an action
    "webhooks.endpoint": ("", "vacd"),  # admins only: endpoints carry signing secrets
    "webhooks.delivery": ("", "vd"),  # the delivery log: written by the sender, resent by an action
    "community.suggestion": ("vc", "vcd"),  # employees suggest from the web app; managers edit and decide
    "community.amplifyrequest": ("vc", "vcd"),
    "community.engagement": ("v", "vd"),  # written by the engage service only
    "programme.challenge": ("vacd", "vacd"),
    "programme.survey": ("vacd", "vacd"),
    "programme.surveyinvite": ("v", "vd"),  # the invitations' send log
    "programme.surveyresponse": ("v", "vd"),  # who answered (never what)
    "programme.nudge": ("", "vd"),
    "programme.guidelinespage": ("vacd", "vacd"),
    "programme.storytip": ("vacd", "vacd"),
    "programme.spotlight": ("vc", "vcd"),  # picked by the weekly job; managers add a headline
    "community.feed": ("vacd", "vacd"),  # content managers add the company blog, careers and press feeds
}

ADMIN_PAGES = {  # suffix after admin/<app>/<model>/ → the permission it needs
    "": "v",
    "add/": "a",
    "<path:object_id>/history/": "v",
    "<path:object_id>/delete/": "d",
    "<path:object_id>/change/": "v",
    "<path:object_id>/": "v",  # redirects to the change page
}


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), (f"{namespace}{p.name}" if p.name else None), p


def all_routes() -> list[tuple[str, str | None, URLPattern]]:
    return list(_walk(get_resolver().url_patterns))


def _admin_model_route(route: str) -> tuple[str, str] | None:
    """'admin/campaigns/campaign/add/' → ('campaigns.campaign', 'add/')."""
    from django.contrib import admin

    for model in admin.site._registry:
        base = f"admin/{model._meta.app_label}/{model._meta.model_name}/"
        if route.startswith(base) and route[len(base) :] in ADMIN_PAGES:
            return model._meta.label_lower, route[len(base) :]
    return None


def expected(route: str, without_rows: frozenset[str] = frozenset()) -> tuple[int, int, int, int] | None:
    """The statuses for `route`; `without_rows`: admin models the test world has no object of.

    For those, the object pages answer the admin's "no such object" redirect (302) to staff who may
    use the page, and the history page answers it to every staff member.
    """
    if route in PAGES:
        return PAGES[route]
    found = _admin_model_route(route)
    if found is None or found[0] not in ADMIN_MODELS:
        return None
    label, page = found
    needs = ADMIN_PAGES[page]
    missing = label in without_rows and page != ""
    staff = []
    for letters in ADMIN_MODELS[label]:
        allowed = needs in letters or (needs == "v" and bool(letters))
        if page == "<path:object_id>/" or (missing and page.endswith("history/")):
            staff.append(302)
        elif not allowed:
            staff.append(403)
        else:
            staff.append(302 if missing and page != "add/" else 200)
    return (LOGIN, LOGIN, staff[0], staff[1])


@pytest.fixture
def world(db, settings, tmp_path):
    """One real object for every URL that takes one, owned by the employee where ownership matters."""
    settings.MEDIA_ROOT = tmp_path / "media"
    users = {role: UserFactory(email=f"{role.split()[-1].lower()}@example.com", role=role) for role in ROLES[1:]}
    employee = users[EMPLOYEE]
    post = SuggestedPostFactory()
    account = ConnectedAccountFactory(user=employee)
    share = make_share(user=employee, post=post, network="mastodon", account=account)
    Share.objects.filter(pk=share.pk).update(status=Share.Status.PUBLISHED)
    Click.objects.create(link=share.short_link, event_id="e1", clicked_at=timezone.now(), is_unique=True)
    points_award_share(share_id=share.pk)
    EmailAddress.objects.create(user=employee, email=employee.email, verified=True, primary=True)
    site = Site.objects.get_current()
    for provider, provider_id in (("twitter_oauth2", ""), ("openid_connect", "linkedin")):
        app = SocialApp.objects.create(
            provider=provider,
            provider_id=provider_id,
            name=provider,
            client_id="id",
            secret="secret",
            settings={"server_url": "https://www.linkedin.com/oauth"} if provider_id else {},
        )
        app.sites.add(site)
    (tmp_path / "media" / "posts").mkdir(parents=True)
    (tmp_path / "media" / "posts" / "card.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    team = Team.objects.create(name="Access matrix team")
    challenge = Challenge.objects.create(
        name="Access matrix challenge",
        campaign=post.campaign,
        starts_at=timezone.now() - dt.timedelta(days=1),
        ends_at=timezone.now() + dt.timedelta(days=1),
    )
    survey = Survey.objects.create(campaign=post.campaign)
    for i in range(3):
        SurveyQuestion.objects.create(survey=survey, position=i, text=f"Question {i}")
    return {
        "users": users,
        "post": post,
        "account": account,
        "share": share,
        "team": team,
        "challenge": challenge,
        "survey": survey,
    }


def _kwargs(route: str, pattern: URLPattern, world) -> dict:
    from django.contrib import admin

    values = {
        "code": world["share"].short_link.code,
        "account_id": world["account"].pk,
        "post_id": world["post"].pk,
        "network": "mastodon",
        "share_id": world["share"].pk,
        "key": "not-a-key",
        "uidb36": "1",
        "provider_id": "linkedin",
        "path": "posts/card.png",
        "url": "no/such/page/",
        "content_type_id": "1",
        "app_label": "campaigns",
        "action": "launch",
        "id": world["users"][EMPLOYEE].pk,
        "campaign_id": world["post"].campaign_id,
        "team_id": world["team"].pk,
        "request_id": 1,
        "challenge_id": world["challenge"].pk,
        "survey_id": world["survey"].pk,
        "link_id": world["share"].short_link_id,
        "user_id": world["users"][EMPLOYEE].pk,
        "token_id": 1,
        "rest": "no/such/endpoint/",
        "rule": "share",
        "suggestion_id": 1,
    }
    found = _admin_model_route(route)
    if found and "object_id" in route:
        model = next(m for m in admin.site._registry if m._meta.label_lower == found[0])
        obj = model._default_manager.order_by("pk").first()
        values["object_id"] = obj.pk if obj is not None else 0
    elif "object_id" in route:
        values["object_id"] = "1"
    return {k: v for k, v in values.items() if f"<{k}>" in route or f":{k}>" in route}


def url_for(route: str, pattern: URLPattern, world) -> str:
    """The route with its parameters filled in (path converters and regex groups alike)."""
    url = "/" + route.replace("^", "").replace("$", "")
    for key, value in _kwargs(route, pattern, world).items():
        url = re.sub(rf"\(\?P<{key}>[^)]*\)|<(?:\w+:)?{key}>", str(value), url)
    return url


def _get(client, users, role: str, url: str) -> int:
    client.logout()
    if role != "anonymous":
        client.force_login(users[role])
    return client.get(url).status_code


def test_every_url_has_an_entry():
    missing = [route for route, _name, _p in all_routes() if expected(route) is None]
    assert missing == [], "Add these URLs to the access matrix (PAGES or ADMIN_MODELS): " + ", ".join(missing)


def area(route: str) -> str:
    """The part of the site a route belongs to: the API, allauth, each admin app, or the rest of the site.
    The matrix runs one area per test, so pytest-xdist spreads it over the workers."""
    first, _, rest = route.partition("/")
    if first == "admin":
        app = rest.split("/", 1)[0]
        return f"admin/{app}" if app in ADMIN_APPS else "admin"
    return first if first in ("api", "accounts") else "site"


ADMIN_APPS = {label.split(".")[0] for label in ADMIN_MODELS}
AREAS = sorted({area(route) for route, _name, _p in all_routes()})


@pytest.mark.parametrize("where", AREAS)
def test_every_role_gets_the_expected_status_everywhere(client, world, where):
    from django.contrib import admin

    without_rows = frozenset(m._meta.label_lower for m in admin.site._registry if not m._default_manager.exists())
    wrong = []
    checked = 0
    for route, name, pattern in all_routes():
        want = expected(route, without_rows)
        if want is None or area(route) != where:
            continue
        url = url_for(route, pattern, world)
        got = tuple(_get(client, world["users"], role, url) for role in ROLES)
        checked += 1
        if got != want:
            wrong.append(f"{route} ({url}): expected {want}, got {got}")
    assert checked
    assert wrong == [], "\n".join(wrong)
