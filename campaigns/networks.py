"""The networks the platform knows, and how each one counts the length of a post.

Rules follow each network's own counting (late 2026):
- X: 280 weighted characters; every URL counts as 23; code points outside the
  Latin/punctuation ranges (CJK, emoji) weigh 2 (twitter-text v3 configuration).
- Mastodon: 500 characters counted as grapheme clusters, every URL counted as 23.
- Bluesky: 300 grapheme clusters; links are text, so they count in full.
- LinkedIn: 3,000 characters.
- Threads: 500 characters.
"""

from dataclasses import dataclass

import regex
from django.conf import settings
from django.db import models


class Network(models.TextChoices):
    LINKEDIN = "linkedin", "LinkedIn"
    X = "x", "X"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    FACEBOOK = "facebook", "Facebook"
    THREADS = "threads", "Threads"
    WHATSAPP = "whatsapp", "WhatsApp"
    EMAIL = "email", "Email"
    GENERIC = "generic", "Generic"
    # Not a network: the phone's own share sheet (Web Share API). Its short links count the clicks of
    # whatever app the employee picked there, which we cannot know.
    SHEET = "sheet", "Share sheet"


# Networks a post can carry its own copy for (the generic copy serves the rest).
VARIANT_NETWORKS = (
    Network.LINKEDIN,
    Network.X,
    Network.MASTODON,
    Network.BLUESKY,
    Network.FACEBOOK,
    Network.GENERIC,
)
VARIANT_NETWORK_CHOICES = [(n.value, n.label) for n in VARIANT_NETWORKS]

# One pattern, compiled here and (from editor_rules()) by static/js/variant-counter.js: the whitespace is
# spelled out because Python's \s and JavaScript's \s disagree at the edges (U+FEFF, U+180E).
URL_PATTERN = r"https?://[^\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+"
URL_RE = regex.compile(URL_PATTERN, regex.IGNORECASE)
GRAPHEME_RE = regex.compile(r"\X")


@dataclass(frozen=True)
class TextRule:
    limit: int | None
    unit: str  # what the limit counts, in words for the editor
    url_weight: int | None = None  # every URL counts as this many (None: counted as written)
    weighted: bool = False  # X's weighting of non-Latin code points


TEXT_RULES: dict[str, TextRule] = {
    Network.X: TextRule(280, "weighted characters", url_weight=23, weighted=True),
    Network.MASTODON: TextRule(500, "characters", url_weight=23),
    Network.BLUESKY: TextRule(300, "graphemes"),
    Network.LINKEDIN: TextRule(3000, "characters"),
    Network.THREADS: TextRule(500, "characters"),
    Network.FACEBOOK: TextRule(None, "characters"),  # sharer.php takes no text: copy is for the employee to paste
    Network.GENERIC: TextRule(5000, "characters"),
    Network.WHATSAPP: TextRule(4096, "characters"),
    Network.EMAIL: TextRule(None, "characters"),
}

# twitter-text v3: these code point ranges weigh 1, everything else 2.
_X_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def _x_weight(grapheme: str) -> int:
    if len(grapheme) > 1 and not grapheme.isascii():
        return 2  # emoji sequences and combined clusters count as one heavy character
    cp = ord(grapheme[0])
    return 1 if any(lo <= cp <= hi for lo, hi in _X_LIGHT_RANGES) else 2


def text_length(network: str, text: str) -> int:
    """Length of `text` as `network` counts it."""
    rule = TEXT_RULES.get(network, TEXT_RULES[Network.GENERIC])
    url_units = 0
    if rule.url_weight is not None:
        urls = URL_RE.findall(text)
        url_units = rule.url_weight * len(urls)
        text = URL_RE.sub("", text)
    graphemes = GRAPHEME_RE.findall(text)
    if rule.weighted:
        return url_units + sum(_x_weight(g) for g in graphemes)
    return url_units + len(graphemes)


def editor_rules() -> dict:
    """The counting rule as data, for the admin's live counter (static/js/variant-counter.js).

    The script implements text_length() step by step on this table; tests/campaigns/test_counting_parity.py
    runs it in Chromium and compares it with text_length() on the same texts.
    """
    return {
        "networks": {
            network: {
                "label": Network(network).label,
                "limit": rule.limit,
                "unit": rule.unit,
                "url_weight": rule.url_weight,
                "weighted": rule.weighted,
            }
            for network, rule in TEXT_RULES.items()
        },
        "url_pattern": URL_PATTERN,
        "light_ranges": [list(r) for r in _X_LIGHT_RANGES],
        "link": short_link_placeholder(),
    }


def short_link_placeholder() -> str:
    """A stand-in of the same length as the short link shares will carry."""
    return f"{settings.SHORTLINK_BASE_URL}/s/XXXXXXXXXX"


def compose_share_text(text: str, *, disclaimer: str = "", hashtags: str = "", link: str = "") -> str:
    """The text as it goes out: copy, hashtags, the locked disclaimer and the short link."""
    parts = [text.strip()]
    if hashtags and not all(tag in text for tag in hashtags.split()):
        parts.append(hashtags)
    if disclaimer:
        parts.append(disclaimer.strip())
    body = "\n\n".join(p for p in parts if p)
    return f"{body}\n{link}" if link else body


def over_limit_message(network: str, text: str) -> str | None:
    """A clear message when the full share text is too long for the network, else None."""
    rule = TEXT_RULES.get(network, TEXT_RULES[Network.GENERIC])
    if rule.limit is None:
        return None
    length = text_length(network, text)
    if length <= rule.limit:
        return None
    label = Network(network).label
    return (
        f"{label} allows {rule.limit:,} {rule.unit}; this copy with the disclaimer and short link "
        f"comes to {length:,} ({length - rule.limit:,} too many)."
    )
