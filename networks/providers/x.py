"""X: posts and media through the v2 API with an OAuth 2.0 user token (PKCE).

Access tokens last two hours; refresh tokens are single-use and rotate, so the
service refreshes under a row lock and always stores the new refresh token.
Every call is billed, which is why direct posting is behind X_DIRECT_POSTING.
"""

import datetime as dt
import re
from collections.abc import Sequence
from urllib.parse import quote, urlencode

import requests
from django.conf import settings

from campaigns.images import RenditionSpec
from campaigns.networks import Network

from .base import (
    POST_DELETED,
    AuthExpired,
    Duplicate,
    EngagementCounts,
    ImageUpload,
    Limits,
    LinkCard,
    OutcomeUnknown,
    Permanent,
    Provider,
    ProviderError,
    Published,
    QuotaExhausted,
    TokenSet,
    Transient,
    count,
    register,
    retry_after_seconds,
)

ACCESS_LIFETIME = dt.timedelta(hours=2)


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
    attaches_image = True
    allauth_provider = "twitter_oauth2"
    rendition = RenditionSpec(1600, 900, 5_000_000)
    metrics_window_seconds = 15 * 60  # app-auth tweet lookup: 450 requests per 15 minutes
    metrics_requests_per_window = 300
    metrics_batch_size = 100  # GET /2/tweets?ids=… takes up to 100 ids
    # x.com or the old twitter.com (www. and mobile. too); handles are 1 to 15 letters, digits or _.
    # Likes and reposts for a member need paid API access: colleagues get the link.
    post_url_patterns = (
        re.compile(
            r"https://(?:www\.|mobile\.)?(?:x|twitter)\.com/(?P<author>[A-Za-z0-9_]{1,15})/status/(?P<post_id>\d{1,20})/?"
        ),
    )
    post_url_example = "https://x.com/yourname/status/1861234567890123456"
    served_by_generic_copy = False
    # POST /2/tweets: 100 requests per 15 minutes per user (and 10,000 per 24 hours per app).
    publish_window_seconds = 15 * 60
    publish_budget_per_window = 100
    # Uploaded media expire after expires_after_secs (86,400): reuse well inside that.
    media_reuse_window = dt.timedelta(hours=20)
    # Access tokens live two hours: renew right before use (or after a 401), never in the daily pass.
    refresh_in_daily_pass = False

    def refresh_ahead(self) -> dt.timedelta:
        return ACCESS_LIFETIME / 24  # five minutes of the token's two hours

    def is_configured(self) -> bool:
        # Every call is billed: direct posting only when an admin switched it on.
        if not settings.X_DIRECT_POSTING:
            return False
        if settings.X_CLIENT_ID:
            return True
        from allauth.socialaccount.models import SocialApp

        return SocialApp.objects.filter(provider=self.allauth_provider).exists()

    def account_fields_from_allauth(self, *, social, token) -> dict:
        extra = social.extra_data or {}
        data = extra.get("data", extra)
        return {
            "external_id": social.uid,
            "handle": data.get("username", "") if isinstance(data, dict) else "",
            "access_token": token.token,
            "refresh_token": token.token_secret or "",
            "token_expires_at": token.expires_at,
            "refreshable": bool(token.token_secret),
        }

    def client_credentials(self) -> tuple[str, str]:
        if settings.X_CLIENT_ID:
            return settings.X_CLIENT_ID, settings.X_CLIENT_SECRET
        from allauth.socialaccount.models import SocialApp

        app = SocialApp.objects.filter(provider=self.allauth_provider).first()
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
        if response.status_code == 403 and error is not None and "duplicate content" in error.message.lower():
            # X names no tweet: the caller finds it with find_published when the duplicate is ours.
            return Duplicate(error.message, status=403)
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

    def upload(self, *, account, image: ImageUpload) -> str:
        return self.upload_media(account=account, image=image)

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
        media_ref: str = "",
    ) -> Published:
        payload: dict = {"text": text}
        if media_ref or image:
            media_id = media_ref or self.upload_media(account=account, image=image)  # type: ignore[arg-type]
            payload["media"] = {"media_ids": [media_id]}
        response = self.send_create(
            "POST",
            f"{settings.X_API_BASE}/2/tweets",
            json=payload,
            headers={"Authorization": f"Bearer {account.access_token}"},
        )
        body = self.json(response, creates=True)
        data = (body.get("data") if isinstance(body, dict) else None) or {}
        if not data.get("id"):
            raise OutcomeUnknown("X accepted the post but returned no id.")
        handle = account.handle or "i/web"
        return Published(external_id=str(data["id"]), url=f"https://x.com/{handle}/status/{data['id']}")

    can_reconcile = True

    def find_published(self, *, account, link: str, since: dt.datetime, idempotency_key: str = "") -> Published | None:
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

    def metrics_per_account(self) -> bool:
        # With the app's bearer token one lookup may mix the posts of many employees.
        return not settings.X_BEARER_TOKEN

    # Metrics ------------------------------------------------------------------------
    def fetch_metrics(self, *, account, external_ids: Sequence[str]) -> dict[str, EngagementCounts | None]:
        """Public metrics per tweet id; POST_DELETED for ids X reports as not found.

        Uses the app's bearer token (X_BEARER_TOKEN) or else the employee's token. Raises AuthExpired,
        RateLimited, QuotaExhausted, Permanent or Transient for the whole batch.
        """
        if len(external_ids) > self.metrics_batch_size:
            raise ValueError(f"X looks up at most {self.metrics_batch_size} posts at a time.")
        token = settings.X_BEARER_TOKEN or (account.access_token if account is not None else "")
        if not token:
            raise Permanent("X metrics need X_BEARER_TOKEN or a connected account.")
        response = self.request(
            "GET",
            f"{settings.X_API_BASE}/2/tweets",
            params={"ids": ",".join(external_ids), "tweet.fields": "public_metrics"},
            headers={"Authorization": f"Bearer {token}"},
        )
        body = self.json(response)
        if not isinstance(body, dict) or not isinstance(body.get("data", []), list):
            raise Transient("X answered with an unexpected body.")
        result: dict[str, EngagementCounts | None] = dict.fromkeys(external_ids)
        for tweet in body.get("data", []):
            if not isinstance(tweet, dict) or str(tweet.get("id")) not in result:
                continue
            metrics = tweet.get("public_metrics")
            if not isinstance(metrics, dict):
                continue
            result[str(tweet["id"])] = EngagementCounts(
                likes=count(metrics, "like_count"),
                reposts=count(metrics, "retweet_count"),
                replies=count(metrics, "reply_count"),
                quotes=count(metrics, "quote_count"),
                impressions=count(metrics, "impression_count"),
                bookmarks=count(metrics, "bookmark_count"),
            )
        for error in body.get("errors", []) or []:
            if not isinstance(error, dict):
                continue
            value = str(error.get("value") or error.get("resource_id") or "")
            if value in result and str(error.get("type", "")).endswith("/resource-not-found"):
                result[value] = POST_DELETED
        return result

    def intent_url(self, *, text: str, link: str, instance: str = "") -> str:
        body = text.replace(link, "").strip() if link else text.strip()
        return "https://x.com/intent/tweet?" + urlencode({"text": body, "url": link}, quote_via=quote)
