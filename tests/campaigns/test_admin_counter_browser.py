"""The post admin's live character count, in a real browser (Debian's Chromium)."""

import pytest

from accounts.roles import CONTENT_MANAGER
from campaigns.models import PostStatus
from tests.factories import PASSWORD, SuggestedPostFactory, UserFactory

pytestmark = [pytest.mark.browser]


@pytest.fixture
def browser_page(chromium):
    return chromium.new_page()


def test_variant_counter_counts_the_network_way_and_flags_overflow(live_server, transactional_db, browser_page):
    UserFactory(email="cm@example.com", role=CONTENT_MANAGER)
    post = SuggestedPostFactory(status=PostStatus.DRAFT, variants={"x": "Hello"}, disclaimer="")
    page = browser_page
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "cm@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/campaigns/suggestedpost/{post.pk}/change/")

    area = page.locator("textarea[name='variants-0-text']")
    counter = page.locator(".variant-counter").first
    area.fill("Read https://example.com/a/very/long/url/indeed?x=1 now")
    # "Read  now" (9) + the URL as 23 + "\n" + the short link as 23 = 56
    assert counter.inner_text().startswith("56 / 280")
    assert "over" not in (counter.get_attribute("class") or "")

    area.fill("日" * 140)
    assert counter.inner_text().startswith("304 / 280")  # CJK weighs 2 on X
    assert "over" in counter.get_attribute("class")
