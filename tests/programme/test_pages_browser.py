"""The programme's pages on a phone (375 px) in a real browser, with the demo data: no sideways scrolling and
no serious or critical axe-core findings; the survey answered by tapping."""

import os

import pytest
from playwright.sync_api import expect

from demo.data import DEMO_PASSWORD
from demo.people import demo_logins
from demo.seed import seed_demo
from programme.models import Challenge, Survey, SurveyResponse
from tests.conftest import PHONE

pytestmark = [pytest.mark.browser]


def _login(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/today/")


def test_programme_pages_work_on_a_phone_without_accessibility_failures(live_server, transactional_db, chromium, axe):
    seed_demo()
    employee = next(email for who, email in demo_logins() if who.startswith("Employee"))
    manager = next(email for who, email in demo_logins() if who.startswith("Content manager"))
    survey = Survey.objects.get()
    running = Challenge.objects.get(name="Atlas 3.0 launch sprint")
    ended = Challenge.objects.get(name="Atlas launch: first days")
    context = chromium.new_context(  # bypass: axe-core is injected inline
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, bypass_csp=True
    )
    page = context.new_page()
    base = live_server.url
    shots = os.environ.get("ADVOCACY_SCREENSHOT_DIR")
    _login(page, base, employee)
    paths = [
        "/today/",
        "/challenges/",
        f"/challenges/{running.pk}/",
        f"/challenges/{ended.pk}/",
        f"/surveys/{survey.pk}/",
        "/guidelines/",
        "/stories/",
        "/me/policy/",
    ]
    for path in paths:
        page.goto(f"{base}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        assert axe(page) == [], path
        if shots:
            name = path.strip("/").replace("/", "-") or "home"
            page.screenshot(path=os.path.join(shots, f"programme-{name}-375.png"), full_page=True)

    page.goto(f"{base}/surveys/{survey.pk}/")
    page.locator("fieldset").nth(0).get_by_label("4").check()
    page.locator("fieldset").nth(1).get_by_label("LinkedIn").check()
    page.locator("fieldset").nth(2).get_by_label("5").check()
    page.locator("textarea").fill("Shorter posts for X, please.")
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url(f"{base}/today/")
    assert "your answers are in" in page.content()
    assert SurveyResponse.objects.filter(survey=survey).count() == 8

    page.goto(f"{base}/me/policy/")
    page.get_by_role("button", name="I have read and accept version 1").click()
    expect(page.locator("body")).to_contain_text("you acknowledged version 1")

    page.context.clear_cookies()
    _login(page, base, manager)
    page.goto(f"{base}/programme/campaigns/{survey.campaign_id}/")
    assert page.get_by_role("heading", name="Feedback survey").is_visible()
    assert "Shorter posts for X, please." in page.content()
    assert axe(page) == []
    if shots:
        page.locator("section.survey-results").screenshot(path=os.path.join(shots, "programme-survey-results-375.png"))
