"""The HTML email in Debian's Chromium at 600 px and 375 px, light and dark: screenshots kept as artefacts."""

from pathlib import Path

import pytest
import time_machine
from django.core import mail

from digest.services.sending import digests_send_due
from tests.factories import ConnectedAccountFactory

from .conftest import at, make_person, make_posts

pytestmark = [pytest.mark.browser]
ARTEFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"


@pytest.fixture
def email_html(db):
    """Rendered before the browser starts: Django's connections must not be opened inside Playwright's loop."""
    with time_machine.travel(at(2026, 3, 4, 8, 5), tick=False):
        alice = make_person("alice@example.com")
        ConnectedAccountFactory(user=alice, network="mastodon", health="needs_reconnect", access_token="t")
        make_posts(2, is_featured=True)
        make_posts(2)
        digests_send_due()
    return mail.outbox[0].alternatives[0][0]


def test_the_email_reads_at_600_and_375_px_in_light_and_dark(email_html, chromium):
    html = email_html
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for width in (600, 375):
        for scheme in ("light", "dark"):
            page = chromium.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
            page.set_content(html)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"horizontal scroll at {width} px"
            for img in page.query_selector_all("img"):
                assert img.get_attribute("alt") and img.get_attribute("width") and img.get_attribute("height")
            page.screenshot(path=str(ARTEFACTS / f"digest-{width}-{scheme}.png"), full_page=True)
            page.close()
