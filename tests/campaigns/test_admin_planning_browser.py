"""In Chromium: the posts calendar, the CSV import page, a correction of a published post, and lists at 1366 px.
axe-core finds no serious or critical violation on them; nothing scrolls sideways at 1366 px (and the calendar at
375 px). Screenshots go to var/test-artifacts/."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import CONTENT_MANAGER
from campaigns import services
from campaigns.models import PostStatus
from tests.factories import PASSWORD, CampaignFactory, SuggestedPostFactory, UserFactory

pytestmark = [pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
LAPTOP = {"width": 1366, "height": 768}
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
WIDER_THAN_THE_SCREEN = """() => Array.from(document.querySelectorAll("body *"))
  .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(0, 12).map((e) => `${e.tagName}.${e.className}#${e.id}`)"""
LONG = "Our new Berlin office is open: a workshop space for customers, a café and room for forty more people"


@pytest.fixture
def planned(transactional_db):
    manager = UserFactory(
        email="carol@example.com", first_name="Carol", last_name="Content-Manager", role=CONTENT_MANAGER
    )
    now = timezone.now()
    campaign = CampaignFactory(
        name="Berlin office opening and the open day for customers and friends", utm_campaign="berlin-office"
    )
    for i in range(12):
        SuggestedPostFactory(
            campaign=campaign,
            title=f"{LONG} ({i + 1})",
            target_url=f"https://example.com/blog/berlin-office-opening-open-day-and-hiring/{i}?utm_source=newsletter",
            publish_at=now + dt.timedelta(days=i % 9, hours=i),
            expires_at=None,
            status=[PostStatus.DRAFT, PostStatus.SUBMITTED, PostStatus.APPROVED, PostStatus.PUBLISHED][i % 4],
            created_by=manager,
        )
    return manager


def _sign_in(page, base):
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "carol@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#content")


def test_calendar_fits_a_laptop_and_a_phone_without_violations(live_server, planned, chromium, axe):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = chromium.new_page(viewport=LAPTOP, bypass_csp=True)
    _sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/campaigns/suggestedpost/")
    page.click("text=Calendar")
    expect(page.locator(".calendar-post").first).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    assert axe(page) == [], "calendar, month"
    page.screenshot(path=ARTIFACTS / "calendar-month-1366.png", full_page=True)
    page.click("text=Week view")
    expect(page.locator(".post-calendar-week")).to_have_count(1)
    assert axe(page) == [], "calendar, week"
    page.click("text=Next week →")
    page.click("text=← Previous week")
    page.locator(".calendar-post a").first.click()
    page.wait_for_url(re.compile(r"/\d+/change/"))

    phone = chromium.new_page(viewport={"width": 375, "height": 812}, bypass_csp=True, is_mobile=True, has_touch=True)
    _sign_in(phone, live_server.url)
    phone.goto(f"{live_server.url}/admin/campaigns/suggestedpost/calendar/")
    wide = phone.evaluate(WIDER_THAN_THE_SCREEN)
    assert phone.evaluate(NO_SIDEWAYS_SCROLL), wide
    assert phone.locator(".calendar-post a").first.is_visible()
    assert axe(phone) == [], "calendar at 375 px"
    phone.screenshot(path=ARTIFACTS / "calendar-month-375.png", full_page=True)


def test_campaign_and_post_lists_fit_1366_px(live_server, planned, chromium):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = chromium.new_page(viewport=LAPTOP)
    _sign_in(page, live_server.url)
    for path, name in (("campaigns/campaign/", "campaign-list"), ("campaigns/suggestedpost/", "post-list")):
        page.goto(f"{live_server.url}/admin/{path}")
        page.wait_for_selector("#result_list")
        page.screenshot(path=ARTIFACTS / f"{name}-1366.png")
        assert page.evaluate(NO_SIDEWAYS_SCROLL), path
        # Nor does the table scroll inside its box (the admin lets .results scroll sideways).
        assert page.evaluate(
            "() => { const r = document.querySelector('.results'); return r.scrollWidth <= r.clientWidth; }"
        ), path
    page.goto(f"{live_server.url}/admin/")
    menu = page.inner_text("#content-main")
    assert "Post image renditions" not in menu and "Post transitions" not in menu and "Post versions" not in menu


def test_import_page_shows_row_errors_without_violations(live_server, planned, chromium, axe, tmp_path):
    page = chromium.new_page(viewport=LAPTOP, bypass_csp=True)
    _sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/campaigns/suggestedpost/")
    page.click("a.import_link")
    assert axe(page) == [], "import form"
    bad = tmp_path / "posts.csv"
    bad.write_text(
        "campaign,title,target_url,publish_at,expires_at,disclaimer,network,copy\n"
        "berlin-office,Open day,https://example.com/open-day,2026-12-01 09:30,,,myspace,Come along!\n"
        "nowhere,Open day 2,https://example.com/open-day,soon,,,x,Come along!\n"
    )
    page.set_input_files("#id_import_file", str(bad))
    page.click("input[type=submit]")
    page.wait_for_selector(".import-preview")
    text = page.inner_text(".import-preview")
    assert "Unknown network “myspace”" in text and "no campaign with UTM campaign “nowhere”" in text
    assert axe(page) == [], "import dry run with errors"
    page.screenshot(path=ARTIFACTS / "post-import-dry-run-1366.png", full_page=True)


def test_correcting_a_published_post_in_the_browser(live_server, planned, chromium, axe, settings):
    settings.FOUR_EYES_APPROVAL = True
    manager = planned
    reviewer = UserFactory(email="erin@example.com", first_name="Erin", role=CONTENT_MANAGER)
    post = SuggestedPostFactory(
        title="Open day", status=PostStatus.PUBLISHED, created_by=manager, disclaimer="#employee"
    )
    page = chromium.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    _sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/campaigns/suggestedpost/{post.pk}/change/")
    page.click("button:has-text('Correct the copy')")
    page.wait_for_selector(".live-copy")
    assert axe(page) == [], "correction page"
    x_row = page.locator(".inline-related", has=page.locator("select[name$='-network'] >> option[selected][value='x']"))
    x_row.locator("textarea").fill("Open day on Friday, now with a talk at 11:00!")
    page.fill("#id_note", "added the talk")
    page.click("input[name=_continue]")
    page.click("button:has-text('Submit correction for approval')")
    expect(page.locator(".messagelist")).to_contain_text("submitted")
    assert page.locator("button:has-text('Approve')").count() == 0  # four-eyes: not Carol
    page.screenshot(path=ARTIFACTS / "post-correction-submitted-1280.png", full_page=True)

    version = post.versions.get(number=2)
    services.post_version_approve(version=version, by=reviewer)
    page.goto(f"{live_server.url}/admin/campaigns/suggestedpost/{post.pk}/change/")
    assert page.locator(".post-versions tbody tr").count() == 2
    assert axe(page) == [], "post page with versions"
    page.locator(".post-versions").screenshot(path=ARTIFACTS / "post-versions-1280.png")
