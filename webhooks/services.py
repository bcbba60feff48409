"""Writes for webhooks: record events in the outbox, send them, retry them, switch off endpoints that keep failing.

Delivery guarantees
-------------------
* **At least once, with one id.** An event's outbox rows (one `Delivery` per subscribed endpoint) are written
  in the transaction of the news itself (or right after a drain commits, for clicks), so news that happened is
  sent. Every attempt carries the same `webhook-id` and body: a receiver that stores the ids it handled gets
  each event exactly once, even when an answer is lost and we send again.
* **Claimed before sending.** A worker moves a delivery PENDING → SENDING with a conditional update before the
  request; of two workers only one wins, so one attempt is never sent twice at once. A worker that died
  mid-send leaves the claim to lapse after CLAIM_TIMEOUT, and the attempt is made again.
* **Retried for about a day.** Any answer other than 2xx, a timeout, or a refused address is retried after
  RETRY_DELAYS (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: 8 attempts over about 27.6 h), later when the
  receiver asks for it (429/503 with Retry-After); then the delivery is FAILED and stays for a "resend".
* **In order where it matters.** Events with an `ordering_key` reach each endpoint in the order they happened:
  `share:<id>` (published/failed of one share), `post:<id>`, and `clicks` (each clicks.counted carries the
  links' totals after its drain, so an older one arriving late would roll a receiver's totals back). A
  delivery waits while one of an older batch with the same key for the same endpoint is pending or being
  sent; the events of one batch (the few clicks.counted of one drain, on different links) go in parallel.
  Goal and employee events are independent and go out in any order.
* **Switched off when it keeps failing.** An endpoint that has had no 2xx for DISABLE_AFTER (24 h) of
  failures is switched off; its owner (or, without one, the admins) is told by email. Its pending
  deliveries wait, and go out when an admin switches it on again.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from accounts.models import User
from infra.mail import email_message, email_render
from infra.outbound_http import OutboundFailed, OutboundRefused, outbound_request
from networks.providers.base import retry_after_seconds

from .models import Delivery, DeliveryAttempt, Endpoint, Event, secret_generate
from .selectors import endpoints_for
from .signing import signed_headers

logger = logging.getLogger(__name__)

RETRY_DELAYS = (
    dt.timedelta(seconds=5),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=5),
    dt.timedelta(hours=10),
    dt.timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.1  # up to 10 % later, for delays of minutes or more: endpoints that failed together retry apart
MAX_RETRY_AFTER = dt.timedelta(hours=10)
QUEUED_RETRY_MAX = dt.timedelta(minutes=10)  # shorter retries are queued with a countdown; longer ones by the sweep
CLAIM_TIMEOUT = dt.timedelta(minutes=5)  # far above SEND_DEADLINE: a live worker has always finished by then
DISABLE_AFTER = dt.timedelta(hours=24)
SEND_TIMEOUT = (3.0, 10.0)  # connect, read (seconds)
SEND_DEADLINE = 15.0
RESPONSE_MAX_BYTES = 4096  # we read only the status; a little of the body is kept for nobody
DUE_BATCH = 500
ERROR_LENGTH = 300


@dataclass(frozen=True)
class NewEvent:
    data: dict
    ordering_key: str = ""
    subject_user_id: int | None = None


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _enqueue(delivery_ids: Iterable[int]) -> None:
    from .tasks import delivery_send_task

    for delivery_id in delivery_ids:
        delivery_send_task.delay(delivery_id)


def _enqueue_later(delivery_id: int, delay: dt.timedelta) -> None:
    from .tasks import delivery_send_task

    delivery_send_task.apply_async((delivery_id,), countdown=delay.total_seconds())


def events_record(*, event_type: str, events: list[NewEvent], now: dt.datetime | None = None) -> list[int]:
    """Write the events and one delivery per subscribed active endpoint; return the delivery ids.

    Joins the caller's transaction (a savepoint), so the rows commit with the news or not at all; the
    deliveries are queued for sending after the commit. Nothing is written when no endpoint listens.
    """
    endpoints = endpoints_for(event_type=event_type)
    if not endpoints or not events:
        return []
    now = now or timezone.now()
    with transaction.atomic():
        rows = Event.objects.bulk_create(
            [
                Event(
                    type=event_type,
                    body=json.dumps(
                        {"type": event_type, "timestamp": _iso(now), "data": event.data}, separators=(",", ":")
                    ),
                    ordering_key=event.ordering_key,
                    subject_user_id=event.subject_user_id,
                    created_at=now,
                )
                for event in events
            ]
        )
        deliveries = Delivery.objects.bulk_create(
            [
                Delivery(
                    endpoint=endpoint,
                    event=row,
                    ordering_key=row.ordering_key,
                    batch=rows[0].pk,
                    next_attempt_at=now,
                    created_at=now,
                )
                for row in rows
                for endpoint in endpoints
            ]
        )
        ids = [delivery.pk for delivery in deliveries]
        transaction.on_commit(lambda: _enqueue(ids))
    return ids


def _older_in_line() -> Exists:
    """A delivery of an older batch with the same ordering key to the same endpoint that has not settled yet."""
    return Exists(
        Delivery.objects.filter(
            endpoint_id=OuterRef("endpoint_id"),
            ordering_key=OuterRef("ordering_key"),
            batch__lt=OuterRef("batch"),
            status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING],
        )
    )


def _sendable() -> Q:
    return Q(ordering_key="") | Q(~_older_in_line())


def _retry_delay(attempts: int, retry_after: dt.timedelta | None) -> dt.timedelta:
    delay = RETRY_DELAYS[attempts - 1]
    if delay >= dt.timedelta(minutes=5):
        delay += delay * random.uniform(0, JITTER)  # noqa: S311 (spreading retries, not a secret)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


def _retry_after(response) -> dt.timedelta | None:
    if response is None or response.status_code not in (429, 503):
        return None
    seconds = retry_after_seconds(response.headers.get("Retry-After"))
    return dt.timedelta(seconds=seconds) if seconds is not None else None


@dataclass(frozen=True)
class SendResult:
    delivered: bool
    status_code: int | None
    error: str


def delivery_send(*, delivery_id: int, now: dt.datetime | None = None) -> SendResult | None:
    """Claim one due delivery, POST it signed to its endpoint through infra.outbound_http, record the outcome.

    Returns None (and sends nothing) when the delivery is not ours to send: not due, already claimed or
    settled, its endpoint switched off, or an older delivery in its line still unsettled. Idempotent and safe
    to call from several workers. Never raises for the receiver's faults: they are recorded and retried.
    """
    now = now or timezone.now()
    claimed = (
        Delivery.objects.filter(
            pk=delivery_id, status=Delivery.Status.PENDING, next_attempt_at__lte=now, endpoint__is_active=True
        )
        .filter(_sendable())
        .update(status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("endpoint", "event").get(pk=delivery_id)
    endpoint, event = delivery.endpoint, delivery.event
    headers = signed_headers(
        secret=endpoint.secret, message_id=event.message_id, timestamp=int(now.timestamp()), body=event.body
    )
    started = time.monotonic()
    response = None
    try:
        response = outbound_request(
            "POST",
            endpoint.url,
            data=event.body.encode(),
            headers=headers,
            timeout=SEND_TIMEOUT,
            deadline=SEND_DEADLINE,
            max_bytes=RESPONSE_MAX_BYTES,
            truncate=True,
            allow_redirects=False,
        )
        delivered = 200 <= response.status_code < 300
        result = SendResult(delivered, response.status_code, "" if delivered else f"HTTP {response.status_code}")
    except OutboundRefused as exc:
        result = SendResult(False, None, exc.message)
    except OutboundFailed as exc:
        result = SendResult(False, None, f"{exc.message} ({exc.reason})")
    duration_ms = round((time.monotonic() - started) * 1000)
    _delivery_record(delivery, result, retry_after=_retry_after(response), now=now, duration_ms=duration_ms)
    return result


@transaction.atomic
def _delivery_record(
    delivery: Delivery, result: SendResult, *, retry_after: dt.timedelta | None, now: dt.datetime, duration_ms: int
) -> None:
    DeliveryAttempt.objects.create(
        delivery=delivery,
        at=now,
        duration_ms=duration_ms,
        status_code=result.status_code,
        error=result.error[:ERROR_LENGTH],
        delivered=result.delivered,
    )
    common = {"last_status_code": result.status_code, "last_error": result.error[:ERROR_LENGTH], "last_attempt_at": now}
    mine = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING, claimed_at=now)
    endpoint_id = delivery.endpoint_id
    if result.delivered:
        mine.update(status=Delivery.Status.DELIVERED, delivered_at=now, claimed_at=None, **common)
        Endpoint.objects.filter(pk=endpoint_id, failing_since__isnull=False).update(failing_since=None)
        _next_in_line(delivery)
        return
    if delivery.attempts >= MAX_ATTEMPTS:
        mine.update(status=Delivery.Status.FAILED, claimed_at=None, **common)
        _next_in_line(delivery)
    else:
        delay = _retry_delay(delivery.attempts, retry_after)
        mine.update(status=Delivery.Status.PENDING, claimed_at=None, next_attempt_at=now + delay, **common)
        if delay <= QUEUED_RETRY_MAX:  # the minute sweep is too coarse for a 5-second retry
            transaction.on_commit(lambda: _enqueue_later(delivery.pk, delay))
    Endpoint.objects.filter(pk=endpoint_id, failing_since__isnull=True).update(failing_since=now)
    if Endpoint.objects.filter(pk=endpoint_id, is_active=True, failing_since__lte=now - DISABLE_AFTER).exists():
        endpoint_disable(
            endpoint_id=endpoint_id,
            reason=f"No successful delivery for over {DISABLE_AFTER.total_seconds() / 3600:.0f} hours "
            f"(last error: {result.error}).",
            now=now,
        )


def _next_in_line(delivery: Delivery) -> None:
    """The settled delivery may let the next batch of its line go: queue it now rather than at the next sweep
    (its deliveries still wait, by their claim, while others of this batch are unsettled)."""
    if not delivery.ordering_key:
        return
    line = Delivery.objects.filter(
        endpoint_id=delivery.endpoint_id, ordering_key=delivery.ordering_key, status=Delivery.Status.PENDING
    )
    following = line.filter(batch__gt=delivery.batch).order_by("batch").values_list("batch", flat=True).first()
    if following:
        ids = list(line.filter(batch=following).values_list("pk", flat=True))
        transaction.on_commit(lambda: _enqueue(ids))


def deliveries_send_due(*, now: dt.datetime | None = None, limit: int = DUE_BATCH) -> int:
    """Queue the deliveries that are due (retries, and any whose queued task was lost); returns how many.

    Releases claims older than CLAIM_TIMEOUT first (a worker died mid-send: the attempt is made again,
    with the same webhook-id). Idempotent: queuing a delivery twice sends it once (the claim).
    """
    now = now or timezone.now()
    Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT).update(
        status=Delivery.Status.PENDING, claimed_at=None, next_attempt_at=now
    )
    due = list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now, endpoint__is_active=True)
        .filter(_sendable())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    _enqueue(due)
    return len(due)


def delivery_resend(*, delivery_ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """Send delivered or failed deliveries again, with the same webhook-id and body and a fresh round of retries;
    bring pending ones forward to now. Returns how many were put back in the queue. Deliveries being sent are
    left alone. Sent after the commit (an endpoint that is switched off gets them when switched on)."""
    now = now or timezone.now()
    ids = list(delivery_ids)
    with transaction.atomic():
        settled = Delivery.objects.filter(
            pk__in=ids, status__in=[Delivery.Status.DELIVERED, Delivery.Status.FAILED]
        ).update(status=Delivery.Status.PENDING, attempts=0, next_attempt_at=now, claimed_at=None)
        waiting = Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PENDING, next_attempt_at__gt=now).update(
            next_attempt_at=now
        )
        transaction.on_commit(lambda: _enqueue(sorted(ids)))
    return settled + waiting


def endpoint_create(*, url: str, events: list[str], owner: User | None, description: str = "") -> Endpoint:
    """A new active endpoint with a freshly generated secret (the caller shows it once)."""
    return Endpoint.objects.create(
        url=url, events=sorted(set(events)), owner=owner, description=description, secret=secret_generate()
    )


def endpoint_update(*, endpoint: Endpoint, fields: dict, now: dt.datetime | None = None) -> Endpoint:
    """Change an endpoint's settings. Switching it on again clears its failure record and sends what waited."""
    now = now or timezone.now()
    was_active = Endpoint.objects.filter(pk=endpoint.pk, is_active=True).exists()
    for name, value in fields.items():
        setattr(endpoint, name, sorted(set(value)) if name == "events" else value)
    if endpoint.is_active and not was_active:
        endpoint.failing_since = endpoint.disabled_at = None
        endpoint.disabled_reason = ""
        Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.PENDING, next_attempt_at__gt=now).update(
            next_attempt_at=now
        )
        transaction.on_commit(lambda: deliveries_send_due())
    endpoint.save()
    return endpoint


def endpoint_secret_rotate(*, endpoint: Endpoint) -> str:
    """Replace the signing secret; returns the new one (shown once). Attempts from now on use it."""
    endpoint.secret = secret_generate()
    endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint.secret


def endpoint_disable(*, endpoint_id: int, reason: str, now: dt.datetime | None = None) -> bool:
    """Switch an endpoint off and tell its owner by email (after the commit). Only the caller that switches it
    off sends the email; returns whether that was this caller."""
    now = now or timezone.now()
    won = Endpoint.objects.filter(pk=endpoint_id, is_active=True).update(
        is_active=False, disabled_at=now, disabled_reason=reason[:300], updated_at=now
    )
    if won:
        transaction.on_commit(lambda: _endpoint_disabled_mail(endpoint_id))
    return bool(won)


def _endpoint_disabled_mail(endpoint_id: int) -> None:
    from django.conf import settings
    from django.urls import reverse

    endpoint = Endpoint.objects.select_related("owner").filter(pk=endpoint_id).first()
    if endpoint is None:
        return
    if endpoint.owner and endpoint.owner.is_active and endpoint.owner.email:
        to = [endpoint.owner.email]
    else:
        to = list(User.objects.filter(is_active=True, is_superuser=True).values_list("email", flat=True))
    if not to:
        logger.warning("Webhook endpoint %s was switched off and nobody could be told", endpoint_id)
        return
    waiting = endpoint.deliveries.filter(status=Delivery.Status.PENDING).count()
    subject, text, html = email_render(
        templates="webhooks/email/endpoint_disabled",
        context={
            "endpoint": endpoint,
            "waiting": waiting,
            "admin_url": settings.SITE_URL + reverse("admin:webhooks_endpoint_change", args=[endpoint.pk]),
        },
    )
    try:
        email_message(subject=subject, text=text, html=html, to=to, kind="webhook-disabled").send()
    except Exception:  # the endpoint stays off; the admin shows why
        logger.exception("Could not email the owner of webhook endpoint %s", endpoint_id)


def events_erase_for(*, user_id: int) -> int:
    """Delete the events about a person (and their deliveries): webhook bodies keep no personal data after an
    erasure. Idempotent."""
    deleted, _ = Event.objects.filter(subject_user_id=user_id).delete()
    return deleted
