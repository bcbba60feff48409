"""Bluesky (AT Protocol): app-password sessions, posts with link facets and an external card.

Sign-in resolves the handle to its DID and the DID to its PDS, then opens a
session there (createSession); the refresh JWT renews it (refreshSession).
Posts are written with a record key derived from the share, so a repeated
publish cannot create a second post: the PDS refuses the duplicate key. How it
refuses differs by PDS version: today a 500 InternalServerError (atproto #3718,
indigo #873), with atproto PR #4728 an explicit `RecordAlreadyExists` error. So
after any 5xx, timeout or refusal of a createRecord the record is looked up under
its key (getRecord) before anything else: found means published.
"""

import datetime as dt
import json
import logging
import re
import secrets
from collections.abc import Sequence
from urllib.parse import quote, urlencode

import requests
from django.conf import settings

from campaigns.images import RenditionSpec
from campaigns.networks import Network
from infra.outbound_http import OutboundFailed, OutboundRefused, check_url

from .base import (
    POST_DELETED,
    AddressRefused,
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
    TokenSet,
    Transient,
    count,
    register,
    retry_after_seconds,
)

logger = logging.getLogger(__name__)

HANDLE_RE = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
# Access JWTs last about two hours; we renew ahead of that.
ACCESS_LIFETIME = dt.timedelta(hours=2)
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
# The explicit error atproto PR #4728 adds to createRecord/applyWrites for a record key in use.
RECORD_EXISTS_ERRORS = ("RecordAlreadyExists",)


WRONG_PASSWORD = (
    "Bluesky did not accept that handle and app password. Create an app password under "
    "Settings → Privacy and security → App passwords and paste it here."
)


class HandleNotFound(Permanent):
    """The handle does not resolve to an account."""


def normalise_handle(value: str) -> str:
    handle = (value or "").strip().lower().lstrip("@")
    if "." not in handle:
        handle = f"{handle}.bsky.social" if handle else handle
    if not HANDLE_RE.match(handle):
        raise HandleNotFound(f"“{value.strip()[:80]}” is not a Bluesky handle (e.g. alice.bsky.social).")
    return handle


def record_key(*, micros: int, clock_id: int) -> str:
    """A TID (timestamp identifier) record key: 13 base32-sortable chars from microseconds and a clock id."""
    value = ((micros & ((1 << 53) - 1)) << 10) | (clock_id & 0x3FF)
    chars = []
    for _ in range(13):
        chars.append(TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def link_facets(text: str, link: str) -> list[dict]:
    """A link facet for every occurrence of `link`, with UTF-8 byte offsets as the protocol requires."""
    facets = []
    encoded, needle = text.encode("utf-8"), link.encode("utf-8")
    start = encoded.find(needle)
    while link and start != -1:
        facets.append(
            {
                "index": {"byteStart": start, "byteEnd": start + len(needle)},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": link}],
            }
        )
        start = encoded.find(needle, start + len(needle))
    return facets


@register
class BlueskyProvider(Provider):
    network = Network.BLUESKY
    limits = Limits(
        text_network=Network.BLUESKY,
        image_types=("image/jpeg", "image/png", "image/webp"),
        image_max_bytes=1_000_000,
        image_max_pixels=2000 * 2000,
        image_max_count=1,  # one embed: the external card's thumbnail
    )
    supports_direct = True
    attaches_image = True
    idempotent_publish = True
    wants_link_card = True
    rendition = RenditionSpec(1200, 630, 1_000_000)  # the PDS refuses blobs over 1,000,000 bytes
    metrics_window_seconds = 5 * 60  # public AppView: 3,000 requests per 5 minutes per IP
    metrics_requests_per_window = 1500
    metrics_batch_size = 25  # app.bsky.feed.getPosts on the public AppView, up to 25 URIs, no auth
    # PDS write limit: 5,000 points per hour per account, a create costs 3 (1,666 posts an hour).
    publish_window_seconds = 60 * 60
    publish_budget_per_window = 5000
    publish_cost = 3
    # An uploaded blob that no record references is removed by the PDS after a while: reuse it briefly.
    media_reuse_window = dt.timedelta(minutes=30)
    can_reconcile = True  # getRecord under the share's record key
    # The web app's address: https://bsky.app/profile/<handle or DID>/post/<record key (a TID)>.
    post_url_patterns = (
        re.compile(
            r"https://bsky\.app/profile/(?P<author>did:(?:plc|web):[A-Za-z0-9.:%-]+|[A-Za-z0-9.-]+\.[A-Za-z]{2,})"
            r"/post/(?P<post_id>[a-z2-7]{13})/?"
        ),
    )
    post_url_example = "https://bsky.app/profile/yourname.bsky.social/post/3lbxyz2abcd2k"
    engage_actions = ("like", "repost")

    def is_configured(self) -> bool:
        return True  # app passwords need no client registration

    def new_idempotency_key(self, *, now: dt.datetime | None = None) -> str:
        # The record key: the PDS refuses a second record under the same key.
        now = now or dt.datetime.now(dt.UTC)
        return record_key(micros=int(now.timestamp() * 1_000_000), clock_id=secrets.randbelow(1024))

    def metrics_per_account(self) -> bool:
        return False  # the public AppView: one lookup may mix the posts of many employees

    def retry_after(self, response: requests.Response) -> float | None:
        return retry_after_seconds(response.headers.get("Retry-After")) or retry_after_seconds(
            response.headers.get("RateLimit-Reset")
        )

    def classify(self, response: requests.Response) -> ProviderError | None:
        error = super().classify(response)
        # XRPC says "ExpiredToken"/"InvalidToken" with 400 for stale sessions.
        if isinstance(error, Permanent) and response.status_code == 400:
            try:
                code = response.json().get("error")
            except (ValueError, AttributeError):
                code = None
            if code in ("ExpiredToken", "InvalidToken"):
                return AuthExpired(error.message, status=400)
        if isinstance(error, Permanent) and _xrpc_error(response) in RECORD_EXISTS_ERRORS:
            return Duplicate(error.message, status=response.status_code)
        return error

    # Identity ------------------------------------------------------------------------
    def resolve_handle(self, *, handle: str) -> str:
        """The DID behind a handle. Raises HandleNotFound."""
        try:
            response = self.request(
                "GET",
                f"{settings.BLUESKY_RESOLVER_URL}/xrpc/com.atproto.identity.resolveHandle",
                params={"handle": handle},
                timeout=(5.0, 10.0),
            )
            did = self.json(response).get("did")
        except Permanent as exc:
            logger.info("Bluesky handle %s does not resolve: %s", handle, exc.message)
            raise HandleNotFound(f"The Bluesky handle {handle} does not resolve.") from exc
        except (Transient, AttributeError) as exc:
            raise HandleNotFound(f"Could not look up {handle} on Bluesky right now; try again.") from exc
        if not isinstance(did, str) or not did.startswith("did:"):
            raise HandleNotFound(f"The Bluesky handle {handle} does not resolve.")
        return did

    def resolve_pds(self, *, did: str) -> str:
        """The PDS URL from the DID document (#atproto_pds service), checked as an outbound address.

        A did:web document is on a server its owner chose, and any document may name any
        endpoint: AddressRefused (the one refusal message) unless infra.outbound_http would
        fetch it, so the app password is never sent to our own network.
        """
        if did.startswith("did:plc:"):
            url = f"{settings.BLUESKY_PLC_URL}/{did}"
        elif did.startswith("did:web:"):
            url = f"https://{did.removeprefix('did:web:')}/.well-known/did.json"
        else:
            raise HandleNotFound(f"Unsupported DID method in {did}.")
        try:
            document = self.json(self.request("GET", url, timeout=(5.0, 10.0)))
        except AddressRefused:
            raise
        except (Permanent, Transient) as exc:
            logger.info("DID document of %s unreadable: %s", did, exc.message)
            raise HandleNotFound(f"Could not read the DID document of {did}.") from exc
        services = document.get("service") if isinstance(document, dict) else None
        for service in services if isinstance(services, list) else []:
            if not isinstance(service, dict) or service.get("id") not in ("#atproto_pds", f"{did}#atproto_pds"):
                continue
            endpoint = service.get("serviceEndpoint")
            if not isinstance(endpoint, str):
                break
            try:
                return check_url(endpoint).rstrip("/")
            except OutboundRefused as exc:
                raise AddressRefused(exc.message) from exc
            except OutboundFailed as exc:
                raise Transient(exc.message) from exc
        raise HandleNotFound(f"{did} names no personal data server.")

    def create_session(self, *, pds: str, identifier: str, password: str) -> dict:
        """com.atproto.server.createSession: {'did', 'handle', 'accessJwt', 'refreshJwt'}."""
        try:
            response = self.request(
                "POST",
                f"{pds}/xrpc/com.atproto.server.createSession",
                json={"identifier": identifier, "password": password},
            )
        except AuthExpired as exc:
            raise Permanent(WRONG_PASSWORD) from exc
        except AddressRefused:
            raise
        # Fixed words only: the server is whatever the DID document named, its answer is never shown.
        except Permanent as exc:
            logger.info("Bluesky createSession on %s refused: %s", pds, exc.message)
            raise Permanent(WRONG_PASSWORD) from exc
        except Transient as exc:
            logger.info("Bluesky createSession on %s failed: %s", pds, exc.message)
            raise Transient("The Bluesky server could not be reached; try again shortly.") from exc
        body = self.json(response)
        if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in ("accessJwt", "refreshJwt")):
            raise Transient("The Bluesky server answered without a session; try again shortly.")
        return body

    def refresh(self, *, account) -> TokenSet | None:
        response = self.request(
            "POST",
            f"{account.service_url}/xrpc/com.atproto.server.refreshSession",
            headers={"Authorization": f"Bearer {account.refresh_token}"},
        )
        body = self.json(response)
        return TokenSet(
            access_token=body["accessJwt"],
            refresh_token=body["refreshJwt"],
            expires_at=dt.datetime.now(dt.UTC) + ACCESS_LIFETIME,
        )

    # Publishing ----------------------------------------------------------------------
    def upload(self, *, account, image: ImageUpload) -> str:
        return json.dumps(self.upload_blob(account=account, image=image))

    def upload_blob(self, *, account, image: ImageUpload) -> dict:
        if len(image.data) > self.limits.image_max_bytes:
            raise Permanent(f"Bluesky accepts images up to 1,000,000 bytes; this one is {len(image.data):,}.")
        response = self.request(
            "POST",
            f"{account.service_url}/xrpc/com.atproto.repo.uploadBlob",
            data=image.data,
            headers={"Authorization": f"Bearer {account.access_token}", "Content-Type": image.mime_type},
        )
        return self.json(response)["blob"]

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
        record: dict = {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        facets = link_facets(text, link)
        if facets:
            record["facets"] = facets
        card = card or LinkCard(url=link)
        external: dict = {"uri": card.url, "title": card.title[:300], "description": card.description[:1000]}
        thumbnail = image or card.thumbnail
        if media_ref:
            external["thumb"] = json.loads(media_ref)
        elif thumbnail:
            external["thumb"] = self.upload_blob(account=account, image=thumbnail)
        record["embed"] = {"$type": "app.bsky.embed.external", "external": external}
        payload: dict = {"repo": account.external_id, "collection": "app.bsky.feed.post", "record": record}
        if idempotency_key:
            payload["rkey"] = idempotency_key
        try:
            response = self.send_create(
                "POST",
                f"{account.service_url}/xrpc/com.atproto.repo.createRecord",
                json=payload,
                headers={"Authorization": f"Bearer {account.access_token}"},
            )
            body = self.json(response, creates=True)
            if not isinstance(body, dict) or not isinstance(body.get("uri"), str):
                raise OutcomeUnknown("Bluesky accepted the post but returned no record URI.")
        except (OutcomeUnknown, Permanent) as exc:
            # A 5xx, a lost answer or a refusal: the record may exist under our key (a repeat of an
            # earlier attempt that did get through). Look before anything else.
            existing = self._find_after_failed_create(account=account, rkey=idempotency_key)
            if existing:
                return existing
            raise exc from None
        return self._published(account, body["uri"])

    def _find_after_failed_create(self, *, account, rkey: str) -> Published | None:
        if not rkey:
            return None
        try:
            return self.find_post(account=account, rkey=rkey)
        except ProviderError:  # cannot tell now: the caller's error stands (retried with the same key)
            return None

    def find_post(self, *, account, rkey: str) -> Published | None:
        """The post written under `rkey`, or None (com.atproto.repo.getRecord). Raises Transient,
        AuthExpired or RateLimited when the PDS cannot say."""
        try:
            response = self.request(
                "GET",
                f"{account.service_url}/xrpc/com.atproto.repo.getRecord",
                params={"repo": account.external_id, "collection": "app.bsky.feed.post", "rkey": rkey},
            )
        except Permanent:  # 400 RecordNotFound (404 on some PDS versions)
            return None
        body = self.json(response)
        if not isinstance(body, dict) or not isinstance(body.get("uri"), str):
            raise Transient("Bluesky answered getRecord without a record URI.")
        return self._published(account, body["uri"])

    def find_published(self, *, account, link: str, since: dt.datetime, idempotency_key: str = "") -> Published | None:
        """The share's post is the record under its record key (the idempotency key)."""
        if not idempotency_key:
            return None
        return self.find_post(account=account, rkey=idempotency_key)

    def _published(self, account, uri: str) -> Published:
        rkey = uri.rsplit("/", 1)[-1]
        return Published(
            external_id=uri, url=f"https://bsky.app/profile/{account.handle or account.external_id}/post/{rkey}"
        )

    # Metrics ------------------------------------------------------------------------
    def fetch_metrics(self, *, account, external_ids: Sequence[str]) -> dict[str, EngagementCounts | None]:
        """Like/repost/reply/quote counts per at:// URI (Bluesky gives no views).

        A URI the AppView leaves out of its answer no longer exists: POST_DELETED.
        """
        if len(external_ids) > self.metrics_batch_size:
            raise ValueError(f"Bluesky's getPosts takes at most {self.metrics_batch_size} URIs.")
        uris = [uri for uri in external_ids if uri.startswith("at://")]
        result: dict[str, EngagementCounts | None] = dict.fromkeys(external_ids)
        if not uris:
            return result
        response = self.request(
            "GET", f"{settings.BLUESKY_APPVIEW_URL}/xrpc/app.bsky.feed.getPosts", params=[("uris", u) for u in uris]
        )
        body = self.json(response)
        if not isinstance(body, dict) or not isinstance(body.get("posts"), list):
            raise Transient("Bluesky answered with an unexpected body.")
        seen = set()
        for post in body["posts"]:
            if not isinstance(post, dict) or post.get("uri") not in result:
                continue
            seen.add(post["uri"])
            result[post["uri"]] = EngagementCounts(
                likes=count(post, "likeCount"),
                reposts=count(post, "repostCount"),
                replies=count(post, "replyCount"),
                quotes=count(post, "quoteCount"),
            )
        for uri in uris:
            if uri not in seen:
                result[uri] = POST_DELETED
        return result

    # Engaging with a colleague's post ------------------------------------------------
    ENGAGE_COLLECTIONS = {"like": "app.bsky.feed.like", "repost": "app.bsky.feed.repost"}

    def engage(self, *, account, post_url: str, action: str, idempotency_key: str = "") -> str:
        """Like or repost: a createRecord of app.bsky.feed.like / app.bsky.feed.repost whose subject is the
        post's uri and cid (from getPosts on the AppView). Returns the like's or repost's at:// URI.

        A PDS accepts any number of likes of one post, so a repeat is stopped by the record key: the
        caller's `idempotency_key` (a TID) names the record, and after a refusal, 5xx or lost answer
        the record is looked up under it (getRecord) before anything else.
        """
        collection = self.ENGAGE_COLLECTIONS.get(action)
        ref = self.parse_post_url(post_url)
        if collection is None or ref is None:
            raise Permanent("That is not a Bluesky post address, or not something Bluesky can do.")
        did = ref.author if ref.author.startswith("did:") else self.resolve_handle(handle=ref.author)
        subject = self._post_subject(f"at://{did}/app.bsky.feed.post/{ref.post_id}")
        record = {
            "$type": collection,
            "subject": subject,
            "createdAt": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        payload: dict = {"repo": account.external_id, "collection": collection, "record": record}
        if idempotency_key:
            payload["rkey"] = idempotency_key
        try:
            response = self.send_create(
                "POST",
                f"{account.service_url}/xrpc/com.atproto.repo.createRecord",
                json=payload,
                headers={"Authorization": f"Bearer {account.access_token}"},
            )
            body = self.json(response, creates=True)
            if not isinstance(body, dict) or not isinstance(body.get("uri"), str):
                raise OutcomeUnknown("Bluesky accepted the record but returned no URI.")
        except (OutcomeUnknown, Permanent) as exc:
            existing = self._find_record(account=account, collection=collection, rkey=idempotency_key)
            if existing:
                return existing
            raise exc from None
        return body["uri"]

    def _post_subject(self, uri: str) -> dict:
        response = self.request(
            "GET", f"{settings.BLUESKY_APPVIEW_URL}/xrpc/app.bsky.feed.getPosts", params=[("uris", uri)]
        )
        body = self.json(response)
        posts = body.get("posts") if isinstance(body, dict) else None
        for post in posts if isinstance(posts, list) else []:
            if isinstance(post, dict) and post.get("uri") == uri and isinstance(post.get("cid"), str):
                return {"uri": uri, "cid": post["cid"]}
        raise Permanent("Bluesky could not find that post; it may have been deleted.")

    def _find_record(self, *, account, collection: str, rkey: str) -> str:
        if not rkey:
            return ""
        try:
            response = self.request(
                "GET",
                f"{account.service_url}/xrpc/com.atproto.repo.getRecord",
                params={"repo": account.external_id, "collection": collection, "rkey": rkey},
            )
            body = self.json(response)
        except ProviderError:
            return ""
        return body["uri"] if isinstance(body, dict) and isinstance(body.get("uri"), str) else ""

    def intent_url(self, *, text: str, link: str, instance: str = "") -> str:
        full = text if link in text else f"{text.strip()}\n{link}"
        return "https://bsky.app/intent/compose?" + urlencode({"text": full}, quote_via=quote)


def _xrpc_error(response: requests.Response) -> str:
    """The XRPC error name of a failed answer ({"error": "...", "message": "..."}), or ""."""
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error") or "") if isinstance(body, dict) else ""
