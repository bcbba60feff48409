"""The whole loop in a real browser (Debian's Chromium): an employee shares through a share dialog, a reader
opens the short link from an anonymous context, the clicks are drained, and the click shows on My impact and
on the campaign page. axe-core finds no serious or critical violation on any dashboard page; screenshots at
1280 and 375 px go to var/test-artifacts/ (gitignored)."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from accounts.roles import CONTENT_MANAGER
from analytics.rollups import rollup_shares_sync
from analytics.services import clicks_drain
from networks.models import Share
from tests.conftest import PHONE
from tests.factories import PASSWORD, CampaignFactory, SuggestedPostFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
READER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
DESKTOP = {"width": 1280, "height": 900}


def only_our_server(context, live_server) -> None:
    """Share dialogs and link targets leave for other sites: stop them at the door (no network in tests)."""
    own = urlsplit(live_server.url).netloc
    context.route(
        "**/*", lambda route: route.continue_() if urlsplit(route.request.url).netloc == own else route.abort()
    )


def log_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/today/")


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def test_share_click_drain_and_see_it_on_my_impact_and_the_campaign_page(live_server, transactional_db, chromium, axe):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    team = TeamFactory(name="Sales")
    employee = UserFactory(email="erin@example.com", first_name="Erin", last_name="Example")
    employee.profile.team = team
    employee.profile.save()
    UserFactory(email="nadia@example.com", first_name="Nadia")  # in the audience, not sharing
    manager = UserFactory(email="manager@example.com", first_name="Mo", role=CONTENT_MANAGER)
    campaign = CampaignFactory(name="Spring launch", goal_target=50)
    post = SuggestedPostFactory(campaign=campaign, title="Our spring release")

    # 1. The employee logs in and shares through a share dialog (a POST form opening a new tab).
    context = chromium.new_context(viewport=DESKTOP, bypass_csp=True)  # bypass: axe-core is injected inline
    only_our_server(context, live_server)
    page = context.new_page()
    log_in(page, live_server, employee.email)
    assert page.get_by_role("link", name="My impact").first.is_visible()  # linked from Today
    dialog_button = page.locator(f"#post-{post.pk} details[open] form.share-intent button[data-route=intent]").first
    network = dialog_button.get_attribute("data-network")
    with context.expect_page() as popup:
        dialog_button.click()
    popup.value.wait_for_load_state()
    share = Share.objects.get(user=employee, post=post, network=network)
    assert share.route == Share.Route.INTENT and share.status == Share.Status.OPENED

    # 2. A reader opens the short link from an anonymous browser context.
    reader = chromium.new_context(user_agent=READER_AGENT)
    only_our_server(reader, live_server)
    reader_page = reader.new_page()
    answers = []
    reader_page.on("response", lambda response: answers.append((response.status, response.url)))
    try:
        reader_page.goto(f"{live_server.url}/s/{share.short_link.code}", wait_until="commit")
    except PlaywrightError:  # the redirect's target (the post's site) cannot be reached from the test machine
        pass
    assert answers[0] == (302, f"{live_server.url}/s/{share.short_link.code}")
    reader.close()

    # 3. Drain (the buffered path with Redis; without it the redirect stored the click itself) and count shares.
    clicks_drain()
    rollup_shares_sync()

    # 4. The employee sees the click on My impact.
    page.goto(f"{live_server.url}/me/impact/")
    figures = page.locator(".figure", has_text="Unique clicks").first
    assert figures.locator(".figure-value").inner_text() == "1"
    assert page.locator(".figure", has_text="Shares").first.locator(".figure-value").inner_text() == "1"
    assert page.locator("#t-networks").is_visible()
    assert axe(page) == []
    page.screenshot(path=str(ARTIFACTS / "my-impact-1280.png"), full_page=True)
    # Keyboard: Tab reaches the filters and a CSV link, each with a visible focus ring.
    page.keyboard.press("Tab")
    reached = set()
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.className || document.activeElement.tagName"))
        if "csv-link" in reached:
            break
    assert "SELECT" in reached and "csv-link" in reached  # the period menu, then a table's CSV link
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    context.close()

    # 5. The content manager sees it on the campaign page, and every programme page passes axe.
    staff = chromium.new_context(viewport=DESKTOP, bypass_csp=True)
    only_our_server(staff, live_server)
    staff_page = staff.new_page()
    log_in(staff_page, live_server, manager.email)
    staff_page.goto(f"{live_server.url}/programme/campaigns/{campaign.pk}/")
    goal = staff_page.locator("section.goal").inner_text()
    assert "1 of 50 clicks" in goal
    funnel = staff_page.locator("#t-funnel").locator("xpath=..").locator("..").inner_text()
    assert "Clicked" in funnel
    assert "Nadia" in staff_page.locator("#t-not-shared").locator("xpath=../..").inner_text()
    assert staff_page.locator("svg.pygal-chart").count() == 2  # clicks per day, funnel
    assert axe(staff_page) == []
    staff_page.screenshot(path=str(ARTIFACTS / "campaign-1280.png"), full_page=True)
    for name, url in (
        ("programme", "/programme/"),
        ("post", f"/programme/posts/{post.pk}/"),
        ("team", f"/programme/teams/{team.pk}/"),
        ("programme-bad-filter", "/programme/?start=2026-05-10&end=2026-05-01"),
    ):
        staff_page.goto(f"{live_server.url}{url}")
        assert axe(staff_page) == [], name
        staff_page.screenshot(path=str(ARTIFACTS / f"{name}-1280.png"), full_page=True)
    staff.close()


def test_dashboards_on_a_phone(live_server, transactional_db, chromium, axe):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # conftest's phone_page without CSP bypass: axe-core's injected <script> would be refused by our policy.
    phone = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, bypass_csp=True)
    manager = UserFactory(email="manager@example.com", role=CONTENT_MANAGER)
    campaign = CampaignFactory(name="A new campaign with no shares yet")
    SuggestedPostFactory(campaign=campaign)
    page = phone.new_page()
    log_in(page, live_server, manager.email)
    for name, url in (
        ("my-impact", "/me/impact/"),
        ("programme", "/programme/"),
        ("campaign-empty", f"/programme/campaigns/{campaign.pk}/"),
    ):
        page.goto(f"{live_server.url}{url}")
        fits(page, PHONE["width"])
        assert axe(page) == [], name
        page.screenshot(path=str(ARTIFACTS / f"{name}-375.png"), full_page=True)
    assert "No shares yet" in page.content()
