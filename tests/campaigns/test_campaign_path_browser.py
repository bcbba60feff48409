"""Issue 13's whole path in Chromium, with the clicks and fields counted: a content manager creates a campaign and
a post with 4 networks from the campaign page, previews it and submits it with the button; another reviewer approves
it from the inbox and launches the campaign; it goes live at its publish time; an employee sees it on Today.

Also: axe-core on the campaign and post change pages, and screenshots at 1280 px under var/test-artifacts/."""

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from accounts.roles import CONTENT_MANAGER
from campaigns import tasks
from campaigns.models import Campaign, PostStatus, SuggestedPost
from campaigns.networks import TEXT_RULES, compose_share_text, short_link_placeholder, text_length
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
WIDE = {"width": 1280, "height": 900}
GOAL = 25  # clicks and fields for one post with 4 networks, from an empty admin to approved and launched


class Counted:
    """Playwright actions that count what a person would do: one click or one field filled."""

    def __init__(self, page):
        self.page = page
        self.actions: list[str] = []

    def click(self, selector: str) -> None:
        self.actions.append(f"click {selector}")
        self.page.click(selector)

    def fill(self, selector: str, value: str) -> None:
        self.actions.append(f"fill {selector}")
        self.page.fill(selector, value)

    def sign_in(self, base: str, email: str) -> None:
        self.page.goto(f"{base}/admin/login/")
        self.fill("#id_username", email)
        self.fill("#id_password", PASSWORD)
        self.click("input[type=submit]")


GENERIC_COPY = (
    "We opened our new Berlin office today 🎉 More room for the team, a workshop space for customers and "
    "a café that serves proper coffee. Come and see us at the open day next Friday — everyone is welcome, "
    "bring a friend and your questions about working here. We are hiring engineers, designers and support "
    "people, and we would love to show you around the place we built together."
)


CUT_AFTER = re.compile(r"[\s.,;:!?\u2014-]")  # what may follow a cut: a space or the punctuation left out


def _is_trimmed_at_a_word_boundary_to_fit(network: str, copy: str, disclaimer: str) -> bool:
    """A copy filled from GENERIC_COPY: the whole text if it fits, else its longest start cut between words + "…"."""

    def full_text(text: str) -> str:
        return compose_share_text(text, disclaimer=disclaimer, link=short_link_placeholder())

    limit = TEXT_RULES[network].limit
    if limit is None or text_length(network, full_text(GENERIC_COPY)) <= limit:
        assert copy == GENERIC_COPY, network
        return False
    assert copy.endswith("…"), network
    kept = copy[: -len("…")]
    assert GENERIC_COPY.startswith(kept) and kept == kept.rstrip(), network
    assert CUT_AFTER.match(GENERIC_COPY[len(kept)]), f"{network}: a word is cut after {kept[-20:]!r}"
    assert text_length(network, full_text(copy)) <= limit, network
    one_more_word = re.match(r"\S*\s+\S+", GENERIC_COPY[len(kept) :]).group()
    longer = (kept + one_more_word).rstrip(".,;:!?\u2014-") + "…"
    assert text_length(network, full_text(longer)) > limit, f"{network}: cut shorter than the limit needs"
    return True


def test_a_campaign_post_with_four_networks_goes_live_in_under_25_actions(
    live_server, transactional_db, chromium, axe, settings
):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    UserFactory(email="carol@example.com", first_name="Carol", role=CONTENT_MANAGER)
    UserFactory(email="erin@example.com", first_name="Erin", role=CONTENT_MANAGER)
    employee = UserFactory(email="alice@example.com", first_name="Alice")
    base = live_server.url
    settings.FOUR_EYES_APPROVAL = True
    berlin = ZoneInfo(settings.ORGANISATION_TIME_ZONE)
    publish_at = (dt.datetime.now(berlin) + dt.timedelta(days=1)).replace(hour=9, minute=30, second=0, microsecond=0)

    # --- Carol, content manager: campaign, post from the campaign page, previews, submit -----------------------
    # bypass_csp: only so axe-core can be injected; tests/test_security_headers.py checks the policy itself.
    carol = Counted(chromium.new_page(viewport=WIDE, bypass_csp=True))
    carol.sign_in(base, "carol@example.com")
    sign_in_actions = len(carol.actions)
    carol.click("a[href='/admin/campaigns/campaign/add/']")
    carol.fill("#id_name", "Berlin office opening")
    carol.fill("#id_narrative", "Our new office is open: tell your network and invite them to the open day.")
    carol.click("input[name=_continue]")
    page = carol.page
    page.wait_for_url(re.compile(r"/\d+/change/"))
    campaign = Campaign.objects.get()
    page.wait_for_selector("text=Add a post to this campaign")
    assert axe(page) == [], "campaign change page"
    page.screenshot(path=ARTIFACTS / "campaign-page-1280.png", full_page=True)

    carol.click("text=Add a post to this campaign")
    carol.fill("#id_title", "Our Berlin office is open")
    carol.fill("#id_target_url", "https://example.com/blog/berlin-office")
    carol.fill("textarea[name='variants-0-text']", GENERIC_COPY)  # the first row is the generic copy
    carol.click("#fill-from-generic")
    for network in ("linkedin", "x", "mastodon", "bluesky", "facebook"):
        assert page.locator(f".preview-card[data-network='{network}']").count() == 1, network
    assert page.locator(".variant-counter.over").count() == 0  # each network trimmed to fit
    carol.fill("#id_publish_at_0", publish_at.strftime("%Y-%m-%d"))
    carol.fill("#id_publish_at_1", publish_at.strftime("%H:%M:%S"))
    carol.click("input[name=_continue]")
    page.wait_for_url(re.compile(r"/\d+/change/"))
    post = SuggestedPost.objects.get()
    assert post.campaign == campaign and post.variants.count() == 6  # generic + 5 networks
    trimmed = {
        v.network
        for v in post.variants.all()
        if _is_trimmed_at_a_word_boundary_to_fit(v.network, v.text, post.disclaimer)
    }
    assert trimmed == {"x", "bluesky"}  # too long for these two; Mastodon, LinkedIn and Facebook keep it all
    assert post.publish_at == publish_at
    page.wait_for_selector(".preview-card")
    assert page.locator(".preview-card").count() == 6
    assert axe(page) == [], "post change page"
    page.screenshot(path=ARTIFACTS / "post-page-previews-1280.png", full_page=True)
    page.locator("#post-previews").screenshot(path=ARTIFACTS / "post-previews-1280.png")
    carol.click("button:has-text('Submit for approval')")
    expect(page.locator(".messagelist")).to_contain_text("submitted for approval")
    assert page.locator("text=Can approve: Erin").count() == 1  # four-eyes: who can, not Carol

    # --- Erin, another reviewer: inbox, approve, launch the campaign it offers ---------------------------------
    erin = Counted(chromium.new_page(viewport=WIDE))
    erin.sign_in(base, "erin@example.com")
    sign_in_actions += len(erin.actions)
    erin.click("text=1 post waiting for you")
    erin.click(f"a[href='/admin/campaigns/suggestedpost/{post.pk}/change/?_changelist_filters=waiting%3Dme']")
    erin.click("button:has-text('Approve')")
    assert "is not launched" in erin.page.inner_text(".messagelist")
    erin.click("button:has-text('Launch campaign')")
    post.refresh_from_db()
    campaign.refresh_from_db()
    assert post.status == PostStatus.APPROVED and campaign.launched_at is not None

    total = len(carol.actions) + len(erin.actions)
    work = total - sign_in_actions
    print(f"\nclicks and fields: {work} for the work, {total} with both sign-ins")
    (ARTIFACTS / "campaign-path-clicks.txt").write_text("\n".join(carol.actions + erin.actions) + f"\n{work}/{total}\n")
    assert total < GOAL

    # --- its publish time comes: the scheduled task publishes it; Alice sees it on Today ----------------------
    with time_machine.travel(publish_at + dt.timedelta(minutes=1), tick=True):
        assert tasks.publish_due_posts() == 1
        post.refresh_from_db()
        assert post.status == PostStatus.PUBLISHED
        assert post.transitions.get(to_status=PostStatus.PUBLISHED).reason == "published on schedule"
        alice = chromium.new_page()
        alice.goto(f"{base}/accounts/login/")
        alice.fill("input[name=login]", employee.email)
        alice.fill("input[name=password]", PASSWORD)
        alice.click("button[type=submit]")
        alice.goto(f"{base}/")
        assert "Our Berlin office is open" in alice.inner_text("body")
