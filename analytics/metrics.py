"""Pulling engagement metrics for shares from the networks (issue 5).

Shares are refreshed by age (hourly for 2 days, every 6 hours to day 7, daily to day 30,
then never), in batches as large as each network allows, spread over time and under a
per-network limiter shared by all workers. Failures never lose an update or stop a batch:
a revoked token flags the account, a deleted post marks the share, a 429 defers, a 5xx
or garbled answer retries later.
"""

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from networks.models import ConnectedAccount, Share
from networks.providers.base import (
    AuthExpired,
    EngagementCounts,
    Permanent,
    ProviderError,
    QuotaExhausted,
    RateLimited,
    get_provider,
    is_deleted,
    providers,
)
from networks.services.connections import account_flag_reconnect

from .engagement import METRIC_FIELDS, EngagementSnapshot, ShareMetrics
from .metrics_ratelimit import RateLimiter
from .rollups import rollup_engagement_add

logger = logging.getLogger(__name__)

# (age below which, refresh every)
AGE_TIERS: tuple[tuple[dt.timedelta, dt.timedelta], ...] = (
    (dt.timedelta(days=2), dt.timedelta(hours=1)),
    (dt.timedelta(days=7), dt.timedelta(hours=6)),
    (dt.timedelta(days=30), dt.timedelta(days=1)),
)
MAX_AGE = AGE_TIERS[-1][0]
# The beat runs every 10 minutes: a share due a little early is taken in this run, not the next.
SLACK = dt.timedelta(minutes=5)
CLAIM_FOR = dt.timedelta(minutes=30)


def refresh_interval(age: dt.timedelta) -> dt.timedelta | None:
    """How often a share of this age is refreshed; None once it is too old to matter."""
    for below, every in AGE_TIERS:
        if age < below:
            return every
    return None


def _due_condition(now: dt.datetime) -> Q:
    due = Q(metrics__attempted_at__isnull=True)
    younger = now
    for below, every in AGE_TIERS:
        older = now - below
        due |= Q(published_at__lte=younger, published_at__gt=older, metrics__attempted_at__lte=now - every + SLACK)
        younger = older
    return due


def shares_due_for_metrics(*, now: dt.datetime | None = None) -> QuerySet[Share]:
    """Published shares whose age-based refresh is due, not held by a worker, account usable."""
    now = now or timezone.now()
    return (
        Share.objects.filter(
            status=Share.Status.PUBLISHED,
            network__in=[p.network for p in providers() if p.has_metrics],
            published_at__gt=now - MAX_AGE,
            published_at__lte=now,
        )
        .exclude(external_id="")
        .exclude(account__health=ConnectedAccount.Health.NEEDS_RECONNECT)
        .exclude(metrics__state=ShareMetrics.State.DELETED)
        .filter(Q(metrics__isnull=True) | Q(metrics__claimed_until__isnull=True) | Q(metrics__claimed_until__lt=now))
        .filter(_due_condition(now))
        .order_by("published_at")
    )


def metrics_claim(*, share_ids: list[int], now: dt.datetime, hold: dt.timedelta = CLAIM_FOR) -> list[int]:
    """Claim shares for one worker until `now + hold`; returns the ids this caller won."""
    ShareMetrics.objects.bulk_create([ShareMetrics(share_id=i) for i in share_ids], ignore_conflicts=True)
    with transaction.atomic():
        free = (
            ShareMetrics.objects.select_for_update(skip_locked=True)
            .filter(share_id__in=share_ids)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        )
        won = list(free.values_list("share_id", flat=True))
        ShareMetrics.objects.filter(share_id__in=won).update(claimed_until=now + hold)
    return won


@dataclass
class Batch:
    network: str
    share_ids: list[int]
    limiter_scope: str = ""


def metrics_batches(*, shares: list[Share]) -> list[Batch]:
    """Group shares into lookups: per network (and per account where the token is the employee's)."""
    groups: dict[tuple[str, int | None], list[Share]] = defaultdict(list)
    per_account = {p.network: p.metrics_per_account() for p in providers()}
    for share in shares:
        groups[(share.network, share.account_id if per_account[share.network] else None)].append(share)
    batches = []
    for (network, _), members in groups.items():
        provider = get_provider(network)
        size = provider.metrics_batch_size
        scope = provider.metrics_limiter_scope(account=members[0].account)
        for i in range(0, len(members), size):
            batches.append(Batch(network=network, share_ids=[s.id for s in members[i : i + size]], limiter_scope=scope))
    return batches


def metrics_enqueue_due(*, now: dt.datetime | None = None, limit: int = 5000) -> int:
    """Claim due shares and enqueue their lookups, spread so each limiter's window is used evenly.

    Returns the number of batches. Shares already claimed by another run are skipped.
    """
    from .tasks_metrics import fetch_metrics_batch

    now = now or timezone.now()
    due = list(shares_due_for_metrics(now=now).values_list("id", flat=True)[:limit])
    won = set(metrics_claim(share_ids=due, now=now)) if due else set()
    shares = list(Share.objects.select_related("account").filter(id__in=won).order_by("published_at", "id"))
    batches = metrics_batches(shares=shares)
    position: dict[tuple[str, str], int] = defaultdict(int)
    for batch in batches:
        limit_, window = get_provider(batch.network).metrics_budget()
        slot = position[(batch.network, batch.limiter_scope)]
        position[(batch.network, batch.limiter_scope)] += 1
        countdown = round(slot * window / limit_, 1)
        transaction.on_commit(
            lambda b=batch, c=countdown: fetch_metrics_batch.apply_async(
                args=[b.network, b.share_ids], countdown=c, expires=CLAIM_FOR.total_seconds() + c
            )
        )
    return len(batches)


@dataclass
class PullOutcome:
    recorded: int = 0
    deferred: list[int] = field(default_factory=list)
    retry_in: float = 0.0


def _release(share_ids: list[int], **fields) -> None:
    ShareMetrics.objects.filter(share_id__in=share_ids).update(claimed_until=None, **fields)


def metrics_release(*, share_ids: list[int]) -> None:
    """Give shares back to the schedule (the next beat run may claim them again)."""
    _release(share_ids)


def metrics_pull_batch(*, network: str, share_ids: list[int], now: dt.datetime | None = None) -> PullOutcome:
    """Fetch and record the metrics of one batch. Never raises for a network's answer.

    Shares the limiter or a 429 holds back come back in `deferred` (to enqueue again after
    `retry_in` seconds); everything else is recorded or marked before returning.
    """
    now = now or timezone.now()
    outcome = PullOutcome()
    shares = list(
        Share.objects.select_related("account").filter(id__in=share_ids, status=Share.Status.PUBLISHED, network=network)
    )
    if not shares:
        return outcome
    ShareMetrics.objects.bulk_create([ShareMetrics(share_id=s.id) for s in shares], ignore_conflicts=True)
    provider = get_provider(network)
    for batch in metrics_batches(shares=shares):
        group = [s for s in shares if s.id in batch.share_ids]
        if outcome.deferred:  # a 429 earlier in this run: do not knock again
            outcome.deferred.extend(batch.share_ids)
            continue
        account = group[0].account if provider.metrics_per_account() else None
        if account is not None and account.health == ConnectedAccount.Health.NEEDS_RECONNECT:
            _release(batch.share_ids, state=ShareMetrics.State.RECONNECT, attempted_at=now)
            continue
        limiter = RateLimiter.for_network(network, scope=batch.limiter_scope)
        cost = provider.metrics_cost(account=account, posts=len(group))
        wait = limiter.acquire(cost=cost) if cost else 0.0
        if wait > 0:
            outcome.deferred.extend(batch.share_ids)
            outcome.retry_in = max(outcome.retry_in, wait)
            continue
        by_external = {s.external_id: s for s in group}
        try:
            results = provider.fetch_metrics(account=account, external_ids=list(by_external))
        except AuthExpired as exc:
            if account is None:  # the app's own token: an admin must fix it, no employee can
                logger.error("metrics: %s refused the app's token: %s", network, exc.message)
                _metrics_failed(batch.share_ids, exc, now=now, attempted=True)
                continue
            account_flag_reconnect(account_id=account.id, reason=f"Metrics: {exc.message}")
            _release(
                batch.share_ids, state=ShareMetrics.State.RECONNECT, attempted_at=now, last_error=exc.message[:500]
            )
            continue
        except RateLimited as exc:
            retry_after = exc.retry_after if exc.retry_after is not None else 60.0
            limiter.block(retry_after)
            outcome.deferred.extend(batch.share_ids)
            outcome.retry_in = max(outcome.retry_in, retry_after)
            continue
        except (QuotaExhausted, Permanent) as exc:
            # Retrying soon will not help: wait for the next turn of the age schedule.
            _metrics_failed(batch.share_ids, exc, now=now, attempted=True)
            continue
        except ProviderError as exc:  # Transient, OutcomeUnknown: try again after a backoff
            _metrics_failed(batch.share_ids, exc, now=now, attempted=False)
            continue
        for external_id, share in by_external.items():
            metrics_record(share_id=share.id, counts=results.get(external_id), now=now)
            outcome.recorded += 1
    if outcome.deferred:
        # Keep holding them until the deferred run is due.
        ShareMetrics.objects.filter(share_id__in=outcome.deferred).update(
            claimed_until=now + dt.timedelta(seconds=outcome.retry_in) + CLAIM_FOR
        )
    return outcome


def _metrics_failed(share_ids: list[int], exc: ProviderError, *, now: dt.datetime, attempted: bool) -> None:
    logger.warning("metrics: %s for shares %s", exc.message, share_ids)
    rows = ShareMetrics.objects.filter(share_id__in=share_ids)
    for row in rows:
        backoff = dt.timedelta(minutes=min(240, 10 * 2**row.failures))
        fields = {
            "state": ShareMetrics.State.ERROR if row.measured_at is None else row.state,
            "failures": min(row.failures + 1, 1000),
            "last_error": exc.message[:500],
            "claimed_until": None if attempted else now + backoff,
        }
        if attempted:
            fields["attempted_at"] = now
        ShareMetrics.objects.filter(pk=row.pk).update(**fields)


def metrics_record(*, share_id: int, counts: EngagementCounts | None, now: dt.datetime | None = None) -> ShareMetrics:
    """Store one answer for a share: latest values, a history point if anything changed, points for growth.

    Transactional, with the share's metrics row locked, so two workers cannot interleave; an
    answer older than the one already stored is ignored (no lost update, no going back).
    """
    now = now or timezone.now()
    ShareMetrics.objects.get_or_create(share_id=share_id)
    with transaction.atomic():
        metrics = ShareMetrics.objects.select_for_update().get(share_id=share_id)
        metrics.claimed_until = None
        metrics.attempted_at = max(metrics.attempted_at or now, now)
        if metrics.measured_at is not None and metrics.measured_at > now:
            metrics.save()
            return metrics
        if is_deleted(counts):
            metrics.state = ShareMetrics.State.DELETED
            metrics.save()
            Share.objects.move(share_id, to=Share.Status.DELETED, from_=[Share.Status.PUBLISHED])
            return metrics
        if counts is None:
            metrics.state = ShareMetrics.State.UNAVAILABLE
            metrics.save()
            return metrics
        values = {name: getattr(counts, name) for name in METRIC_FIELDS}
        if metrics.measured_at is None or values != metrics.values():
            EngagementSnapshot.objects.create(share_id=share_id, measured_at=now, **values)
            rollup_engagement_add(share_id=share_id, at=now, before=metrics.values(), after=values)
            metrics.changed_at = now
            for name, value in values.items():
                setattr(metrics, name, value)
        metrics.state = ShareMetrics.State.OK
        metrics.measured_at = now
        metrics.failures = 0
        metrics.last_error = ""
        metrics.save()
    return metrics
