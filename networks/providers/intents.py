"""Networks with no API for personal accounts: share-intent links only.

They are providers like the others (supports_direct False), so the list of share routes is
`providers()` and nothing else.
"""

from urllib.parse import quote, urlencode

from campaigns.images import RenditionSpec
from campaigns.networks import Network

from .base import Limits, Provider, register


@register
class FacebookProvider(Provider):
    """sharer.php takes the URL only: Facebook forbids prefilled text."""

    network = Network.FACEBOOK
    limits = Limits(text_network=Network.FACEBOOK)
    rendition = RenditionSpec(1200, 630, 8_000_000)

    def intent_url(self, *, text: str, link: str, instance: str = "") -> str:
        return "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": link})


@register
class ThreadsProvider(Provider):
    network = Network.THREADS
    limits = Limits(text_network=Network.THREADS)

    def intent_url(self, *, text: str, link: str, instance: str = "") -> str:
        return "https://www.threads.com/intent/post?" + urlencode(
            {"text": _without_link(text, link), "url": link}, quote_via=quote
        )


@register
class WhatsAppProvider(Provider):
    network = Network.WHATSAPP
    limits = Limits(text_network=Network.WHATSAPP)

    def intent_url(self, *, text: str, link: str, instance: str = "") -> str:
        return "https://wa.me/?" + urlencode({"text": _with_link(text, link)}, quote_via=quote)


@register
class EmailProvider(Provider):
    network = Network.EMAIL
    limits = Limits(text_network=Network.EMAIL)

    def intent_url(self, *, text: str, link: str, instance: str = "") -> str:
        first_line = _without_link(text, link).split("\n", 1)[0][:120]
        return "mailto:?" + urlencode({"subject": first_line, "body": _with_link(text, link)}, quote_via=quote)


def _without_link(text: str, link: str) -> str:
    """The text without the trailing short link, for intents that take the URL separately."""
    return text.replace(link, "").strip() if link else text.strip()


def _with_link(text: str, link: str) -> str:
    return text if link in text else f"{text.strip()}\n{link}"
