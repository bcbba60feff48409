"""X: posts and media through the v2 API with an OAuth 2.0 user token (PKCE).

Access tokens last two hours; refresh tokens are single-use and rotate, so the
service refreshes under a row lock and always stores the new refresh token.
Every call is billed, which is why direct posting is behind X_DIRECT_POSTING.
"""

import datetime as dt
from urllib.parse import quote, urlencode

import requests
from django.conf import settings

from campaigns.networks import Network

from .base import (
    AuthExpired,
    ImageUpload,
    Limits,
    LinkCard,
    Permanent,
    Provider,
    ProviderError,
    Published,
    QuotaExhausted,
    TokenSet,
    register,
    retry_after_seconds,
)


@register
class XProvider(Provider):
    network = Network.X
    limits = Limits(
        text_network=Network.X,
        image_types=("image/jpeg", "image/png", "image/webp", "image/gif"),
        image_max_bytes=5_000_000,
        image_max_pixels=8192 * 8192,
        image_max_count=4,
    )
    supports_direct = True

    def is_configured(self) -> bool:
        if not settings.X_DIRECT_POSTING:
            return False
        if settings.X_CLIENT_ID:
            return True
        from allauth.socialaccount.models import SocialApp

        return SocialApp.objects.filter(provider="twitter_oauth2").exists()

    def client_credentials(self) -> tuple[str, str]:
        if settings.X_CLIENT_ID:
            return settings.X_CLIENT_ID, settings.X_CLIENT_SECRET
        from allauth.socialaccount.models import SocialApp

        app = SocialApp.objects.filter(provider="twitter_oauth2").first()
        if app is None:
            raise Permanent("X is not configured: add the client id and secret in admin or the environment.")
        return app.client_id, app.secret

    def retry_after(self, response: requests.Response) -> float | None:
        return retry_after_seconds(response.headers.get("x-rate-limit-reset")) or retry_after_seconds(
            response.headers.get("Retry-After")
        )

    def classify(self, response: requests.Response) -> ProviderError | None:
        error = super().classify(response)
        if response.status_code == 429:
            try:
                problem = response.json()
            except ValueError:
                problem = {}
            if isinstance(problem, dict) and str(problem.get("type", "")).endswith("/usage-capped"):
                return QuotaExhausted(
                    "X's usage cap for this app is reached; posting to X resumes when the cap resets.", status=429
                )
        return error

    def error_message(self, response: requests.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            return super().error_message(response)
        if isinstance(body, dict):
            if body.get("detail"):
                return f"X: {body['detail']}"
            errors = body.get("errors") or []
            if errors and isinstance(errors[0], dict):
                return f"X: {errors[0].get('detail') or errors[0].get('message') or errors[0]}"
        return super().error_message(response)

    def upload_media(self, *, account, image: ImageUpload) -> str:
        response = self.request(
            "POST",
            f"{settings.X_API_BASE}/2/media/upload",
            headers={"Authorization": f"Bearer {account.access_token}"},
            files={"media": ("image", image.data, image.mime_type)},
            data={"media_category": "tweet_image", "media_type": image.mime_type},
        )
        data = self.json(response).get("data") or {}
        if not data.get("id"):
            raise Permanent("X did not return a media id for the image.")
        return str(data["id"])

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
        payload: dict = {"text": text}
        if image:
            payload["media"] = {"media_ids": [self.upload_media(account=account, image=image)]}
        response = self.request(
            "POST",
            f"{settings.X_API_BASE}/2/tweets",
            json=payload,
            headers={"Authorization": f"Bearer {account.access_token}"},
            creates=True,
        )
        data = self.json(response, creates=True).get("data") or {}
        if not data.get("id"):
            from .base import OutcomeUnknown

            raise OutcomeUnknown("X accepted the post but returned no id.")
        handle = account.handle or "i/web"
        return Published(external_id=str(data["id"]), url=f"https://x.com/{handle}/status/{data['id']}")

    can_reconcile = True

    def find_published(self, *, account, link: str, since: dt.datetime) -> Published | None:
        """GET /2/users/:id/tweets since `since`; X shows links as t.co, so match on entities' expanded_url."""
        response = self.request(
            "GET",
            f"{settings.X_API_BASE}/2/users/{account.external_id}/tweets",
            params={
                "start_time": since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "tweet.fields": "entities,created_at",
                "max_results": 10,
            },
            headers={"Authorization": f"Bearer {account.access_token}"},
        )
        for tweet in self.json(response).get("data") or []:
            urls = (tweet.get("entities") or {}).get("urls") or []
            if any(u.get("expanded_url") == link or u.get("unwound_url") == link for u in urls):
                handle = account.handle or "i/web"
                return Published(external_id=str(tweet["id"]), url=f"https://x.com/{handle}/status/{tweet['id']}")
        return None

    def refresh(self, *, account) -> TokenSet | None:
        """POST /2/oauth2/token with the (single-use) refresh token. The caller must hold the row lock."""
        if not account.refresh_token:
            raise AuthExpired("X gave no refresh token; reconnect your X account.")
        client_id, secret = self.client_credentials()
        try:
            response = self.request(
                "POST",
                f"{settings.X_API_BASE}/2/oauth2/token",
                data={"grant_type": "refresh_token", "refresh_token": account.refresh_token, "client_id": client_id},
                auth=(client_id, secret) if secret else None,
            )
        except Permanent as exc:  # invalid_request / invalid_grant: the refresh token is spent or revoked
            raise AuthExpired(f"X refused to renew the sign-in ({exc.message}).", status=exc.status) from exc
        body = self.json(response)
        return TokenSet(
            access_token=body["access_token"],
            refresh_token=body.get("refresh_token"),
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=int(body.get("expires_in", 7200))),
        )

    def intent_url(self, *, text: str, link: str, instance: str = "") -> str:
        body = text.replace(link, "").strip() if link else text.strip()
        return "https://x.com/intent/tweet?" + urlencode({"text": body, "url": link}, quote_via=quote)
