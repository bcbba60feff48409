"""Publishing direct shares: claim, publish, retry, reconcile.

Publishing is exactly-once by construction: a share is claimed with a conditional
update (QUEUED → PUBLISHING) that only one worker can win, the network is called
once per claim, and an answer lost after sending (a timeout, or a 5xx to the create
call: the network may have failed after making the post) makes the share UNKNOWN
(or, for networks with idempotent publishing, re-queues it with the same key)
instead of re-sending blindly. UNKNOWN shares are settled by asking the network
(`find_published`), or, where the network refuses a duplicate and names the post
it has (LinkedIn), by sending the same post again. A duplicate refusal after an
earlier attempt of ours is evidence that the post exists, never a failure.
Retries are rows in the SCHEDULED state with a time, picked up by the beat-driven
`shares_publish_due`, so they survive restarts.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from dataclasses import dataclass

import redis
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from infra.ratelimit import RateLimiter

from ..models import ConnectedAccount, Share
from ..providers import (
    AuthExpired,
    Duplicate,
    OutcomeUnknown,
    Permanent,
    ProviderError,
    QuotaExhausted,
    RateLimited,
    Transient,
    get_provider,
)
from ..providers.base import ImageUpload, Provider, Published
from .connections import account_flag_reconnect, account_refresh
from .sharing import link_card_build, share_enqueue, share_image

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE_SECONDS = 30
STUCK_AFTER = dt.timedelta(minutes=15)
REQUEUE_AFTER = dt.timedelta(minutes=5)
RECONCILE_AFTER = dt.timedelta(minutes=2)
RECONCILE_GIVE_UP = dt.timedelta(minutes=20)
RECONCILE_BLIND_AFTER = dt.timedelta(hours=24)


@dataclass(frozen=True)
class PublishOutcome:
    status: str
    message: str = ""


def _finish(share_id: int, *, status: str, **fields) -> None:
    """Record the result of a claimed share (only while it is still ours, i.e. PUBLISHING)."""
    Share.objects.move(share_id, to=status, from_=[Share.Status.PUBLISHING], **fields)


def _record_published(share_id: int, published: Published, *, from_: str, now: dt.datetime) -> bool:
    return Share.objects.move(
        share_id,
        to=Share.Status.PUBLISHED,
        from_=[from_],
        external_id=published.external_id,
        external_url=published.url[:1000],
        published_at=now,
        error="",
        updated_at=now,
    )


def _retry_later(share: Share, error: ProviderError, now: dt.datetime) -> PublishOutcome:
    if share.attempts >= MAX_ATTEMPTS and isinstance(error, OutcomeUnknown):
        # The last try's answer was lost too: the post may exist, so settle it by asking, not by failing.
        _finish(share.pk, status=Share.Status.UNKNOWN, error=error.message)
        return PublishOutcome(Share.Status.UNKNOWN, error.message)
    if share.attempts >= MAX_ATTEMPTS:
        _finish(share.pk, status=Share.Status.FAILED, error=f"{error.message} (gave up after {share.attempts} tries)")
        return PublishOutcome(Share.Status.FAILED, error.message)
    retry_after = getattr(error, "retry_after", None)
    backoff = BACKOFF_BASE_SECONDS * 2 ** (share.attempts - 1) * (1 + random.random() / 4)  # noqa: S311
    delay = max(retry_after or 0, backoff)
    when = now + dt.timedelta(seconds=delay)
    _finish(
        share.pk,
        status=Share.Status.SCHEDULED,
        scheduled_for=when,
        error=f"{error.message} Trying again at {when:%H:%M} UTC.",
    )
    return PublishOutcome(Share.Status.SCHEDULED, error.message)


def share_publish(*, share_id: int, now: dt.datetime | None = None) -> PublishOutcome | None:
    """Publish one queued share exactly once. Returns None when another worker has it (or it is gone).

    Claims the row (QUEUED → PUBLISHING) before any network call. Outcomes: PUBLISHED with the
    external id and URL; SCHEDULED again for 429/5xx/connection errors (honouring the network's
    reset header); FAILED with the network's message for 4xx, quota caps and expired tokens (the
    account is then flagged for reconnection); UNKNOWN when the answer was lost after sending on a
    network without idempotent publishing. Never raises for network errors.
    """
    now = now or timezone.now()
    claimed = Share.objects.filter(route=Share.Route.DIRECT).move(
        share_id, to=Share.Status.PUBLISHING, from_=[Share.Status.QUEUED], attempts=F("attempts") + 1, updated_at=now
    )
    if not claimed:
        return None
    return _publish_claimed_share(share_id, now)


def _publish_claimed_share(share_id: int, now: dt.datetime) -> PublishOutcome:
    """Publish a share this worker has claimed (PUBLISHING) and record the outcome."""
    share = Share.objects.select_related("account", "post", "short_link").get(pk=share_id)
    account = share.account
    network_label = get_provider(share.network).label
    if account is None or account.health_at(now) == ConnectedAccount.Health.NEEDS_RECONNECT:
        message = f"Your {network_label} account needs reconnecting. Reconnect it, then share again."
        _finish(share.pk, status=Share.Status.FAILED, error=message)
        return PublishOutcome(Share.Status.FAILED, message)
    provider = get_provider(share.network)
    wait = _publish_budget_wait(provider, account)
    if wait > 0:
        # The budget shared by all workers is spent: post when it has room again. Not a failed try.
        when = now + dt.timedelta(seconds=wait + random.uniform(0, 5))  # noqa: S311 (spread, not security)
        message = f"Waiting for room in {network_label}'s posting limit; posting at {when:%H:%M} UTC."
        _finish(share.pk, status=Share.Status.SCHEDULED, scheduled_for=when, attempts=F("attempts") - 1, error=message)
        return PublishOutcome(Share.Status.SCHEDULED, message)
    try:
        return _publish_claimed(share, account, now, renew_on_auth_error=account.refreshable)
    except AuthExpired as exc:
        account_flag_reconnect(account_id=account.pk, reason=exc.message)
        message = f"{network_label} no longer accepts your sign-in ({exc.message}). Reconnect it, then share again."
        _finish(share.pk, status=Share.Status.FAILED, error=message)
        return PublishOutcome(Share.Status.FAILED, message)


def _publish_claimed(
    share: Share, account: ConnectedAccount, now: dt.datetime, *, renew_on_auth_error: bool
) -> PublishOutcome:
    """Call the network for a claimed share and record the outcome. Raises AuthExpired only."""
    provider = get_provider(share.network)
    try:
        expires = account.token_expires_at
        if account.refreshable and expires and expires <= now + dt.timedelta(minutes=5):
            account = account_refresh(account_id=account.pk, force=True) or account
            if account.health == ConnectedAccount.Health.NEEDS_RECONNECT:
                raise AuthExpired(account.health_reason or "The sign-in could not be renewed.")
        image = share_image(post=share.post, network=share.network) if share.with_image else None
        media_ref = _uploaded_media(share, account, provider, image, now) if image is not None else ""
        card = (
            link_card_build(post=share.post, link=share.short_link.short_url, image=image)
            if provider.wants_link_card
            else None
        )
        published = provider.publish(
            account=account,
            text=share.text,
            link=share.short_link.short_url,
            image=image,
            card=card,
            idempotency_key=share.idempotency_key,
            media_ref=media_ref,
        )
    except AuthExpired as exc:
        if not renew_on_auth_error:
            raise
        # The network calls the token stale before our clock does: renew once (unless another worker
        # already renewed the token that was refused), then try again.
        renewed = account_refresh(account_id=account.pk, stale_token=account.access_token)
        if renewed is None:
            raise
        if renewed.health == ConnectedAccount.Health.NEEDS_RECONNECT:
            # Why the employee must reconnect is the refresh refusal, not the post's 401.
            raise AuthExpired(renewed.health_reason or exc.message, status=exc.status) from exc
        return _publish_claimed(share, renewed, now, renew_on_auth_error=False)
    except Duplicate as exc:
        if share.attempts > 1:
            return _settle_duplicate(share, account, provider, exc, now)
        _finish(share.pk, status=Share.Status.FAILED, error=exc.message)
        return PublishOutcome(Share.Status.FAILED, exc.message)
    except QuotaExhausted as exc:
        _finish(share.pk, status=Share.Status.FAILED, error=f"{exc.message} Use the share dialog meanwhile.")
        return PublishOutcome(Share.Status.FAILED, exc.message)
    except RateLimited as exc:
        # Everyone posting with this account waits too (shared limiter), not just this share.
        _publish_budget_block(provider, account, exc.retry_after or BACKOFF_BASE_SECONDS)
        return _retry_later(share, exc, now)
    except Transient as exc:
        return _retry_later(share, exc, now)
    except OutcomeUnknown as exc:
        if provider.idempotent_publish:
            return _retry_later(share, exc, now)  # same key: the network returns the post it already has
        _finish(share.pk, status=Share.Status.UNKNOWN, error=exc.message)
        return PublishOutcome(Share.Status.UNKNOWN, exc.message)
    except (Permanent, ValidationError) as exc:
        message = exc.message if isinstance(exc, Permanent) else " ".join(exc.messages)
        _finish(share.pk, status=Share.Status.FAILED, error=message)
        return PublishOutcome(Share.Status.FAILED, message)
    _record_published(share.pk, published, from_=Share.Status.PUBLISHING, now=timezone.now())
    return PublishOutcome(Share.Status.PUBLISHED)


def _publish_limiter(provider: Provider, account: ConnectedAccount) -> RateLimiter:
    """The account's posting budget on the network, counted by the limiter the metrics pull uses."""
    limit, window = provider.publish_budget()
    return RateLimiter(provider.publish_limiter_key(account=account), limit=limit, window=window)


def _publish_budget_wait(provider: Provider, account: ConnectedAccount) -> float:
    """Take one post's cost from the account's budget: 0 when granted, else the seconds to wait.

    The budget only spreads bursts; when its Redis cannot be asked, the post goes out (a 429 from
    the network is still handled)."""
    try:
        return _publish_limiter(provider, account).acquire(cost=provider.publish_cost)
    except (redis.RedisError, OSError) as exc:
        logger.warning("Publish budget for %s not checked: %s", provider.network, exc)
        return 0.0


def _publish_budget_block(provider: Provider, account: ConnectedAccount, seconds: float) -> None:
    try:
        _publish_limiter(provider, account).block(seconds)
    except (redis.RedisError, OSError) as exc:
        logger.warning("Publish budget for %s not blocked: %s", provider.network, exc)


def _uploaded_media(
    share: Share, account: ConnectedAccount, provider: Provider, image: ImageUpload, now: dt.datetime
) -> str:
    """The share's image on the network: the upload of an earlier try while the network still keeps it
    (`media_reuse_window`), else a new upload, remembered on the share for the next try."""
    if share.media_ref and share.media_uploaded_at and now - share.media_uploaded_at < provider.media_reuse_window:
        return share.media_ref
    ref = provider.upload(account=account, image=image)
    Share.objects.filter(pk=share.pk, status=Share.Status.PUBLISHING).update(media_ref=ref, media_uploaded_at=now)
    share.media_ref, share.media_uploaded_at = ref, now
    return ref


def _settle_duplicate(
    share: Share, account: ConnectedAccount, provider: Provider, exc: Duplicate, now: dt.datetime
) -> PublishOutcome:
    """A duplicate refusal after an earlier attempt of ours: that attempt made the post. Take the
    post the refusal names, or look it up; when it cannot be found yet, reconcile later."""
    found = exc.existing
    if found is None and provider.can_reconcile:
        try:
            found = provider.find_published(
                account=account,
                link=share.short_link.short_url,
                since=share.created_at - RECONCILE_AFTER,
                idempotency_key=share.idempotency_key,
            )
        except (ProviderError, NotImplementedError) as lookup_error:
            logger.info("Looking up share %s after a duplicate refusal failed: %s", share.pk, lookup_error)
    if found is not None:
        _record_published(share.pk, found, from_=Share.Status.PUBLISHING, now=timezone.now())
        return PublishOutcome(Share.Status.PUBLISHED)
    message = f"{exc.message} It was probably posted by an earlier try; checking with the network."
    _finish(share.pk, status=Share.Status.UNKNOWN, error=message)
    return PublishOutcome(Share.Status.UNKNOWN, message)


def shares_publish_due(*, now: dt.datetime | None = None) -> int:
    """Queue scheduled shares whose time has come (and re-queue stale ones). Idempotent; returns how many.

    Also recovers from lost work: QUEUED shares whose task vanished are enqueued again (the claim
    makes duplicates harmless); PUBLISHING shares stuck past STUCK_AFTER (a worker died mid-call)
    become UNKNOWN, or are re-queued on networks whose publishing is idempotent.
    """
    now = now or timezone.now()
    queued = 0
    for share_id in list(Share.objects.due(now).values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            if Share.objects.move(share_id, to=Share.Status.QUEUED, from_=[Share.Status.SCHEDULED], updated_at=now):
                share_enqueue(share_id=share_id)
                queued += 1
    stale = Share.objects.filter(status=Share.Status.QUEUED, updated_at__lte=now - REQUEUE_AFTER)
    for share_id in list(stale.values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            Share.objects.filter(pk=share_id, status=Share.Status.QUEUED).update(updated_at=now)  # a touch, no move
            share_enqueue(share_id=share_id)
            queued += 1
    shares_reconcile_unknown(now=now)
    stuck = Share.objects.filter(status=Share.Status.PUBLISHING, updated_at__lte=now - STUCK_AFTER)
    for share in stuck.only("pk", "network"):
        if get_provider(share.network).idempotent_publish:
            Share.objects.move(share.pk, to=Share.Status.QUEUED, from_=[Share.Status.PUBLISHING], updated_at=now)
        else:
            Share.objects.move(
                share.pk,
                to=Share.Status.UNKNOWN,
                from_=[Share.Status.PUBLISHING],
                error="The worker stopped while publishing; check your profile before sharing again.",
                updated_at=now,
            )
    return queued


def shares_reconcile_unknown(*, now: dt.datetime | None = None) -> int:
    """Settle shares whose publish answer was lost, by asking the network. Returns how many settled.

    Networks that refuse a duplicate and name the post (LinkedIn) are asked by sending the same
    post again: created (it was not there; now it is) or refused as a duplicate (the URN it names)
    both settle it as PUBLISHED with the right id; a lost answer again stays UNKNOWN until
    MAX_ATTEMPTS, then FAILED with "check your profile". Networks that can look a post up: found →
    PUBLISHED; not found RECONCILE_GIVE_UP after the attempt → FAILED (the employee may share
    again). Networks that cannot be asked are settled as FAILED with a "check your profile"
    message after RECONCILE_BLIND_AFTER. Idempotent; safe to run from several workers.
    """
    now = now or timezone.now()
    settled = 0
    candidates = Share.objects.filter(
        status=Share.Status.UNKNOWN, updated_at__lte=now - RECONCILE_AFTER, account__isnull=False
    ).select_related("account", "short_link")
    for share in candidates[:200]:
        provider = get_provider(share.network)
        if provider.reconcile_by_resending:
            settled += _reconcile_by_resending(share, provider, now)
            continue
        age = now - share.updated_at
        found = None
        if provider.can_reconcile:
            try:
                found = provider.find_published(
                    account=share.account,
                    link=share.short_link.short_url,
                    since=share.created_at - RECONCILE_AFTER,
                    idempotency_key=share.idempotency_key,
                )
            except (ProviderError, NotImplementedError) as exc:
                logger.info("Reconciling share %s failed: %s", share.pk, exc)
                continue
            message = "It was not posted (checked on the network). Share it again."
            give_up = age >= RECONCILE_GIVE_UP
        else:
            message = _unconfirmed_message(provider)
            give_up = age >= RECONCILE_BLIND_AFTER
        if found:
            settled += _record_published(share.pk, found, from_=Share.Status.UNKNOWN, now=now)
        elif give_up:
            Share.objects.move(
                share.pk, to=Share.Status.FAILED, from_=[Share.Status.UNKNOWN], error=message, updated_at=now
            )
            settled += 1
    return settled


def _unconfirmed_message(provider: Provider) -> str:
    return (
        f"We could not confirm whether it was posted. Check your {provider.label} profile; "
        "if the post is missing, share it again."
    )


def _reconcile_by_resending(share: Share, provider: Provider, now: dt.datetime) -> int:
    """Send an UNKNOWN share's post again (claimed UNKNOWN → PUBLISHING, so one worker does it).
    Returns 1 when that settled it (published, or failed for good), else 0."""
    if share.attempts >= MAX_ATTEMPTS:
        moved = Share.objects.move(
            share.pk,
            to=Share.Status.FAILED,
            from_=[Share.Status.UNKNOWN],
            error=_unconfirmed_message(provider),
            updated_at=now,
        )
        return int(moved)
    claimed = Share.objects.move(
        share.pk, to=Share.Status.PUBLISHING, from_=[Share.Status.UNKNOWN], attempts=F("attempts") + 1, updated_at=now
    )
    if not claimed:
        return 0
    outcome = _publish_claimed_share(share.pk, now)
    return int(outcome.status in (Share.Status.PUBLISHED, Share.Status.FAILED))
