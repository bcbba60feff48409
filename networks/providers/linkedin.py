"""LinkedIn: posts through the Posts API for a member who connected via OpenID Connect.

The member's URN comes from userinfo's `sub`. Tokens last 60 days and ordinary
apps get no refresh token: `refresh` returns None and the health shown on the
connected-accounts page asks the employee to reconnect before expiry.
"""

import re
from urllib.parse import quote, urlencode

import requests
from django.conf import settings

from campaigns.networks import Network

from .base import ImageUpload, Limits, LinkCard, Permanent, Provider, Published, register

# "little text" format: these characters must be escaped or LinkedIn cuts or misreads the commentary.
LITTLE_TEXT_RESERVED = re.compile(r"([\\|{}@\[\]()<>#*_~])")


def escape_little_text(text: str) -> str:
    return LITTLE_TEXT_RESERVED.sub(r"\\\1", text)


@register
class LinkedInProvider(Provider):
    network = Network.LINKEDIN
    limits = Limits(
        text_network=Network.LINKEDIN,
        image_types=("image/jpeg", "image/png", "image/gif"),
        image_max_bytes=5_000_000,
        image_max_pixels=36_152_319,
        image_max_count=1,
    )
    supports_direct = True

    def is_configured(self) -> bool:
        if settings.LINKEDIN_CLIENT_ID and settings.LINKEDIN_CLIENT_SECRET:
            return True
        from allauth.socialaccount.models import SocialApp

        return SocialApp.objects.filter(provider="openid_connect", provider_id="linkedin").exists()

    def headers(self, token: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            "LinkedIn-Version": settings.LINKEDIN_VERSION,
            "X-Restli-Protocol-Version": "2.0.0",
        }

    def error_message(self, response: requests.Response) -> str:
        message = super().error_message(response)
        return f"LinkedIn: {message}"

    def author(self, account) -> str:
        return account.external_id if account.external_id.startswith("urn:") else f"urn:li:person:{account.external_id}"

    def upload_image(self, *, account, image: ImageUpload) -> str:
        """Images API: initializeUpload, PUT the bytes, return the image URN."""
        token = account.access_token
        response = self.request(
            "POST",
            f"{settings.LINKEDIN_API_BASE}/rest/images?action=initializeUpload",
            json={"initializeUploadRequest": {"owner": self.author(account)}},
            headers=self.headers(token),
        )
        value = self.json(response).get("value") or {}
        upload_url, urn = value.get("uploadUrl"), value.get("image")
        if not upload_url or not urn:
            raise Permanent("LinkedIn did not return an upload URL for the image.")
        self.request(
            "PUT",
            upload_url,
            data=image.data,
            headers={"Authorization": f"Bearer {token}", "Content-Type": image.mime_type},
        )
        return urn

    def publish(
        self,
        *,
        account,
        text: str,
        link: str,
        image: ImageUpload | None = None,
        card: LinkCard | None = None,
        idempotency_key: str = "",
    ) -> Published:
        card = card or LinkCard(url=link)
        body: dict = {
            "author": self.author(account),
            "commentary": escape_little_text(text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        # An article carries the short link as a card with our own title and thumbnail.
        article: dict = {"source": link, "title": (card.title or link)[:400]}
        if card.description:
            article["description"] = card.description[:4086]
        thumbnail = image or card.thumbnail
        if thumbnail:
            article["thumbnail"] = self.upload_image(account=account, image=thumbnail)
            if thumbnail.alt:
                article["thumbnailAltText"] = thumbnail.alt[:4086]
        body["content"] = {"article": article}
        response = self.request(
            "POST",
            f"{settings.LINKEDIN_API_BASE}/rest/posts",
            json=body,
            headers=self.headers(account.access_token),
            creates=True,
        )
        urn = response.headers.get("x-restli-id", "")
        if not urn:
            from .base import OutcomeUnknown

            raise OutcomeUnknown("LinkedIn accepted the post but returned no id.")
        return Published(external_id=urn, url=f"https://www.linkedin.com/feed/update/{urn}/")

    def intent_url(self, *, text: str, link: str, instance: str = "") -> str:
        # share-offsite takes the URL only; the employee pastes the text themselves.
        return "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": link}, quote_via=quote)
