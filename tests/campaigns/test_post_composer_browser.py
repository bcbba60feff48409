"""The post page's composer in Chromium (static/js/post-composer.js): one-click campaign hashtags, and preview cards
that show the full text (copy, disclaimer, a sample short link), the author, the link card and the image crop of
each network, follow the typing, and fetch nothing from anywhere else."""

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from playwright.sync_api import expect

from accounts.roles import CONTENT_MANAGER
from campaigns import services
from campaigns.models import PostStatus
from campaigns.networks import compose_share_text, short_link_placeholder, text_length
from tests.campaigns.helpers import image_bytes
from tests.factories import CampaignFactory, SuggestedPostFactory, UserFactory

pytestmark = [pytest.mark.browser]

WIDE = {"width": 1280, "height": 900}


def _open_as(chromium, base: str, user, path: str):
    client = Client()
    client.force_login(user)
    page = chromium.new_page(viewport=WIDE)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{base}{path}")
    return page, requests


def _row(page, network: str):
    """The copy row of one network on the post page."""
    return page.locator("#variants-group .inline-related").filter(
        has=page.locator(f"select[name$='-network'] option[value='{network}'][selected]")
    )


@pytest.fixture
def carol(transactional_db):
    return UserFactory(email="carol@example.com", first_name="Carol", last_name="Writer", role=CONTENT_MANAGER)


def test_a_campaign_hashtag_goes_into_a_copy_with_one_click(live_server, chromium, carol):
    campaign = CampaignFactory(hashtags="#BerlinOffice #Hiring")
    post = SuggestedPostFactory(
        campaign=campaign,
        status=PostStatus.DRAFT,
        disclaimer="",
        variants={"generic": "We opened our Berlin office.", "x": "Our Berlin office is open!"},
    )
    page, _ = _open_as(chromium, live_server.url, carol, f"/admin/campaigns/suggestedpost/{post.pk}/change/")
    x_row = _row(page, "x")
    x_copy = x_row.locator("textarea")
    buttons = x_row.locator(".hashtag-buttons[role=group] button")
    expect(buttons).to_have_text(["#BerlinOffice", "#Hiring"])
    assert page.locator(".hashtag-buttons").count() == 2  # one set under each copy

    buttons.filter(has_text="#Hiring").click()
    expect(x_copy).to_have_value("Our Berlin office is open! #Hiring")
    buttons.filter(has_text="#Hiring").click()  # already there: not added twice
    expect(x_copy).to_have_value("Our Berlin office is open! #Hiring")
    buttons.filter(has_text="#BerlinOffice").click()
    expect(x_copy).to_have_value("Our Berlin office is open! #Hiring #BerlinOffice")
    expect(_row(page, "generic").locator("textarea")).to_have_value("We opened our Berlin office.")  # the others stay

    # The counter and the preview follow the inserted tag.
    full = compose_share_text("Our Berlin office is open! #Hiring #BerlinOffice", link=short_link_placeholder())
    expect(x_row.locator(".variant-counter")).to_contain_text(f"{text_length('x', full)} / 280")
    expect(page.locator(".preview-card[data-network='x'] .preview-text")).to_contain_text("#Hiring #BerlinOffice")

    # Saved as it reads: the tags are part of the X copy.
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert post.variants.get(network="x").text == "Our Berlin office is open! #Hiring #BerlinOffice"


def test_a_campaign_without_hashtags_offers_no_hashtag_buttons(live_server, chromium, carol):
    post = SuggestedPostFactory(campaign=CampaignFactory(hashtags=""), status=PostStatus.DRAFT)
    page, _ = _open_as(chromium, live_server.url, carol, f"/admin/campaigns/suggestedpost/{post.pk}/change/")
    expect(page.locator(".preview-card")).to_have_count(3)  # the composer has run
    assert page.locator(".hashtag-buttons").count() == 0


def test_preview_cards_show_the_full_text_and_follow_the_typing_without_fetching_elsewhere(
    live_server, chromium, carol
):
    post = SuggestedPostFactory(
        title="Our Berlin office is open",
        target_url="https://example.com/blog/berlin-office",
        status=PostStatus.DRAFT,
        disclaimer="#employee",
        variants={"linkedin": "Proud of the team: Berlin is open.", "x": "Berlin is open!"},
    )
    post.image.save("office.png", ContentFile(image_bytes(size=(1000, 1000))), save=True)
    services.post_renditions_build(post=post, now=True)
    base = live_server.url
    link = short_link_placeholder()
    page, requests = _open_as(chromium, base, carol, f"/admin/campaigns/suggestedpost/{post.pk}/change/")

    x_card = page.locator(".preview-card[data-network='x']")
    linkedin_card = page.locator(".preview-card[data-network='linkedin']")
    expect(page.locator(".preview-card")).to_have_count(2)
    expect(x_card).to_have_attribute("aria-label", "X preview")
    expect(x_card.locator("header")).to_contain_text("Carol Writer")
    expect(x_card.locator(".preview-avatar")).to_have_text("C")
    full = f"Berlin is open!\n\n#employee\n{link}"
    assert x_card.locator(".preview-text").text_content() == full  # copy, disclaimer, sample short link
    expect(x_card.locator(".preview-counter")).to_have_text(f"{text_length('x', full)} / 280 weighted characters")
    expect(x_card.locator(".preview-domain")).to_have_text("example.com")
    expect(x_card.locator(".preview-card-body strong")).to_have_text("Our Berlin office is open")
    # Each network's own crop of the image: X shows 16:9, LinkedIn 1.91:1.
    expect(x_card.locator(".preview-media")).to_have_class("preview-media ratio-169")
    expect(linkedin_card.locator(".preview-media")).to_have_class("preview-media ratio-191")
    x_image = post.renditions.get(network="x").image.url
    assert x_card.locator(".preview-media img").get_attribute("src") == x_image

    # Typing changes the card at once: the copy, the counter, the disclaimer on every card, the link card.
    x_copy = _row(page, "x").locator("textarea")
    x_copy.fill("Berlin is open, come and visit us at the open day on Friday!")
    expect(x_card.locator(".preview-text")).to_contain_text("come and visit us")
    full = f"Berlin is open, come and visit us at the open day on Friday!\n\n#employee\n{link}"
    assert x_card.locator(".preview-text").text_content() == full
    expect(x_card.locator(".preview-counter")).to_have_text(f"{text_length('x', full)} / 280 weighted characters")

    page.fill("#id_disclaimer", "#ad")
    expect(linkedin_card.locator(".preview-text")).to_have_text(f"Proud of the team: Berlin is open. #ad {link}")
    assert x_card.locator(".preview-text").text_content().endswith(f"\n\n#ad\n{link}")
    page.fill("#id_title", "Come to our open day")
    expect(x_card.locator(".preview-card-body strong")).to_have_text("Come to our open day")

    x_copy.fill("x" * 300)  # over X's limit: the card's counter says so
    expect(x_card.locator(".preview-counter")).to_have_class("preview-counter over")
    x_copy.fill("")  # no copy, no card
    expect(page.locator(".preview-card")).to_have_count(1)
    expect(linkedin_card).to_have_count(1)

    assert any(url.endswith("/js/post-composer.js") for url in requests)  # the page's requests were seen
    elsewhere = [url for url in requests if not url.startswith((base, "data:", "blob:"))]
    assert elsewhere == [], "the post page fetched from outside the site"
