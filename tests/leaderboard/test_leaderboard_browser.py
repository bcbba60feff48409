"""The leaderboard and my-points pages on a phone, in a real browser (Debian's Chromium)."""

import datetime as dt
import os

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import PHONE
from tests.factories import PASSWORD, UserFactory, award

pytestmark = [pytest.mark.browser]


def test_leaderboard_on_a_phone_highlights_me_below_the_top_50(live_server, transactional_db, phone_page, settings):
    settings.LEADERBOARD_BACKEND = "sql"
    now = timezone.now()
    for i in range(55):
        award(UserFactory(email=f"lb{i}@example.com", first_name=f"Advocate{i}"), 100 + i, now - dt.timedelta(hours=1))
    me = UserFactory(email="me@example.com", first_name="Mia", last_name="Longname-Withaverylongsurname")
    award(me, 3, now - dt.timedelta(hours=1))
    page = phone_page
    failures = []
    page.on("response", lambda response: response.status >= 400 and failures.append((response.status, response.url)))

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", me.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/today/")
    page.get_by_role("link", name="Leaderboard").click()
    page.wait_for_url(f"{live_server.url}/leaderboard/")

    mine = page.locator("tr.me")
    assert mine.count() == 1
    assert mine.first.inner_text().startswith("56")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot_dir = os.environ.get("ADVOCACY_SCREENSHOT_DIR")
    if screenshot_dir:
        mine.first.scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(screenshot_dir, "leaderboard-375.png"))
    page.get_by_role("link", name="All time", exact=True).click()
    page.wait_for_url("**period=all*")

    page.get_by_role("link", name="My points", exact=True).click()
    expect(page.get_by_text("test award").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    if screenshot_dir:
        page.screenshot(path=os.path.join(screenshot_dir, "my-points-375.png"), full_page=True)
    assert failures == []
