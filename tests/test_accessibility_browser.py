"""axe-core finds no serious or critical violation on any page an employee sees, nor on the admin pages the
project customises, at 1280 px and at 375 px (Debian's Chromium). The world holds one of each kind of thing the
pages show (a featured post, shares in every state a card can take, clicks, engagement, a post awaiting
approval), so badges, chips and buttons are all on the page when axe looks."""

from urllib.parse import urlsplit

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import ADVOCACY_ADMIN
from analytics.models import Click, ShareMetrics
from campaigns.models import PostStatus
from community.services import amplify_request_create, suggestion_create
from digest.tokens import share_token_make, unsubscribe_token_make
from networks.models import Share
from networks.services.sharing import share_intent_create
from tests.conftest import PHONE
from tests.factories import (
    CampaignFactory,
    ConnectedAccountFactory,
    SuggestedPostFactory,
    UserFactory,
    make_share,
)

pytestmark = [pytest.mark.browser]

DESKTOP = {"width": 1280, "height": 900}
WIDTHS = {"1280": DESKTOP, "375": PHONE}


def build_world() -> dict:
    employee = UserFactory(email="erin@example.com", first_name="Erin")
    admin = UserFactory(email="dana@example.com", first_name="Dana", role=ADVOCACY_ADMIN)
    campaign = CampaignFactory(name="Spring launch", owner=admin)
    featured = SuggestedPostFactory(
        campaign=campaign,
        title="Our spring release",
        is_featured=True,
        disclaimer="#employee",
        variants={"linkedin": "Proud of the team.", "mastodon": "Out now!", "x": "Out now!", "generic": "Out now."},
    )
    other = SuggestedPostFactory(campaign=campaign, title="Meet the team")
    SuggestedPostFactory(campaign=campaign, title="Awaiting review", status=PostStatus.SUBMITTED, created_by=admin)
    account = ConnectedAccountFactory(user=employee, network="mastodon", instance="mastodon.example")
    published = make_share(user=employee, post=featured, network="mastodon", account=account)
    ShareMetrics.objects.create(share=published, state="ok", likes=3, reposts=1, measured_at=timezone.now())
    Click.objects.create(link=published.short_link, event_id="a11y-1", clicked_at=timezone.now(), is_unique=True)
    make_share(user=employee, post=other, network="mastodon", account=account, status=Share.Status.FAILED)
    Share.objects.filter(status=Share.Status.FAILED).update(error="Mastodon refused the post.")
    share_intent_create(user=employee, post=other, network="linkedin")
    suggestion = suggestion_create(author=employee, url="https://example.com/blog/our-spring-release", text="Worth it.")
    amplify = amplify_request_create(author=employee, url="https://mastodon.example/@erin/113", note="My launch post")
    return {
        "employee": employee,
        "admin": admin,
        "campaign": campaign,
        "post": featured,
        "suggestion": suggestion,
        "amplify": amplify,
    }


def _500_page(page, base: str) -> None:
    page.goto(f"{base}/healthz")  # our origin, so the page's stylesheet loads
    page.set_content(render_to_string("500.html"))


# name → (who is signed in, the path, or a callable that opens the page)
PAGES: dict[str, tuple[str | None, object]] = {
    "today": ("employee", lambda w: "/today/"),
    "share page": ("employee", lambda w: reverse("networks:share", args=[w["post"].pk, "mastodon"])),
    "share dialog": ("employee", lambda w: reverse("networks:share_intent", args=[w["post"].pk, "linkedin"])),
    "share dialog, server asked": (
        "employee",
        lambda w: reverse("networks:share_intent", args=[w["post"].pk, "mastodon"]),
    ),
    "my shares": ("employee", lambda w: reverse("my_shares")),
    "my impact": ("employee", lambda w: reverse("my_impact")),
    "leaderboard": ("employee", lambda w: reverse("leaderboard:board")),
    "my points": ("employee", lambda w: reverse("leaderboard:my_points")),
    "my settings": ("employee", lambda w: reverse("my_settings")),
    "erase my data": ("employee", lambda w: reverse("my_erase")),
    "digest preferences": ("employee", lambda w: reverse("digest:preferences")),
    "digest share link": (
        "employee",
        lambda w: reverse(
            "digest:share", args=[share_token_make(user_id=w["employee"].pk, post_id=w["post"].pk, network="mastodon")]
        ),
    ),
    "digest link refused": (None, lambda w: reverse("digest:share", args=["not-a-token"])),
    "digest shared": ("employee", lambda w: reverse("digest:share_done")),
    "digest unsubscribe": (
        None,
        lambda w: reverse("digest:unsubscribe", args=[unsubscribe_token_make(user_id=w["employee"].pk)]),
    ),
    "connected accounts": ("employee", lambda w: reverse("networks:accounts")),
    "login": (None, lambda w: reverse("account_login")),
    "sign-up closed": (None, lambda w: reverse("account_signup")),
    "logout": ("employee", lambda w: reverse("account_logout")),
    "password change": ("employee", lambda w: reverse("account_change_password")),
    "password reset": (None, lambda w: reverse("account_reset_password")),
    "password reset sent": (None, lambda w: reverse("account_reset_password_done")),
    "403": ("employee", lambda w: reverse("programme")),
    "404": ("employee", lambda w: "/no/such/page/"),
    "500": (None, _500_page),
    "admin index": ("admin", lambda w: reverse("admin:index")),
    "admin campaigns": ("admin", lambda w: reverse("admin:campaigns_campaign_changelist")),
    "admin campaign": ("admin", lambda w: reverse("admin:campaigns_campaign_change", args=[w["campaign"].pk])),
    "admin new campaign": ("admin", lambda w: reverse("admin:campaigns_campaign_add")),
    "admin posts": ("admin", lambda w: reverse("admin:campaigns_suggestedpost_changelist")),
    "admin post": ("admin", lambda w: reverse("admin:campaigns_suggestedpost_change", args=[w["post"].pk])),
    "admin new post": ("admin", lambda w: reverse("admin:campaigns_suggestedpost_add")),
    "admin click buffer": ("admin", lambda w: reverse("admin:analytics_click_buffer")),
    "admin digest sends": ("admin", lambda w: reverse("admin:digest_digestsend_changelist")),
    "admin digest preview": ("admin", lambda w: reverse("admin:digest_preview")),
    "admin digest bounces": ("admin", lambda w: reverse("admin:digest_bounces")),
    "admin login": (None, lambda w: reverse("admin:login")),
    "admin suggestion": ("admin", lambda w: reverse("admin:community_suggestion_change", args=[w["suggestion"].pk])),
    "admin amplify request": (
        "admin",
        lambda w: reverse("admin:community_amplifyrequest_change", args=[w["amplify"].pk]),
    ),
    "e-mail addresses": ("employee", lambda w: reverse("account_email")),
    "third-party accounts": ("employee", lambda w: reverse("socialaccount_connections")),
    "reauthenticate": ("employee", lambda w: reverse("account_reauthenticate")),
    "inactive account": (None, lambda w: reverse("account_inactive")),
}


def _signed_in(context, base: str, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": base}])


@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_or_critical_accessibility_violations_at_1280_and_375_px(
    name, live_server, transactional_db, chromium, axe
):
    world = build_world()  # once per page; both widths look at it
    who, target = PAGES[name]
    base = live_server.url
    # bypass_csp: only so axe-core can be injected; tests/test_security_headers.py checks the policy itself.
    context = chromium.new_context(viewport=DESKTOP, bypass_csp=True)
    own = urlsplit(base).netloc
    context.route(
        "**/*", lambda route: route.continue_() if urlsplit(route.request.url).netloc == own else route.abort()
    )
    if who is not None:
        _signed_in(context, base, world[who])
    page = context.new_page()
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 and "/static/" in r.url else None)
    path = None if target is _500_page else target(world)
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        if path is None:
            _500_page(page, base)
        else:
            page.goto(base + path)
        assert axe(page) == [], f"{name} at {width} px"
        if not name.startswith("admin"):  # the admin's own tables scroll inside their regions
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], f"{name} at {width} px"
    assert not missing, missing
    context.close()
