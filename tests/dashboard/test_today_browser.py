"""The Today page on a phone, in a real browser (Debian's Chromium), with the demo data."""

import os
from urllib.parse import urlsplit

import pytest

from accounts.models import User
from campaigns.selectors import posts_for_today
from demo.data import DEMO_PASSWORD
from demo.people import demo_logins
from demo.seed import seed_demo
from tests.conftest import PHONE

pytestmark = [pytest.mark.browser]


def test_employee_logs_in_and_reads_today_on_a_phone(live_server, transactional_db, phone_page):
    seed_demo()
    employee_email = next(email for who, email in demo_logins() if who.startswith("Employee"))
    page = phone_page
    requests, failures = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("response", lambda response: response.status >= 400 and failures.append((response.status, response.url)))
    page.on("console", lambda message: message.type == "error" and failures.append(("console", message.text)))
    page.on("pageerror", lambda error: failures.append(("script", str(error))))

    page.goto(f"{live_server.url}/today/")
    assert "/accounts/login/" in page.url  # Today needs a login
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.fill("input[name=login]", employee_email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/today/")

    # The cards are there, the first one in view, and the page does not scroll sideways.
    expected = posts_for_today(user=User.objects.get(email=employee_email))
    cards = page.locator("article.card.post")
    assert cards.count() == expected.count() >= 5
    assert cards.first.is_visible()
    assert page.get_by_role("heading", name=expected.first().title).is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Every card fits the screen, and the first card's image really loaded.
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('article.card')].map(c => c.getBoundingClientRect().right))"
    )
    assert widest <= PHONE["width"]
    first_image = cards.first.locator("img.post-image")
    if first_image.count():
        first_image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=first_image.element_handle())

    screenshot_dir = os.environ.get("ADVOCACY_SCREENSHOT_DIR")
    if screenshot_dir:
        page.screenshot(path=os.path.join(screenshot_dir, "today-375.png"))
        cards.first.screenshot(path=os.path.join(screenshot_dir, "today-375-first-card.png"))

    # Everything came from our own server: no CDN, no fonts, no trackers.
    own_host = urlsplit(live_server.url).netloc
    outside = [
        url
        for url in requests
        if urlsplit(url).scheme in ("http", "https", "ws", "wss") and urlsplit(url).netloc != own_host
    ]
    assert outside == []
    assert all(urlsplit(url).scheme in ("http", "https", "data", "blob") for url in requests), requests
    assert failures == []
