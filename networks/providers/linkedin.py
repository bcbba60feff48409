"""LinkedIn: posts through the Posts API for a member who connected via OpenID Connect.

The member's URN comes from userinfo's `sub`. Tokens last 60 days and ordinary
apps get no refresh token: `refresh` returns None and the health shown on the
connected-accounts page asks the employee to reconnect before expiry.
"""

import datetime as dt
import logging
import re
from collections.abc import Sequence
from urllib.parse import quote, urlencode

import requests
from django.conf import settings

from campaigns.images import RenditionSpec
from campaigns.networks import Network

from .base import (
    POST_DELETED,
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
    Transient,
    register,
)

logger = logging.getLogger(__name__)

# The Posts API's commentary is in the "little text" format: these characters are reserved and must
# be escaped with a backslash to be plain text, or LinkedIn cuts or misreads the commentary.
LITTLE_TEXT_RESERVED = re.compile(r"([\\|{}@\[\]()<>#*_~])")
# A hashtag (#word, not inside a word) becomes the little-text HashtagTemplate {hashtag|\#|word};
# URLs stay as they are so LinkedIn still links them.
_LITTLE_TEXT_TOKENS = re.compile(r"(?P<url>https?://\S+)|(?<![\w#])#(?P<tag>\w+)")


def escape_little_text(text: str) -> str:
    """Plain text as little text: reserved characters escaped."""
    return LITTLE_TEXT_RESERVED.sub(r"\\\1", text)


def little_text(text: str) -> str:
    """The commentary for the Posts API: hashtags as real hashtags, links intact, the rest escaped."""
    out, last = [], 0
    for match in _LITTLE_TEXT_TOKENS.finditer(text):
        out.append(escape_little_text(text[last : match.start()]))
        if match.group("url"):
            out.append(match.group("url"))
        else:
            out.append("{hashtag|\\#|" + escape_little_text(match.group("tag")) + "}")
        last = match.end()
    out.append(escape_little_text(text[last:]))
    return "".join(out)


def parse_scopes(value: str) -> set[str]:
    """Scopes from a token answer: LinkedIn separates them with commas, OAuth with spaces."""
    return {scope for scope in re.split(r"[\s,]+", value or "") if scope}


# LinkedIn's 422 for a post it already has: "Content is a duplicate of urn:li:share:…".
_DUPLICATE_URN = re.compile(r"urn:li:(?:share|ugcPost):\d+")


# Tokens last 60 days when LinkedIn does not say.
TOKEN_LIFETIME = dt.timedelta(days=60)
METRICS_SCOPE = "r_member_postAnalytics"
# memberCreatorPostAnalytics, one total per metric type and post:
# GET /rest/memberCreatorPostAnalytics?q=entity&entity=(share:<urn>)&queryType=REACTION&aggregation=TOTAL
METRIC_QUERY_TYPES = {"likes": "REACTION", "replies": "COMMENT", "reposts": "RESHARE", "impressions": "IMPRESSION"}


def _entity(urn: str) -> str:
    kind = "ugc" if urn.startswith("urn:li:ugcPost:") else "share"
    return f"({kind}:{quote(urn, safe='')})"


def _linkedin_name(extra: dict) -> str:
    """allauth's OpenID Connect extra_data is {'userinfo': {...}, 'id_token': {...}}."""
    for claims in (extra.get("userinfo"), extra.get("id_token"), extra):
        if isinstance(claims, dict) and (claims.get("name") or claims.get("email")):
            return str(claims.get("name") or claims.get("email"))
    return ""


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
    attaches_image = True
    allauth_provider = "linkedin"  # an openid_connect app with provider_id "linkedin"
    wants_link_card = True
    rendition = RenditionSpec(1200, 627, 5_000_000)
    metrics_window_seconds = 60 * 60  # LinkedIn publishes no limit: stay far below anything plausible
    metrics_requests_per_window = 100
    metrics_batch_size = 1
    # A post's page: /posts/<author>_<words>-activity-<id>-<code> (the share menu's link) or the feed's
    # /feed/update/urn:li:activity:<id> (also share and ugcPost URNs). LinkedIn's API cannot like or
    # reshare for a member without partner access, so colleagues get the link.
    post_url_patterns = (
        re.compile(
            r"https://(?:www\.)?linkedin\.com/posts/(?P<author>[A-Za-z0-9-]{3,100})_[^/]*?"
            r"-(?:activity|share|ugcPost)-(?P<post_id>\d{15,20})-[A-Za-z0-9_-]{2,8}/?"
        ),
        re.compile(
            r"https://(?:www\.)?linkedin\.com/feed/update/urn:li:(?P<author>activity|share|ugcPost)"
            r":(?P<post_id>\d{15,20})/?"
        ),
    )
    post_url_example = "https://www.linkedin.com/posts/yourname_topic-activity-7265012345678901234-AbCd"
    metrics_requests_per_post = len(METRIC_QUERY_TYPES)  # one analytics request per metric
    served_by_generic_copy = False
    # Members may post about 150 times a day; stay well below.
    publish_window_seconds = 24 * 60 * 60
    publish_budget_per_window = 100
    # An unknown outcome is settled by sending the same commentary again: 201 (it was not there,
    # now it is) or 422 DUPLICATE_POST naming the post that exists.
    reconcile_by_resending = True

    def is_configured(self) -> bool:
        if settings.LINKEDIN_CLIENT_ID and settings.LINKEDIN_CLIENT_SECRET:
            return True
        from allauth.socialaccount.models import SocialApp

        return SocialApp.objects.filter(provider="openid_connect", provider_id=self.allauth_provider).exists()

    def account_fields_from_allauth(self, *, social, token) -> dict:
        return {
            "external_id": f"urn:li:person:{social.uid}",
            "handle": _linkedin_name(social.extra_data or {}) or social.uid,
            "access_token": token.token,
            "refresh_token": token.token_secret or "",
            "token_expires_at": token.expires_at or dt.datetime.now(dt.UTC) + TOKEN_LIFETIME,
            "refreshable": False,
            "scopes": " ".join(sorted(self.granted_scopes(token=token))),
        }

    def granted_scopes(self, *, token) -> set[str]:
        """The scopes the member granted this token.

        allauth keeps no part of the token answer but the token itself, so LinkedIn is asked
        (Token Introspection, POST /oauth/v2/introspectToken), which lists them as the token
        answer does: comma-separated. Empty when LinkedIn cannot say now (the account then has
        no post analytics until it is connected again).
        """
        app = getattr(token, "app", None)
        if settings.LINKEDIN_CLIENT_ID or app is None:
            client_id, secret = settings.LINKEDIN_CLIENT_ID, settings.LINKEDIN_CLIENT_SECRET
        else:
            client_id, secret = app.client_id, app.secret
        try:
            response = self.request(
                "POST",
                f"{settings.LINKEDIN_OAUTH_SERVER}/v2/introspectToken",
                data={"client_id": client_id, "client_secret": secret, "token": token.token},
                timeout=(5.0, 10.0),
            )
            body = self.json(response)
        except ProviderError as exc:
            logger.warning("LinkedIn token introspection failed: %s", exc.message)
            return set()
        if not isinstance(body, dict) or not body.get("active"):
            return set()
        return parse_scopes(str(body.get("scope") or ""))

    def allauth_uid(self, *, account) -> str:
        return account.external_id.removeprefix("urn:li:person:")

    def headers(self, token: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            "LinkedIn-Version": settings.LINKEDIN_VERSION,
            "X-Restli-Protocol-Version": "2.0.0",
        }

    def error_message(self, response: requests.Response) -> str:
        message = super().error_message(response)
        detail = _input_error(response)
        if detail and detail.get("description") and detail["description"] not in message:
            message = f"{message} ({detail['description']})"
        return f"LinkedIn: {message}"

    def classify(self, response: requests.Response) -> ProviderError | None:
        error = super().classify(response)
        if response.status_code == 422 and isinstance(error, Permanent):
            detail = _input_error(response) or {}
            code = _body(response).get("code") or detail.get("code")
            if code == "DUPLICATE_POST":
                match = _DUPLICATE_URN.search(f"{error.message} {detail.get('description', '')}")
                existing = Published(external_id=match.group(0), url=post_url(match.group(0))) if match else None
                return Duplicate(error.message, status=422, existing=existing)
        return error

    def author(self, account) -> str:
        return account.external_id if account.external_id.startswith("urn:") else f"urn:li:person:{account.external_id}"

    def upload(self, *, account, image: ImageUpload) -> str:
        return self.upload_image(account=account, image=image)

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
        media_ref: str = "",
    ) -> Published:
        card = card or LinkCard(url=link)
        body: dict = {
            "author": self.author(account),
            "commentary": little_text(text),
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
        if media_ref:
            article["thumbnail"] = media_ref
        elif thumbnail:
            article["thumbnail"] = self.upload_image(account=account, image=thumbnail)
        if thumbnail and thumbnail.alt and "thumbnail" in article:
            article["thumbnailAltText"] = thumbnail.alt[:4086]
        body["content"] = {"article": article}
        response = self.send_create(
            "POST",
            f"{settings.LINKEDIN_API_BASE}/rest/posts",
            json=body,
            headers=self.headers(account.access_token),
        )
        urn = response.headers.get("x-restli-id", "")
        if not urn:
            raise OutcomeUnknown("LinkedIn accepted the post but returned no id.")
        return Published(external_id=urn, url=post_url(urn))

    def metrics_available(self, account) -> bool:
        """Only with the approved r_member_postAnalytics scope; otherwise LinkedIn's numbers are unavailable."""
        return bool(
            settings.LINKEDIN_POST_ANALYTICS and account is not None and METRICS_SCOPE in parse_scopes(account.scopes)
        )

    def metrics_cost(self, *, account, posts: int) -> int:
        if not self.metrics_available(account):
            return 0  # answered "unavailable" without asking LinkedIn
        return super().metrics_cost(account=account, posts=posts)

    # Metrics ------------------------------------------------------------------------
    def fetch_metrics(self, *, account, external_ids: Sequence[str]) -> dict[str, EngagementCounts | None]:
        """Reactions, comments, reshares and impressions per post URN; None for all when not available."""
        if not self.metrics_available(account):
            return dict.fromkeys(external_ids)
        headers = {
            "Authorization": f"Bearer {account.access_token}",
            "LinkedIn-Version": settings.LINKEDIN_VERSION,
            "X-Restli-Protocol-Version": "2.0.0",
        }
        result: dict[str, EngagementCounts | None] = {}
        for urn in external_ids:
            values: dict[str, int | None] = {}
            try:
                for field, query_type in METRIC_QUERY_TYPES.items():
                    url = (
                        f"{settings.LINKEDIN_API_BASE}/rest/memberCreatorPostAnalytics?q=entity&entity={_entity(urn)}"
                        f"&queryType={query_type}&aggregation=TOTAL"
                    )
                    body = self.json(self.request("GET", url, headers=headers))
                    elements = body.get("elements") if isinstance(body, dict) else None
                    if not isinstance(elements, list):
                        raise Transient("LinkedIn answered with an unexpected body.")
                    total = sum(
                        e.get("count", 0) for e in elements if isinstance(e, dict) and isinstance(e.get("count"), int)
                    )
                    values[field] = total
            except Permanent as exc:
                if exc.status == 404:
                    result[urn] = POST_DELETED
                    continue
                raise
            result[urn] = EngagementCounts(
                likes=values.get("likes"),
                reposts=values.get("reposts"),
                replies=values.get("replies"),
                quotes=values.get("quotes"),
                impressions=values.get("impressions"),
            )
        return result

    def intent_url(self, *, text: str, link: str, instance: str = "") -> str:
        # share-offsite takes the URL only; the employee pastes the text themselves.
        return "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": link}, quote_via=quote)


def post_url(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}/"


def _body(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _input_error(response: requests.Response) -> dict | None:
    """The first of errorDetails.inputErrors in a Rest.li error answer, if any."""
    details = _body(response).get("errorDetails")
    errors = details.get("inputErrors") if isinstance(details, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return errors[0]
    return None
