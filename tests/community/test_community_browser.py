"""The community pages on a phone, in a real browser: no sideways scrolling, no serious or critical axe finding."""

import os

import pytest
from playwright.sync_api import expect

from community import services
from tests.conftest import PHONE
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser]


def test_community_pages_work_on_a_phone(live_server, transactional_db, chromium, axe):
    employee = UserFactory(email="ana@example.com", first_name="Ana", last_name="Silva")
    colleague = UserFactory(email="ben@example.com", first_name="Ben", last_name="Okafor")
    manager = UserFactory(role="Content manager")
    services.suggestion_create(author=employee, url="https://example.com/blog/lisbon", text="We opened in Lisbon!")
    declined = services.suggestion_create(author=employee, text="Our charity run raised 4,200 euros.")
    services.suggestion_decline(suggestion=declined, by=manager, reason="Lovely, but we shared it last week.")
    services.amplify_request_create(author=employee, url="https://mastodon.social/@ana/113456789012345678")
    featured = services.amplify_request_create(
        author=colleague, url="https://bsky.app/profile/ben.bsky.social/post/3lbxyz2abcd2k", note="My talk!"
    )
    services.amplify_request_move(request=featured, to="featured", by=manager)

    # bypass_csp: only so axe-core can be injected; tests/test_security_headers.py checks the policy itself.
    phone = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, bypass_csp=True)
    page = phone.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", employee.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/today/")
    screenshot_dir = os.environ.get("ADVOCACY_SCREENSHOT_DIR")
    for path, heading in [
        ("/community/suggestions/", "Suggest a post"),
        ("/community/amplify/", "Amplify my post"),
        ("/community/engage/", "Boost colleagues"),
    ]:
        page.goto(f"{live_server.url}{path}")
        assert page.get_by_role("heading", name=heading, level=1).is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        assert axe(page) == [], path
        if screenshot_dir:
            page.screenshot(
                path=os.path.join(screenshot_dir, f"community-{path.split('/')[2]}-375.png"), full_page=True
            )
    # A form sent with an error keeps its clear message, and passes axe too.
    page.goto(f"{live_server.url}/community/amplify/")
    page.fill("input[name=url]", "https://example.com/not-a-post")
    page.get_by_role("button", name="Ask colleagues to amplify it").click()
    expect(page.get_by_text("is not the address of one post")).to_be_visible()
    assert axe(page) == []
