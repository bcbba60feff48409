"""Mastodon (any instance): per-instance app registration, OAuth 2.0 with PKCE, statuses and media.

Tokens never expire. Publishing is idempotent through the Idempotency-Key header
(the server keeps keys for an hour), so a retried publish cannot post twice.
"""

import datetime as dt
import logging
import re
import time
from collections.abc import Sequence
from urllib.parse import quote, urlencode

import requests
from django.conf import settings

from campaigns.images import RenditionSpec
from campaigns.networks import Network
from infra.outbound_http import OutboundRefused, check_url

from .base import (
    POST_DELETED,
    AddressRefused,
    EngagementCounts,
    ImageUpload,
    Limits,
    LinkCard,
    Permanent,
    Provider,
    Published,
    Transient,
    count,
    register,
    retry_after_seconds,
)

logger = logging.getLogger(__name__)

SCOPES = "read write:statuses write:media"
# A host name (letters, digits, hyphens, dots) with an optional port: no scheme, path or credentials.
HOST_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$"
)
MEDIA_POLL_SECONDS = (0.5, 1, 2, 3, 5)


class InvalidInstance(Permanent):
    """What the employee typed is not a Mastodon instance we can talk to."""


def normalise_instance(value: str) -> str:
    """'https://Mastodon.Social/' -> 'mastodon.social'; raises InvalidInstance for anything but a host."""
    host = (value or "").strip().lower()
    host = re.sub(r"^https?://", "", host).rstrip("/")
    if host.startswith("@") or "@" in host:
        host = host.rsplit("@", 1)[-1]
    if not host or not HOST_RE.match(host):
        raise InvalidInstance(
            f"“{value.strip()[:80]}” is not an instance name; type just the host, e.g. mastodon.social."
        )
    return host


@register
class MastodonProvider(Provider):
    network = Network.MASTODON
    limits = Limits(
        text_network=Network.MASTODON,
        image_types=("image/jpeg", "image/png", "image/gif", "image/webp"),
        image_max_bytes=8_000_000,
        image_max_pixels=8_294_400,  # 3840×2160, what instances accept by default
        image_max_count=4,
    )
    supports_direct = True
    attaches_image = True
    idempotent_publish = True
    rendition = RenditionSpec(1280, 720, 8_000_000)
    metrics_window_seconds = 5 * 60  # 300 requests per 5 minutes per account and IP
    metrics_requests_per_window = 150
    metrics_batch_size = 1  # GET /api/v1/statuses/:id, one status per request
    metrics_requests_per_post = 1
    intent_needs_instance = True
    # Any instance: https://<host>/@<user>/<id> (a remote author as @user@their.host) or the ActivityPub
    # address https://<host>/users/<user>/statuses/<id>.
    post_url_patterns = (
        re.compile(
            r"https://(?P<host>[a-z0-9.-]+\.[a-z]{2,}(?::\d{1,5})?)/@(?P<author>[A-Za-z0-9_]{1,30}"
            r"(?:@[a-z0-9.-]+\.[a-z]{2,})?)/(?P<post_id>\d{1,20})/?",
            re.IGNORECASE,
        ),
        re.compile(
            r"https://(?P<host>[a-z0-9.-]+\.[a-z]{2,}(?::\d{1,5})?)/users/(?P<author>[A-Za-z0-9_]{1,30})"
            r"/statuses/(?P<post_id>\d{1,20})/?",
            re.IGNORECASE,
        ),
    )
    post_url_example = "https://mastodon.social/@yourname/113456789012345678"
    # Boost needs write:statuses, which every connection has; favourite needs write:favourites
    # (or all of write), which only accounts connected with it have (see engage_actions_for).
    engage_actions = ("like", "repost")
    # Posting statuses: 300 per 3 hours per account (on top of 300 API calls per 5 minutes).
    publish_window_seconds = 3 * 60 * 60
    publish_budget_per_window = 300
    # Media not attached to a status is removed by the instance's daily cleanup.
    media_reuse_window = dt.timedelta(hours=12)

    def is_configured(self) -> bool:
        return True  # each instance registers the app on first use: nothing to configure

    def clean_instance(self, value: str) -> str:
        """The instance host, normalised; InvalidInstance when it is not a host, AddressRefused
        when it is one we never contact (loopback, private, link-local, numeric forms such as
        2130706433). Checked without DNS: the request itself checks the resolved addresses."""
        host = normalise_instance(value)
        try:
            check_url(self.base_url(host), resolve=False)
        except OutboundRefused as exc:
            raise AddressRefused(exc.message) from exc
        return host

    # Instance and OAuth --------------------------------------------------------------
    def base_url(self, instance: str) -> str:
        return f"{settings.MASTODON_SCHEME}://{instance}"

    def retry_after(self, response: requests.Response) -> float | None:
        return retry_after_seconds(response.headers.get("Retry-After")) or retry_after_seconds(
            response.headers.get("X-RateLimit-Reset")
        )

    def register_app(self, *, instance: str, redirect_uri: str) -> tuple[str, str]:
        """POST /api/v1/apps: (client_id, client_secret) for this instance. Raises InvalidInstance."""
        try:
            response = self.request(
                "POST",
                f"{self.base_url(instance)}/api/v1/apps",
                data={
                    "client_name": settings.MASTODON_APP_NAME,
                    "redirect_uris": redirect_uri,
                    "scopes": SCOPES,
                    "website": settings.SITE_URL,
                },
                timeout=(5.0, 10.0),
            )
            body = self.json(response)
        except AddressRefused:
            raise
        # Fixed words only: the instance is whatever an employee typed, its answer is never shown.
        except Transient as exc:
            logger.info("Mastodon app registration on %s failed: %s", instance, exc.message)
            raise InvalidInstance(f"{instance} did not answer as a Mastodon server.") from exc
        except Permanent as exc:
            logger.info("Mastodon app registration on %s refused: %s", instance, exc.message)
            raise InvalidInstance(f"{instance} refused to register the app.") from exc
        if not isinstance(body, dict) or not body.get("client_id") or not body.get("client_secret"):
            raise InvalidInstance(f"{instance} did not answer as a Mastodon server.")
        return body["client_id"], body["client_secret"]

    def supports_pkce(self, *, instance: str) -> bool:
        """Mastodon 4.3+ publishes OAuth server metadata listing S256."""
        try:
            response = self.request(
                "GET", f"{self.base_url(instance)}/.well-known/oauth-authorization-server", timeout=(5.0, 10.0)
            )
            metadata = self.json(response)
        except (Permanent, Transient):
            return False
        return isinstance(metadata, dict) and "S256" in (metadata.get("code_challenge_methods_supported") or [])

    def authorize_url(
        self, *, instance: str, client_id: str, redirect_uri: str, state: str, code_challenge: str = ""
    ) -> str:
        params = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": SCOPES,
            "state": state,
        }
        if code_challenge:
            params |= {"code_challenge": code_challenge, "code_challenge_method": "S256"}
        return f"{self.base_url(instance)}/oauth/authorize?{urlencode(params)}"

    def exchange_code(
        self,
        *,
        instance: str,
        client_id: str,
        client_secret: str,
        code: str,
        redirect_uri: str,
        code_verifier: str = "",
    ) -> str:
        """POST /oauth/token: the access token (Mastodon tokens do not expire)."""
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": client_id,
            "client_secret": client_secret,
            "redirect_uri": redirect_uri,
            "scope": SCOPES,
        }
        if code_verifier:
            data["code_verifier"] = code_verifier
        body = self.json(self.request("POST", f"{self.base_url(instance)}/oauth/token", data=data))
        if not isinstance(body, dict) or not body.get("access_token"):
            raise Permanent(f"{instance} did not return an access token.")
        return body["access_token"]

    def verify_credentials(self, *, instance: str, token: str) -> dict:
        """GET /api/v1/accounts/verify_credentials: {'id', 'acct', 'url', ...}."""
        response = self.request(
            "GET",
            f"{self.base_url(instance)}/api/v1/accounts/verify_credentials",
            headers={"Authorization": f"Bearer {token}"},
        )
        body = self.json(response)
        if not isinstance(body, dict) or "id" not in body:
            raise Transient(f"{instance} answered verify_credentials without an account.")
        return body

    def revoke(self, *, instance: str, client_id: str, client_secret: str, token: str) -> None:
        """POST /oauth/revoke: the token stops working on the instance."""
        self.request(
            "POST",
            f"{self.base_url(instance)}/oauth/revoke",
            data={"client_id": client_id, "client_secret": client_secret, "token": token},
            timeout=(5.0, 10.0),
        )

    # Publishing ----------------------------------------------------------------------
    def upload(self, *, account, image: ImageUpload) -> str:
        return self.upload_media(instance=account.instance, token=account.access_token, image=image)

    def upload_media(self, *, instance: str, token: str, image: ImageUpload) -> str:
        """POST /api/v2/media; a 202 means still processing: poll GET /api/v1/media/:id until it has a URL."""
        headers = {"Authorization": f"Bearer {token}"}
        response = self.request(
            "POST",
            f"{self.base_url(instance)}/api/v2/media",
            headers=headers,
            files={"file": ("image", image.data, image.mime_type)},
            data={"description": image.alt[:1500]} if image.alt else None,
        )
        body = self.json(response)
        media_id = str(body["id"])
        if response.status_code == 200 and body.get("url"):
            return media_id
        for pause in MEDIA_POLL_SECONDS:
            time.sleep(pause)
            poll = self.request("GET", f"{self.base_url(instance)}/api/v1/media/{media_id}", headers=headers)
            if poll.status_code == 200 and self.json(poll).get("url"):
                return media_id
        raise Transient(f"{instance} is still processing the image; try again in a minute.")

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
        token = account.access_token
        if media_ref:
            media_ids = [media_ref]
        else:
            media_ids = [self.upload_media(instance=account.instance, token=token, image=image)] if image else []
        headers = {"Authorization": f"Bearer {token}"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        payload: dict = {"status": text, "visibility": "public"}
        if media_ids:
            payload["media_ids"] = media_ids
        response = self.send_create(
            "POST", f"{self.base_url(account.instance)}/api/v1/statuses", json=payload, headers=headers
        )
        body = self.json(response, creates=True)
        if not isinstance(body, dict) or not body.get("id"):
            raise Transient(f"{account.instance} answered without a status id.")
        return Published(external_id=str(body["id"]), url=body.get("url") or body.get("uri") or "")

    def metrics_limiter_scope(self, *, account) -> str:
        # Each instance limits on its own.
        return account.instance if account is not None else ""

    # Metrics ------------------------------------------------------------------------
    def fetch_metrics(self, *, account, external_ids: Sequence[str]) -> dict[str, EngagementCounts | None]:
        """Favourites, reblogs, replies (and quotes on 4.4+) per status id; no impressions.

        A 404 means the employee deleted the status: POST_DELETED for that id, the rest go on.
        Raises AuthExpired, RateLimited, Permanent or Transient (the caller keeps what was fetched before).
        """
        if account is None or not account.instance:
            raise Permanent("Mastodon metrics need the employee's instance.")
        result: dict[str, EngagementCounts | None] = {}
        base_url = self.base_url(account.instance)
        for status_id in external_ids:
            try:
                response = self.request(
                    "GET",
                    f"{base_url}/api/v1/statuses/{status_id}",
                    headers={"Authorization": f"Bearer {account.access_token}"},
                )
            except Permanent as exc:
                if exc.status == 404:
                    result[status_id] = POST_DELETED
                    continue
                raise
            body = self.json(response)
            if not isinstance(body, dict):
                raise Transient(f"{account.instance} answered with an unexpected body.")
            result[status_id] = EngagementCounts(
                likes=count(body, "favourites_count"),
                reposts=count(body, "reblogs_count"),
                replies=count(body, "replies_count"),
                quotes=count(body, "quotes_count"),
            )
        return result

    # Engaging with a colleague's post ------------------------------------------------
    def engage_actions_for(self, *, account) -> tuple[str, ...]:
        actions = super().engage_actions_for(account=account)
        granted = set((account.scopes or "").split()) if account is not None else set()
        if "write" in granted or "write:favourites" in granted:
            return actions
        return tuple(a for a in actions if a != "like")

    def engage(self, *, account, post_url: str, action: str, idempotency_key: str = "") -> str:
        """Favourite ("like") or boost ("repost") a status from the account's own instance.

        The status may live on another instance: /api/v2/search with resolve=true fetches it into the
        account's instance and gives its local id (without resolve a remote URL finds nothing, mastodon
        #11411; `type=statuses` is left out because with resolve it returned nothing on 2.9, #11771; search
        needs the token: statuses are never found signed out, #29924). Both calls are idempotent on Mastodon (a second
        favourite or boost of the same status answers with the first), so a retry cannot double up.
        """
        if action not in self.engage_actions:
            raise Permanent(f"Mastodon does not take “{action}”.")
        base = self.base_url(account.instance)
        headers = {"Authorization": f"Bearer {account.access_token}"}
        response = self.request(
            "GET",
            f"{base}/api/v2/search",
            params={"q": post_url, "resolve": "true"},
            headers=headers,
        )
        body = self.json(response)
        statuses = body.get("statuses") if isinstance(body, dict) else None
        if not statuses or not isinstance(statuses[0], dict) or not statuses[0].get("id"):
            raise Permanent(f"{account.instance} could not find that post; it may be private or deleted.")
        status_id = str(statuses[0]["id"])
        verb = "favourite" if action == "like" else "reblog"
        try:
            answer = self.request("POST", f"{base}/api/v1/statuses/{status_id}/{verb}", headers=headers)
        except Permanent as exc:
            if exc.status == 403:
                raise Permanent(
                    "Your Mastodon connection does not allow this; reconnect the account to grant it.", status=403
                ) from exc
            raise
        result = self.json(answer)
        if verb == "reblog" and isinstance(result, dict) and result.get("id"):
            return str(result["id"])
        return status_id

    def intent_url(self, *, text: str, link: str, instance: str = "") -> str:
        host = normalise_instance(instance)
        full = text if link in text else f"{text.strip()}\n{link}"
        return f"https://{host}/share?" + urlencode({"text": full}, quote_via=quote)
