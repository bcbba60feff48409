import pytest

from campaigns.networks import over_limit_message, text_length


def test_x_counts_every_url_as_23():
    text = "Read this https://example.com/a/very/long/path/that/goes/on?and=on&on=on"
    assert text_length("x", text) == len("Read this ") + 23


def test_x_weighs_cjk_and_emoji_as_two():
    assert text_length("x", "日本") == 4
    assert text_length("x", "👍🏽") == 2
    assert text_length("x", "café") == 4


def test_mastodon_counts_graphemes_and_urls_as_23():
    assert text_length("mastodon", "👨‍👩‍👧 https://example.com/long") == 2 + 23


def test_bluesky_counts_graphemes_including_links():
    assert text_length("bluesky", "👨‍👩‍👧‍👦") == 1
    assert text_length("bluesky", "see https://ex.com") == len("see https://ex.com")


@pytest.mark.parametrize(
    "network, text, ok",
    [
        ("x", "a" * 280, True),
        ("x", "a" * 281, False),
        ("bluesky", "é" * 300, True),
        ("bluesky", "é" * 301, False),
        ("linkedin", "a" * 3000, True),
        ("linkedin", "a" * 3001, False),
        ("mastodon", "a" * 500, True),
        ("mastodon", "a" * 501, False),
        ("facebook", "a" * 10000, True),
    ],
)
def test_limits(network, text, ok):
    assert (over_limit_message(network, text) is None) is ok


def test_message_names_the_network_limit_and_overflow():
    message = over_limit_message("x", "a" * 290)
    assert message == (
        "X allows 280 weighted characters; this copy with the disclaimer and short link comes to 290 (10 too many)."
    )
