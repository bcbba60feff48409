"""Writes for suggestions, amplify requests, engagements and feed import. Each function says what it guarantees."""

import calendar
import datetime as dt
import html
import logging
import re

import feedparser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags

from campaigns.images import sanitised_image
from campaigns.models import Campaign, SuggestedPost, validate_http_url
from campaigns.networks import TEXT_RULES, Network, compose_share_text, over_limit_message, short_link_placeholder
from campaigns.services import post_draft_create
from infra.outbound_http import OutboundError, outbound_request
from leaderboard.services.awards import points_award_suggestion
from networks.models import ConnectedAccount
from networks.providers import AuthExpired, ProviderError, get_provider
from networks.providers.base import PostRef, providers
from networks.services.connections import account_flag_reconnect

from .models import (
    REASON_MIN,
    TEXT_MAX,
    AmplifyRequest,
    Engagement,
    Feed,
    FeedEntry,
    Review,
    Suggestion,
    check_review_transition,
)

logger = logging.getLogger(__name__)

# A claim older than this was left by a crash mid-call: it may be taken again (the calls are idempotent).
STALE_CLAIM = dt.timedelta(minutes=5)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN:
        raise ValidationError(
            {"reason": f"Say why in a few words ({REASON_MIN} characters or more): the employee reads it."}
        )
    return reason


# --- Suggestions -------------------------------------------------------------------------------


def suggestion_create(*, author, url: str = "", text: str = "", image=None, image_alt: str = "") -> Suggestion:
    """Store a suggestion waiting for review. Transactional; raises ValidationError and stores nothing when
    there is neither link nor words, the link is not http(s), the image is not a sound image within the
    post limits, or the same person already has this link waiting."""
    url, text, image_alt = (url or "").strip(), (text or "").strip(), (image_alt or "").strip()
    errors: dict[str, list[str]] = {}
    if not url and not text:
        raise ValidationError("Give a link, or write the post in your own words (or both).", code="empty")
    if url:
        try:
            validate_http_url(url)
        except ValidationError as exc:
            errors["url"] = exc.messages
    if len(text) > TEXT_MAX:
        errors["text"] = [f"At most {TEXT_MAX:,} characters (this is {len(text):,})."]
    clean_image = None
    if image:
        try:
            clean_image = sanitised_image(image, name=getattr(image, "name", "image"))
        except ValidationError as exc:
            errors["image"] = exc.messages
        if not image_alt:
            errors["image_alt"] = ["Describe the image for people who cannot see it."]
    if url and Suggestion.objects.filter(author=author, url=url, status=Review.PENDING).exists():
        errors["url"] = ["You already suggested this link; it is waiting for review."]
    if errors:
        raise ValidationError(errors)
    suggestion = Suggestion(author=author, url=url, text=text, image_alt=image_alt if clean_image else "")
    try:
        with transaction.atomic():
            if clean_image is not None:
                suggestion.image.save(clean_image.name, clean_image, save=False)
            suggestion.save()
    except IntegrityError:  # the same link sent twice at once: the constraint keeps one
        raise ValidationError({"url": ["You already suggested this link; it is waiting for review."]}) from None
    return suggestion


@transaction.atomic
def suggestion_edit(*, suggestion: Suggestion, url: str, text: str, image_alt: str) -> Suggestion:
    """A content manager's edit of a suggestion waiting for review. Raises ValidationError (nothing saved)."""
    locked = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if locked.status != Review.PENDING:
        raise ValidationError("Only a suggestion waiting for review can be edited.")
    locked.url, locked.text, locked.image_alt = url.strip(), text.strip(), image_alt.strip()
    locked.full_clean(exclude=["image"])
    locked.save(update_fields=["url", "text", "image_alt", "updated_at"])
    return locked


@transaction.atomic
def suggestion_approve(
    *, suggestion: Suggestion, campaign: Campaign, by, title: str = "", target_url: str = "", text: str = ""
) -> SuggestedPost:
    """Make the suggestion a draft post in `campaign`, credited to its author, and pay the author's points.

    One transaction: the post, the suggestion's status and the ledger entry are stored together or not at
    all. Refuses (ValidationError) a suggestion already reviewed, a post without a target address, or copy
    that does not fit. Points are idempotent (one ledger entry per suggestion).
    """
    locked = Suggestion.objects.select_for_update().select_related("author").get(pk=suggestion.pk)
    check_review_transition(locked.status, Review.APPROVED, what="suggestion")
    target_url = (target_url or locked.url).strip()
    if not target_url:
        raise ValidationError(
            {"target_url": "A post needs the address it points to: add one (the suggestion has no link)."}
        )
    copy = (text or locked.text or title or locked.title).strip()
    post = post_draft_create(
        campaign=campaign,
        title=(title or locked.title).strip() or "Suggested post",
        target_url=target_url,
        texts={"generic": copy},
        by=by,
        suggested_by=locked.author,
        image=locked.image.name if locked.image else "",
        image_alt=locked.image_alt,
    )
    now = timezone.now()
    locked.status = Review.APPROVED
    locked.post = post
    locked.reviewed_by = by
    locked.reviewed_at = now
    locked.save(update_fields=["status", "post", "reviewed_by", "reviewed_at", "updated_at"])
    points_award_suggestion(
        user_id=locked.author_id, suggestion_id=locked.pk, post_id=post.pk, occurred_at=now, title=post.title
    )
    suggestion.refresh_from_db()
    return post


@transaction.atomic
def suggestion_decline(*, suggestion: Suggestion, by, reason: str) -> Suggestion:
    """Decline with a reason the author sees on My suggestions. Raises ValidationError (nothing changed)."""
    reason = _reason(reason)
    locked = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    check_review_transition(locked.status, Review.DECLINED, what="suggestion")
    locked.status = Review.DECLINED
    locked.decline_reason = reason
    locked.reviewed_by = by
    locked.reviewed_at = timezone.now()
    locked.save(update_fields=["status", "decline_reason", "reviewed_by", "reviewed_at", "updated_at"])
    suggestion.refresh_from_db()
    return locked


# --- Amplify my own post -------------------------------------------------------------------------


def post_ref_from_url(url: str) -> PostRef:
    """Which network's post the address names (the patterns live on the providers). Raises ValidationError."""
    url = (url or "").strip()
    try:
        validate_http_url(url)
    except ValidationError as exc:
        raise ValidationError({"url": exc.messages}) from None
    candidates = [p for p in providers() if p.post_url_patterns]
    for provider in candidates:
        ref = provider.parse_post_url(url)
        if ref is not None:
            return ref
    examples = "; ".join(f"{p.label}: {p.post_url_example}" for p in candidates)
    raise ValidationError(
        {
            "url": f"That is not the address of one post on {', '.join(p.label for p in candidates)}. "
            f"Open your post, copy its address and paste it here (for example {examples})."
        },
        code="not_a_post",
    )


def amplify_request_create(*, author, url: str, note: str = "") -> AmplifyRequest:
    """Ask for colleagues' help with one's own post. Raises ValidationError (nothing stored) for an address
    that is not one post on a supported network, or the same post already waiting or featured."""
    ref = post_ref_from_url(url)
    note = (note or "").strip()
    if len(note) > 280:
        raise ValidationError({"note": "At most 280 characters."})
    duplicate = ValidationError({"url": "You already asked for this post; it is waiting or featured."})
    if AmplifyRequest.objects.filter(
        author=author, url=ref.url, status__in=[AmplifyRequest.Status.PENDING, AmplifyRequest.Status.FEATURED]
    ).exists():
        raise duplicate
    try:
        with transaction.atomic():
            return AmplifyRequest.objects.create(author=author, network=ref.network, url=ref.url, note=note)
    except IntegrityError:
        raise duplicate from None


@transaction.atomic
def amplify_request_move(*, request: AmplifyRequest, to: str, by, reason: str = "") -> AmplifyRequest:
    """Feature, decline (with a reason the author sees) or end a request. Raises ValidationError."""
    if to == AmplifyRequest.Status.DECLINED:
        reason = _reason(reason)
    locked = AmplifyRequest.objects.select_for_update().get(pk=request.pk)
    locked.check_transition(to)
    locked.status = to
    locked.decline_reason = reason if to == AmplifyRequest.Status.DECLINED else ""
    locked.reviewed_by = by
    locked.reviewed_at = timezone.now()
    locked.save(update_fields=["status", "decline_reason", "reviewed_by", "reviewed_at"])
    request.refresh_from_db()
    return locked


def engagement_account(*, user, network: str) -> ConnectedAccount | None:
    return (
        ConnectedAccount.objects.filter(user=user, network=network, health=ConnectedAccount.Health.OK)
        .order_by("-updated_at")
        .first()
    )


def engagement_make(*, request: AmplifyRequest, user, action: str) -> Engagement:
    """Like or repost a featured post with the colleague's connected account, at most once.

    The Engagement row is claimed (created, or a failed or stale one taken back with a conditional update)
    before the network is called, so a second tap or a concurrent request returns the first without a
    second call. Raises ValidationError for what the person can fix (not featured, own post, no account,
    an action the network or account does not allow); a network refusal is stored on the row as FAILED.
    """
    if request.status != AmplifyRequest.Status.FEATURED:
        raise ValidationError("This post is no longer featured.")
    if request.author_id == user.pk:
        raise ValidationError("This is your own post: colleagues engage with it, you do not need to.")
    provider = get_provider(request.network)
    account = engagement_account(user=user, network=request.network)
    if action not in provider.engage_actions_for(account=account):
        if account is None:
            raise ValidationError(f"Connect your {provider.label} account first, or open the post and engage there.")
        raise ValidationError(f"{provider.label} does not let us do that for you; open the post and do it there.")
    assert account is not None
    engagement, won = _engagement_claim(request=request, user=user, action=action, account=account, provider=provider)
    if not won:
        return engagement
    try:
        external_id = provider.engage(
            account=account, post_url=request.url, action=action, idempotency_key=engagement.idempotency_key
        )
    except ProviderError as exc:
        if isinstance(exc, AuthExpired):
            account_flag_reconnect(account_id=account.pk, reason=exc.message)
        logger.info("Engagement %s on %s failed: %s", engagement.pk, request.network, exc.message)
        Engagement.objects.filter(pk=engagement.pk, status=Engagement.Status.CLAIMED).update(
            status=Engagement.Status.FAILED, error=exc.message[:500]
        )
    else:
        Engagement.objects.filter(pk=engagement.pk, status=Engagement.Status.CLAIMED).update(
            status=Engagement.Status.DONE, external_id=external_id[:500], error="", done_at=timezone.now()
        )
    engagement.refresh_from_db()
    return engagement


def _engagement_claim(*, request, user, action, account, provider) -> tuple[Engagement, bool]:
    """The engagement row, and whether this caller won the right to call the network: a new row, a failed
    one taken back, or a claim left stale by a crash. A DONE row or someone else's fresh claim: False."""
    try:
        with transaction.atomic():
            created = Engagement.objects.create(
                request=request,
                user=user,
                action=action,
                account=account,
                idempotency_key=provider.new_idempotency_key(),
            )
        return created, True
    except IntegrityError:
        pass
    existing = Engagement.objects.get(request=request, user=user, action=action)
    if existing.status == Engagement.Status.DONE:
        return existing, False
    now = timezone.now()
    taken = Engagement.objects.filter(pk=existing.pk, status=Engagement.Status.FAILED).update(
        status=Engagement.Status.CLAIMED, account=account, error="", created_at=now
    ) or Engagement.objects.filter(
        pk=existing.pk, status=Engagement.Status.CLAIMED, created_at__lt=now - STALE_CLAIM
    ).update(account=account, created_at=now)
    existing.refresh_from_db()
    return existing, bool(taken)


# --- Feed import: new entries of an RSS or Atom feed become draft posts in the feed's campaign --------------------

FEED_MAX_BYTES = 2_000_000
FEED_TIMEOUT = (5.0, 15.0)
FEED_DEADLINE = 30.0
NOT_A_FEED = "Not a valid RSS or Atom feed."
# The networks a feed entry gets its own copy for; the generic copy serves the rest.
FEED_VARIANT_NETWORKS = (Network.GENERIC, Network.LINKEDIN, Network.X, Network.MASTODON, Network.BLUESKY)
ELLIPSIS = "…"


def feed_check(feed: Feed) -> int:
    """Fetch `feed` (conditional GET), turn each new entry into a draft post; return how many were made.

    Safe to run twice at once: an entry is claimed by its (feed, GUID) row before its post is made.
    Errors are recorded on the feed (`last_error`), never raised.
    """
    headers = {"Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    try:
        response = outbound_request(
            "GET", feed.url, headers=headers, timeout=FEED_TIMEOUT, deadline=FEED_DEADLINE, max_bytes=FEED_MAX_BYTES
        )
    except OutboundError as exc:
        return _record(feed, error=exc.message)
    if response.status_code == 304:
        return _record(feed)
    if response.status_code != 200:
        return _record(feed, error=f"The feed's server answered HTTP {response.status_code}.")
    return feed_document_import(
        feed,
        response.content,
        content_type=response.headers.get("Content-Type", ""),
        location=response.url,
        etag=response.headers.get("ETag", ""),
        last_modified=response.headers.get("Last-Modified", ""),
    )


def feed_document_import(
    feed: Feed,
    document: bytes,
    *,
    content_type: str = "",
    location: str = "",
    etag: str | None = None,
    last_modified: str | None = None,
) -> int:
    """Turn each new entry of an RSS or Atom document (fetched by feed_check, or read from a file) into a draft
    post and record the check on the feed; return how many were made. A document that is not a feed is recorded
    as the feed's error (0 made). Entries already seen, by GUID or by link, make nothing."""
    # Parsed from bytes: feedparser is never given a URL, so it never fetches anything itself.
    parsed = feedparser.parse(document, response_headers={"content-type": content_type, "content-location": location})
    if not parsed.entries and (parsed.bozo or not parsed.version):
        return _record(feed, error=NOT_A_FEED)

    created = 0
    for entry in parsed.entries:
        if _entry_import(feed, entry):
            created += 1
    return _record(feed, new=created, etag=etag, last_modified=last_modified)


def _record(feed: Feed, *, error: str = "", new: int = 0, etag: str | None = None, last_modified: str | None = None):
    feed.last_checked_at = timezone.now()
    feed.last_error = error[:500]
    feed.last_new_count = new
    fields = ["last_checked_at", "last_error", "last_new_count"]
    if etag is not None:
        feed.etag, feed.last_modified = etag[:500], (last_modified or "")[:100]
        fields += ["etag", "last_modified"]
    feed.save(update_fields=fields)
    return new


def _entry_import(feed: Feed, entry) -> bool:
    link = (entry.get("link") or "").strip()
    try:
        validate_http_url(link)
    except ValidationError:
        return False  # nothing to point the post at
    if len(link) > 2000:
        return False
    guid = (entry.get("id") or link)[:1000]
    if FeedEntry.objects.filter(feed=feed, guid=guid).exists():
        return False
    title = _plain(entry.get("title") or "")[:500]
    summary = _plain(entry.get("summary") or "")
    try:
        with transaction.atomic():
            row = FeedEntry.objects.create(feed=feed, guid=guid, url=link, title=title, published_at=_published(entry))
            if FeedEntry.objects.filter(url=link, post__isnull=False).exists():
                return False  # the same article through another feed (or an older GUID) is already a post
            post = post_draft_create(
                campaign=feed.campaign,
                title=_trim_words(title or link, 200),
                target_url=link,
                texts={network: variant_text(network, title, summary) for network in FEED_VARIANT_NETWORKS},
                by=None,
            )
            row.post = post
            row.save(update_fields=["post"])
    except IntegrityError:
        return False  # another run claimed this GUID a moment ago
    except ValidationError as exc:
        logger.warning("feed %s: entry %s not imported: %s", feed.pk, guid, exc)
        return False
    return True


def variant_text(network: str, title: str, summary: str) -> str:
    """Title and summary, cut at a word boundary so the share (with its short link) fits `network`."""
    text = f"{title}\n\n{summary}".strip() if summary and summary != title else title
    if _fits(network, text):
        return text
    words = text.split(" ")
    low, high = 0, len(words)  # the longest prefix of words that fits, with an ellipsis
    while low < high:
        middle = (low + high + 1) // 2
        if _fits(network, " ".join(words[:middle]).rstrip(" ,;:—-") + ELLIPSIS):
            low = middle
        else:
            high = middle - 1
    if low == 0:
        return _trim_chars(network, text)
    return " ".join(words[:low]).rstrip(" ,;:—-") + ELLIPSIS


def _fits(network: str, text: str) -> bool:
    if TEXT_RULES.get(network, TEXT_RULES[Network.GENERIC]).limit is None:
        return True
    return over_limit_message(network, compose_share_text(text, link=short_link_placeholder())) is None


def _trim_chars(network: str, text: str) -> str:
    while text and not _fits(network, text + ELLIPSIS):
        text = text[:-1]
    return text + ELLIPSIS


def _trim_words(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut + ELLIPSIS


def _plain(value: str) -> str:
    """Text without HTML tags or entities, on one line per paragraph."""
    value = re.sub(r"(?i)<\s*(br|/p|/div|/li|/h\d)\b[^>]*>", "\n", value)
    value = html.unescape(strip_tags(value))
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in value.splitlines())
    return "\n".join(line for line in lines if line)


def _published(entry) -> dt.datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return dt.datetime.fromtimestamp(calendar.timegm(parsed), tz=dt.UTC)


def feeds_check_enqueue() -> int:
    """Queue one check per active feed; return how many were queued."""
    from .tasks import feed_check_task

    ids = list(Feed.objects.filter(is_active=True).values_list("pk", flat=True))
    for feed_id in ids:
        feed_check_task.delay(feed_id)
    return len(ids)


def feed_save(*, feed: Feed, by) -> Feed:
    """Store a feed the admin's form has validated; a changed address forgets the old ETag and Last-Modified."""
    if feed.pk and Feed.objects.filter(pk=feed.pk).exclude(url=feed.url).exists():
        feed.etag = feed.last_modified = ""
    if feed.pk is None and getattr(by, "pk", None):
        feed.created_by = by
    feed.save()
    return feed
