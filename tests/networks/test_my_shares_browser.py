"""My shares on a phone (375 px, Debian's Chromium): every kind of card fits, and its screenshot goes to
var/test-artifacts/ (gitignored)."""

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from analytics.models import Click, ShareMetrics
from networks.models import Share
from networks.services.sharing import share_intent_create
from tests.conftest import PHONE
from tests.factories import ConnectedAccountFactory, SuggestedPostFactory, UserFactory, make_share

pytestmark = [pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"


def test_my_shares_fits_a_phone_with_every_kind_of_card(live_server, transactional_db, chromium):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    employee = UserFactory(email="erin@example.com", first_name="Erin")
    employee.profile.time_zone = "Europe/Berlin"
    employee.profile.save()
    account = ConnectedAccountFactory(user=employee, network="mastodon", instance="mastodon.example")
    published = make_share(
        user=employee, post=SuggestedPostFactory(title="Our spring release is out"), network="mastodon", account=account
    )
    Share.objects.filter(pk=published.pk).update(external_url="https://mastodon.example/@erin/110")
    ShareMetrics.objects.create(share=published, state="ok", likes=12, reposts=3, replies=1, measured_at=timezone.now())
    for n in range(3):
        Click.objects.create(link=published.short_link, event_id=f"p{n}", clicked_at=timezone.now(), is_unique=True)
    failed = make_share(
        user=employee, post=SuggestedPostFactory(title="Meet the team"), network="mastodon", account=account
    )
    Share.objects.filter(pk=failed.pk).update(status=Share.Status.FAILED, error="Mastodon refused the post.")
    share_intent_create(user=employee, post=SuggestedPostFactory(title="We are hiring engineers"), network="linkedin")

    client = Client()
    client.force_login(employee)
    context = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.goto(live_server.url + reverse("my_shares"))
    assert page.locator("article.share").count() == 3
    assert page.get_by_role("button", name="Try again").is_visible()
    assert page.get_by_role("link", name="Open the dialog again").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(ARTIFACTS / "my-shares-375.png"), full_page=True)
    context.close()
