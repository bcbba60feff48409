"""One counting rule: the admin's live counter (static/js/variant-counter.js, in Chromium) and
campaigns.networks.text_length (the check on save, submit, approve and publish) agree on every text."""

import pytest

from campaigns.networks import TEXT_RULES, compose_share_text, short_link_placeholder, text_length
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser]

TEXTS = [
    "Plain ASCII copy with punctuation: done, dusted & shipped!",
    "Read https://example.com/a/very/long/path?utm=1&x=2#frag now, or http://short.example",
    "Two links https://a.example/1 https://b.example/2 and HTTPS://UPPER.EXAMPLE/PATH",
    "Family 👨‍👩‍👧‍👦, couple 👩‍❤️‍👨, pride 🏳️‍🌈",
    "Flags 🇩🇪🇫🇷🇯🇵 and a subdivision 🏴󠁧󠁢󠁳󠁣󠁴󠁿",
    "Skin tones 👍🏽👋🏿🧑🏻‍💻",
    "日本語のテキストと中文和한국어",
    "Combining: cafe\u0301 n\u0303 a\u030a\u0301 Z\u0351\u0352\u0353",
    "Mixed 日本 https://例え.jp/パス 🎉 é",
    "Line one\nline two\n\nline four with trailing spaces   ",
    "Quotes “curly” — em dash … ellipsis • bullet ™ ©",
    "Arabic مرحبا بالعالم and Hebrew שלום and Devanagari नमस्ते",
    "Keycaps 1️⃣#️⃣ and variation ❤️ ☺︎",
    "\u00a0non-breaking\u00a0spaces\u2009thin\u3000ideographic",
    "",
]


@pytest.fixture
def admin_page(live_server, transactional_db, chromium):
    UserFactory(email="cm@example.com", role="Content manager")
    page = chromium.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "cm@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/campaigns/suggestedpost/add/")
    return page


def test_the_live_counter_and_the_server_count_every_text_alike(admin_page):
    networks = list(TEXT_RULES)
    browser = admin_page.evaluate(
        """([texts, networks]) => {
            const t = window.AdvocacyText.load();
            return texts.map((text) => networks.map((n) => t.textLength(n, text)));
        }""",
        [TEXTS, networks],
    )
    server = [[text_length(n, text) for n in networks] for text in TEXTS]
    mismatches = [
        (text, n, server[i][j], browser[i][j])
        for i, text in enumerate(TEXTS)
        for j, n in enumerate(networks)
        if server[i][j] != browser[i][j]
    ]
    assert mismatches == []


def test_the_full_text_is_composed_alike(admin_page):
    cases = [("  Copy with spaces  ", " #employee "), ("Copy", ""), ("", "#ad"), ("日本 👍🏽", "#employee #ad")]
    browser = admin_page.evaluate(
        "(cases) => { const t = window.AdvocacyText.load();"
        " return cases.map(([c, d]) => t.compose(c, d, t.data.link)); }",
        cases,
    )
    assert browser == [compose_share_text(c, disclaimer=d, link=short_link_placeholder()) for c, d in cases]


def test_the_counter_on_the_page_shows_the_server_count_with_the_disclaimer(admin_page):
    page = admin_page
    page.fill("#id_disclaimer", "#employee")
    page.select_option("select[name='variants-0-network']", "x")
    copy = "a" * 250
    page.fill("textarea[name='variants-0-text']", copy)
    expected = text_length("x", compose_share_text(copy, disclaimer="#employee", link=short_link_placeholder()))
    counter = page.locator(".variant-counter").first
    assert counter.inner_text().startswith(f"{expected} / 280")
    assert expected > 280 and "over" in counter.get_attribute("class")
