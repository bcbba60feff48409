"""The advocate's minute on a phone (375 px, Debian's Chromium): copy the words and open the dialog in one tap,
the phone's share sheet, the installable app that keeps Today offline, filters in the URL, and the count of
taps from Today to each network's compose box. Screenshots and the tap table go to var/test-artifacts/."""

import time
from pathlib import Path
from urllib.parse import unquote

import pytest
from playwright.sync_api import expect

from networks.models import Share
from networks.providers import get_provider
from shortlinks.models import ShortLink
from tests.conftest import CHROMIUM, PHONE
from tests.factories import PASSWORD, CampaignFactory, ConnectedAccountFactory, SuggestedPostFactory, UserFactory

pytestmark = [pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
EVERY_COPY = {
    "linkedin": "Proud of the team: our new release is out.",
    "x": "Our new release is out!",
    "mastodon": "Our release is out, toot toot.",
    "bluesky": "New release, fresh from the oven.",
    "generic": "Our new release is out.",
}


def phone(chromium, *, clipboard: bool = False):
    """A phone-sized context. The dialogs live on other sites, which a test cannot reach: their tabs show an
    error page, and where the browser was sent is read from our redirect (`dialog_locations`)."""
    return chromium.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        bypass_csp=True,  # axe-core is injected inline
        permissions=["clipboard-read", "clipboard-write"] if clipboard else [],
    )


def log_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/today/")


def dialog_locations(context) -> list[str]:
    """Where each share-dialog POST sent the browser (mailto: included, which no tab can show)."""
    found: list[str] = []
    context.on(
        "response",
        lambda r: "/dialog/" in r.url and r.request.method == "POST" and found.append(r.headers.get("location", "")),
    )
    return found


def wait_for(predicate, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_copy_text_and_open_linkedin_copies_the_words_with_the_link_and_opens_the_dialog(
    live_server, transactional_db, chromium, axe
):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    employee = UserFactory(email="erin@example.com")
    post = SuggestedPostFactory(title="Our spring release", disclaimer="I work here.")
    context = phone(chromium, clipboard=True)
    locations = dialog_locations(context)
    page = context.new_page()
    log_in(page, live_server, employee.email)
    card = page.locator(f"#post-{post.pk}")
    page.screenshot(path=str(ARTIFACTS / "today-share-375.png"))
    card.screenshot(path=str(ARTIFACTS / "today-card-share-choices-375.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    button = card.get_by_role("button", name="Copy text and open LinkedIn")
    with context.expect_page() as popup:
        button.click()
    link = ShortLink.objects.get(user=employee, post=post, network="linkedin")
    dialog = wait_for(lambda: locations and locations[-1])
    assert dialog.startswith("https://www.linkedin.com/sharing/share-offsite/?url=")
    assert link.short_url in unquote(dialog)
    popup.value.close()
    share = Share.objects.get(user=employee, post=post, network="linkedin")
    assert share.status == Share.Status.OPENED
    page.bring_to_front()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == share.text == f"Proud of the team: our new release is out.\n\nI work here.\n{link.short_url}"
    assert card.get_by_text("Text copied — paste it in LinkedIn").is_visible()
    card.locator("details[open]").screenshot(path=str(ARTIFACTS / "today-card-after-copy-375.png"))

    # "Copy text" alone copies the same words and opens nothing.
    page.evaluate("navigator.clipboard.writeText('')")
    card.locator("details[open]").get_by_role("button", name="Copy text", exact=True).click()
    assert wait_for(lambda: page.evaluate("navigator.clipboard.readText()")) == share.text
    assert Share.objects.count() == 1
    assert axe(page) == []


def test_share_button_hands_the_words_and_a_sheet_link_to_the_phone_and_records_a_sheet_share(
    live_server, transactional_db, chromium
):
    employee = UserFactory(email="erin@example.com")
    post = SuggestedPostFactory(title="Our spring release")
    context = phone(chromium)
    page = context.new_page()
    log_in(page, live_server, employee.email)
    # Desktop Chromium on Linux has no Web Share API: the button stays hidden.
    assert page.evaluate("typeof navigator.share") == "undefined"
    assert page.locator(f"#post-{post.pk} button[data-share-sheet]").first.is_hidden()

    context.add_init_script(
        "navigator.share = async (data) => { window.sharedWith = data; }; navigator.canShare = () => true;"
    )
    page.reload()
    page.locator(f"#post-{post.pk} details[open]").get_by_role("button", name="Share…").click()
    shared = wait_for(lambda: page.evaluate("window.sharedWith"))
    sheet = ShortLink.objects.get(user=employee, post=post, network="sheet")
    assert shared == {"text": "Proud of the team: our new release is out.", "url": sheet.short_url}
    recorded = wait_for(lambda: Share.objects.filter(user=employee, route=Share.Route.SHEET).first())
    assert recorded.network == "sheet" and recorded.short_link == sheet and sheet.short_url in recorded.text
    assert recorded.status == Share.Status.OPENED


def test_the_app_is_installable_and_today_reads_offline_from_the_service_worker(
    live_server, transactional_db, chromium, tmp_path
):
    employee = UserFactory(email="erin@example.com")
    post = SuggestedPostFactory(title="Readable on the train")
    # A profile on disk: Chromium never offers to install from an incognito-like context.
    context = chromium.browser_type.launch_persistent_context(
        tmp_path / "profile",
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.pages[0] if context.pages else context.new_page()
    log_in(page, live_server, employee.email)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    wait_for(lambda: page.evaluate("caches.open('advocacy-pages-v1').then(c => c.keys()).then(k => k.length)"))

    cdp = context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest") and manifest["errors"] == []
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []

    context.set_offline(True)
    response = page.reload()
    assert response.from_service_worker
    assert page.get_by_role("heading", name=post.title).is_visible()
    page.get_by_text("You are offline").wait_for(timeout=5000)
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(246, 247, 251)"  # CSS too
    context.set_offline(False)
    page.reload()
    assert page.get_by_text("You are offline").count() == 0
    context.close()


def test_filters_are_kept_in_the_url_and_survive_a_reload(live_server, transactional_db, chromium, axe):
    employee = UserFactory(email="erin@example.com")
    spring, autumn = CampaignFactory(name="Spring"), CampaignFactory(name="Autumn")
    SuggestedPostFactory(campaign=spring, title="Spring one")
    shared = SuggestedPostFactory(campaign=spring, title="Spring two")
    SuggestedPostFactory(campaign=autumn, title="Autumn one")
    Share.objects.create(
        user=employee,
        post=shared,
        network="x",
        route=Share.Route.INTENT,
        status=Share.Status.OPENED,
        text="t",
        short_link=ShortLink.objects.create(user=employee, post=shared, network="x", target_url="https://e.com/"),
    )
    context = phone(chromium)
    page = context.new_page()
    log_in(page, live_server, employee.email)
    titles = page.locator("article.card h2")
    assert titles.all_inner_texts()[-1] == "Spring two"  # already shared: last
    assert page.locator("article.card.shared .shared-mark").inner_text().startswith("Shared on X ")

    page.get_by_text("Filter posts").click()
    page.get_by_label("Campaign").select_option(label="Spring")
    page.get_by_label("Not yet shared by me").check()
    page.get_by_role("button", name="Show posts").click()
    page.wait_for_url(f"**/today/?campaign={spring.pk}*not_shared=on*")
    assert titles.all_inner_texts() == ["Spring one"]
    page.reload()
    assert titles.all_inner_texts() == ["Spring one"]
    assert page.get_by_label("Campaign").input_value() == str(spring.pk)
    assert page.get_by_label("Not yet shared by me").is_checked()
    page.screenshot(path=str(ARTIFACTS / "today-filtered-375.png"))
    assert axe(page) == []

    page.goto(f"{live_server.url}/today/?campaign=nope&network=myspace")
    assert page.get_by_role("alert").inner_text().count("showing every") == 2
    assert titles.count() == 3


def test_share_page_of_a_network_not_set_up_here_offers_the_dialog(
    live_server, transactional_db, chromium, axe, settings
):
    settings.LINKEDIN_CLIENT_ID = ""
    employee = UserFactory(email="erin@example.com")
    post = SuggestedPostFactory(title="Our spring release")
    context = phone(chromium, clipboard=True)
    page = context.new_page()
    log_in(page, live_server, employee.email)
    page.locator(f"#post-{post.pk}").get_by_role("link", name="LinkedIn share page").click()
    expect(page.get_by_text("Your organisation has not set up posting to LinkedIn from here")).to_be_visible()
    assert page.get_by_role("link", name="connect your LinkedIn account").count() == 0
    assert page.get_by_role("button", name="Copy text and open LinkedIn").is_visible()
    assert page.get_by_text("Attach the post's image").count() == 0
    page.screenshot(path=str(ARTIFACTS / "share-page-not-set-up-375.png"), full_page=True)
    assert axe(page) == []


def test_every_network_is_at_most_two_taps_from_today(live_server, transactional_db, chromium, capsys):
    """From opening Today to the network's compose box with the words in place. A tap on our page counts
    one; opening a closed copy counts one; a dialog that takes no text costs one more tap (paste)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    employee = UserFactory(email="erin@example.com")
    ConnectedAccountFactory(user=employee, network="mastodon", instance="mastodon.example")
    post = SuggestedPostFactory(title="Every network", variants=EVERY_COPY)
    context = phone(chromium, clipboard=True)
    locations = dialog_locations(context)
    page = context.new_page()
    log_in(page, live_server, employee.email)
    card = page.locator(f"#post-{post.pk}")
    networks = ["linkedin", "x", "mastodon", "bluesky", "facebook", "threads", "whatsapp", "email"]
    taps: dict[str, int] = {}
    for network in networks:
        page.goto(f"{live_server.url}/today/")
        count = 0
        button = card.locator(f"button[data-copy-text][data-network={network}]:visible").first
        if not button.count():
            card.locator(f"details:has(button[data-network={network}]) > summary").click()
            count += 1
        before = len(locations)
        with context.expect_page() as opened:
            button.click()
        count += 1
        share = wait_for(lambda: Share.objects.filter(user=employee, network=network).first())
        if network == "email":  # the browser hands mailto: to the mail app and reports no response for it
            location = get_provider("email").intent_url(text=share.text, link=share.short_link.short_url)
        else:
            location = wait_for(lambda: len(locations) > before and locations[-1])
        words = share.text.split("\n")[0]
        if words not in unquote(location):  # a URL-only dialog: the person pastes what was copied
            page.bring_to_front()
            assert page.evaluate("navigator.clipboard.readText()") == share.text
            count += 1
        opened.value.close()
        taps[network] = count
    table = "network   taps\n" + "\n".join(f"{n:<9} {t}" for n, t in taps.items())
    (ARTIFACTS / "tap-counts.txt").write_text(table + "\n")
    with capsys.disabled():
        print("\n" + table)
    assert max(taps.values()) <= 2, taps
