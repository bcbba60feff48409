"""The post admin's live character count, in a real browser (Debian's Chromium)."""

import os
import shutil

import pytest
from django.db import connections

from accounts.roles import CONTENT_MANAGER
from campaigns.models import PostStatus
from tests.factories import PASSWORD, SuggestedPostFactory, UserFactory

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not shutil.which(CHROMIUM) and os.environ.get("ADVOCACY_REQUIRE_SERVICES") != "1",
        reason="Debian's chromium is not installed",
    ),
]


@pytest.fixture
def browser_page(monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        page = browser.new_page()
        yield page
        # Connections opened inside Playwright's context would keep PostgreSQL from dropping the test database.
        connections.close_all()
        browser.close()


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
