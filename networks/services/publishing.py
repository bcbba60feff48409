"""Publishing direct shares: claim, publish, retry, reconcile.

Publishing is exactly-once by construction: a share is claimed with a conditional
update (QUEUED → PUBLISHING) that only one worker can win, the network is called
once per claim, and an answer lost after sending makes the share UNKNOWN (or, for
networks with idempotent publishing, re-queues it with the same key) instead of
re-sending blindly. Retries are rows in the SCHEDULED state with a time, picked up
by the beat-driven `shares_publish_due`, so they survive restarts.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..models import ConnectedAccount, Share
from ..providers import (
    AuthExpired,
    OutcomeUnknown,
    Permanent,
    ProviderError,
    QuotaExhausted,
    RateLimited,
    Transient,
    get_provider,
)
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


def _retry_later(share: Share, error: ProviderError, now: dt.datetime) -> PublishOutcome:
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
    share = Share.objects.select_related("account", "post", "short_link").get(pk=share_id)
    account = share.account
    network_label = get_provider(share.network).label
    if account is None or account.health_at(now) == ConnectedAccount.Health.NEEDS_RECONNECT:
        message = f"Your {network_label} account needs reconnecting. Reconnect it, then share again."
        _finish(share.pk, status=Share.Status.FAILED, error=message)
        return PublishOutcome(Share.Status.FAILED, message)
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
        )
    except AuthExpired:
        if not renew_on_auth_error:
            raise
        # The network calls the token stale before our clock does: renew once, then try again.
        renewed = account_refresh(account_id=account.pk, always=True)
        if renewed is None or renewed.health == ConnectedAccount.Health.NEEDS_RECONNECT:
            raise
        return _publish_claimed(share, renewed, now, renew_on_auth_error=False)
    except QuotaExhausted as exc:
        _finish(share.pk, status=Share.Status.FAILED, error=f"{exc.message} Use the share dialog meanwhile.")
        return PublishOutcome(Share.Status.FAILED, exc.message)
    except (RateLimited, Transient) as exc:
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
    _finish(
        share.pk,
        status=Share.Status.PUBLISHED,
        external_id=published.external_id,
        external_url=published.url[:1000],
        published_at=timezone.now(),
        error="",
    )
    return PublishOutcome(Share.Status.PUBLISHED)


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

    Found on the network → PUBLISHED. Not found RECONCILE_GIVE_UP after the attempt → FAILED (the
    employee may share again). Networks that cannot be asked (LinkedIn without read scopes) are
    settled as FAILED with a "check your profile" message after RECONCILE_BLIND_AFTER.
    """
    now = now or timezone.now()
    settled = 0
    candidates = Share.objects.filter(
        status=Share.Status.UNKNOWN, updated_at__lte=now - RECONCILE_AFTER, account__isnull=False
    ).select_related("account", "short_link")
    for share in candidates[:200]:
        provider = get_provider(share.network)
        age = now - share.updated_at
        found = None
        if provider.can_reconcile:
            try:
                found = provider.find_published(
                    account=share.account, link=share.short_link.short_url, since=share.created_at - RECONCILE_AFTER
                )
            except (ProviderError, NotImplementedError) as exc:
                logger.info("Reconciling share %s failed: %s", share.pk, exc)
                continue
            message = "It was not posted (checked on the network). Share it again."
            give_up = age >= RECONCILE_GIVE_UP
        else:
            message = (
                f"We could not confirm whether it was posted. Check your {provider.label} profile; "
                "if the post is missing, share it again."
            )
            give_up = age >= RECONCILE_BLIND_AFTER
        if found:
            Share.objects.move(
                share.pk,
                to=Share.Status.PUBLISHED,
                from_=[Share.Status.UNKNOWN],
                external_id=found.external_id,
                external_url=found.url[:1000],
                published_at=now,
                error="",
                updated_at=now,
            )
            settled += 1
        elif give_up:
            Share.objects.move(
                share.pk, to=Share.Status.FAILED, from_=[Share.Status.UNKNOWN], error=message, updated_at=now
            )
            settled += 1
    return settled
