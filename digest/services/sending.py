"""Sending the digests: claim, compose, send over one connection per batch, record.

Guarantees
----------
* **At most one digest per employee and local day.** The send log's row (UNIQUE employee + local
  date) is claimed *before* the message goes out: inserted by this run, or moved RETRY → CLAIMED by a
  conditional update only one worker can win. Overlapping beat runs and two workers therefore split
  the employees between them; nobody is served twice.
* **At most once, not at least once.** A worker that dies after the SMTP server accepted a message but
  before the row says SENT leaves it CLAIMED, and CLAIMED is never sent again. The price is that in
  that rare crash the person misses that day's digest; a second copy of a daily email is the worse
  failure (it teaches people to unsubscribe), and the admin's figures show such rows as "claimed".
* **Transient SMTP trouble is retried without sending twice.** Only a message the server did not
  accept (4xx, connection refused or reset before its 250) is sent again, after a pause, over a new
  connection; what still fails is left RETRY and the next run (15 minutes later) sends it once.
* **A permanent 5xx for the address marks it undeliverable**: no digest goes there until the person's
  address changes. Other permanent refusals fail that day's digest only.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Field, Q
from django.utils import timezone

from accounts.models import EmployeeProfile
from programme.services import nudges_record

from ..models import DigestSend
from ..selectors import Recipient, RunFacts, batch_facts, recipients_due, run_facts, zone_of
from .content import Digest, digests_compose
from .rendering import digest_message

logger = logging.getLogger(__name__)


@dataclass
class RunResult:
    due: int = 0
    claimed: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retry: int = 0
    undeliverable: list[str] = field(default_factory=list)


def digests_send_due(
    *, now: dt.datetime | None = None, user_ids: list[int] | None = None, sleep: Callable[[float], None] = time.sleep
) -> RunResult:
    """Send the digests that are due now (the beat task every 15 minutes). Safe to run twice at once.

    Never raises for a mail server that is down or refuses: such digests are left RETRY or FAILED.
    """
    now = now or timezone.now()
    result = RunResult()
    due = recipients_due(now=now, window_minutes=settings.DIGEST_SEND_WINDOW_MINUTES, user_ids=user_ids)
    result.due = len(due)
    if not due:
        return result
    facts = run_facts(now=now)
    size = settings.DIGEST_BATCH_SIZE
    for start in range(0, len(due), size):
        digest_batch_send(facts=facts, recipients=due[start : start + size], result=result, sleep=sleep)
    return result


def digest_batches_due(*, now: dt.datetime) -> list[list[int]]:
    """The user ids due now, cut into batches of DIGEST_BATCH_SIZE: one Celery task each (ids only).

    Two queries. Nothing is claimed here: each batch task claims its own rows, so a batch enqueued
    twice, or run by two workers, still sends each digest at most once.
    """
    due = recipients_due(now=now, window_minutes=settings.DIGEST_SEND_WINDOW_MINUTES)
    ids = [r.user_id for r in due]
    size = settings.DIGEST_BATCH_SIZE
    return [ids[start : start + size] for start in range(0, len(ids), size)]


# One run's facts per worker process: a run's batches share `now`, so a worker serving several of
# them reads the posts, audiences and weekly board once. Kept for a few minutes at most.
_RUN_FACTS_TTL_S = 300.0
_run_facts_cache: dict[str, tuple[float, RunFacts]] = {}


def _run_facts_cached(now: dt.datetime) -> RunFacts:
    key = now.isoformat()
    hit = _run_facts_cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < _RUN_FACTS_TTL_S:
        return hit[1]
    facts = run_facts(now=now)
    _run_facts_cache.clear()
    _run_facts_cache[key] = (time.monotonic(), facts)
    return facts


def digest_batch_run(
    *, user_ids: list[int], now: dt.datetime, sleep: Callable[[float], None] = time.sleep
) -> RunResult:
    """One batch task: those of `user_ids` still due at `now` (no row yet, or one left for retry), claimed and sent.

    Safe to run twice, or on two workers at once: the claim lets one of them send each digest.
    """
    result = RunResult()
    due = recipients_due(now=now, window_minutes=settings.DIGEST_SEND_WINDOW_MINUTES, user_ids=user_ids)
    result.due = len(due)
    if due:
        digest_batch_send(facts=_run_facts_cached(now), recipients=due, result=result, sleep=sleep)
    return result


def _claim(recipients: list[Recipient], now: dt.datetime) -> list[tuple[Recipient, DigestSend]]:
    """Claim each recipient's row for their local date; return those this run holds."""
    run = uuid.uuid4().hex
    fresh = [r for r in recipients if r.retry_row_id is None]
    DigestSend.objects.bulk_create(
        [
            DigestSend(employee_id=r.user_id, local_date=r.local_date, claim=run, claimed_at=now, attempts=0)
            for r in fresh
        ],
        ignore_conflicts=True,
    )
    again = [r.retry_row_id for r in recipients if r.retry_row_id is not None]
    if again:
        DigestSend.objects.filter(pk__in=again, status=DigestSend.Status.RETRY).update(
            status=DigestSend.Status.CLAIMED, claim=run, claimed_at=now
        )
    rows = {
        (row.employee_id, row.local_date): row
        for row in DigestSend.objects.filter(claim=run, employee_id__in=[r.user_id for r in recipients])
    }
    return [(r, rows[(r.user_id, r.local_date)]) for r in recipients if (r.user_id, r.local_date) in rows]


def digest_batch_send(
    *, facts: RunFacts, recipients: list[Recipient], result: RunResult, sleep: Callable[[float], None] = time.sleep
) -> None:
    now = facts.now
    claimed = _claim(recipients, now)
    result.claimed += len(claimed)
    if not claimed:
        return
    rows = {r.user_id: row for r, row in claimed}
    holders = [r for r, _ in claimed]
    digests = digests_compose(facts=facts, batch=batch_facts(facts=facts, recipients=holders), recipients=holders)
    outgoing: list[tuple[Digest, DigestSend]] = []
    for digest in digests:
        row = rows[digest.recipient.user_id]
        if not digest.cards:
            row.status, row.reason = DigestSend.Status.SKIPPED, DigestSend.Reason.NOTHING_NEW
            result.skipped += 1
        else:
            row.post_ids, row.rank = digest.post_ids, digest.impact.rank
            outgoing.append((digest, row))
    _deliver(outgoing, result=result, sleep=sleep)
    _record(list(rows.values()))
    # The fortnight rule counts only lines people actually received.
    nudges_record(
        lines={
            d.recipient.user_id: d.programme.nudge
            for d, row in outgoing
            if d.programme.nudge and row.status == DigestSend.Status.SENT
        },
        now=now,
    )


_RECORDED = ("status", "reason", "sent_at", "message_id", "attempts", "error", "post_ids", "rank")


def _record(rows: list[DigestSend]) -> None:
    """Each row's outcome: one plain UPDATE per row (cheaper than bulk_update's CASE expressions), sent as
    one executemany in one transaction, so the batch pays one round trip and one commit, not one per row."""
    if not rows:
        return
    fields = [cast(Field, DigestSend._meta.get_field(name)) for name in _RECORDED]
    qn = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 (names from the model, quoted; values bound)
        qn(DigestSend._meta.db_table),
        ", ".join(f"{qn(f.column)} = %s" for f in fields),
        qn(DigestSend._meta.pk.column),
    )
    params = [[f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] + [row.pk] for row in rows]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _smtp_code(exc: BaseException) -> int | None:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return max(codes) if codes else None
    return getattr(exc, "smtp_code", None)


def _close(connection) -> None:
    try:
        connection.close()
    except (OSError, smtplib.SMTPException):
        connection.connection = None


def _deliver(outgoing: list[tuple[Digest, DigestSend]], *, result: RunResult, sleep: Callable[[float], None]) -> None:
    """Send over one connection (reopened after a transient failure), each message at most once accepted."""
    if not outgoing:
        return
    connection = get_connection()
    pending = list(outgoing)
    delays = list(settings.DIGEST_SMTP_RETRY_DELAYS)
    messages: dict[int, EmailMultiAlternatives] = {}
    undeliverable: list[tuple[int, str, str]] = []
    while pending:
        try:
            connection.open()
        except (OSError, smtplib.SMTPException) as exc:
            for _, row in pending:
                row.error = f"Could not reach the mail server: {exc}"
            if not delays:
                break
            sleep(delays.pop(0))
            continue
        still: list[tuple[Digest, DigestSend]] = []
        for index, (digest, row) in enumerate(pending):
            message = messages.get(row.pk) or digest_message(digest, connection=connection)
            messages[row.pk] = message
            message.connection = connection
            row.attempts += 1
            try:
                connection.send_messages([message])
            except smtplib.SMTPResponseException as exc:  # sender refused, data refused, …
                _refused(exc, digest, row, still, undeliverable)
            except smtplib.SMTPRecipientsRefused as exc:
                _refused(exc, digest, row, still, undeliverable)
            except (smtplib.SMTPException, OSError) as exc:  # disconnected, reset, timeout: not accepted
                row.error = f"Connection lost: {exc!r}"
                still.extend(pending[index:])
                break
            else:
                row.status, row.reason, row.error = DigestSend.Status.SENT, "", ""
                row.sent_at = timezone.now()
                row.message_id = message.extra_headers["Message-ID"]
                result.sent += 1
        _close(connection)
        pending = still
        if pending:
            if not delays:
                break
            sleep(delays.pop(0))
    for _, row in pending:
        row.status = DigestSend.Status.RETRY
        result.retry += 1
    for _, row in outgoing:
        if row.status == DigestSend.Status.FAILED:
            result.failed += 1
    if undeliverable:
        for user_id, email, reason in undeliverable:
            addresses_mark_undeliverable(emails=[email], reason=reason, user_ids=[user_id])
            result.undeliverable.append(email)


def _refused(exc, digest: Digest, row: DigestSend, still: list, undeliverable: list) -> None:
    code = _smtp_code(exc) or 0
    detail = str(exc)[:500]
    if 400 <= code < 500:
        row.error = f"Server busy ({code}): {detail}"
        still.append((digest, row))
        return
    row.status, row.error = DigestSend.Status.FAILED, f"Refused ({code}): {detail}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        row.reason = DigestSend.Reason.UNDELIVERABLE
        user = digest.recipient.profile.user
        undeliverable.append((user.pk, user.email, f"{code} {detail}"))
    else:
        row.reason = DigestSend.Reason.REJECTED


def addresses_mark_undeliverable(*, emails: list[str], reason: str, user_ids: list[int] | None = None) -> int:
    """Mark these addresses as bouncing: no digest goes to them until the person's address changes.

    Idempotent; unknown addresses are ignored. Account-security mail (password resets, sign-in
    codes) is not affected: it is sent by allauth, which never reads this flag. Returns the count marked.
    """
    wanted = {e.strip().lower() for e in emails if e and "@" in e}
    if not wanted:
        return 0
    condition = Q()
    for email in wanted:
        condition |= Q(user__email__iexact=email)
    profiles = EmployeeProfile.objects.filter(condition)
    if user_ids is not None:
        profiles = profiles.filter(user_id__in=user_ids)
    marked = 0
    for profile in profiles.select_related("user"):
        profile.undeliverable_email = profile.user.email
        profile.undeliverable_reason = reason[:500]
        profile.undeliverable_at = timezone.now()
        profile.save(update_fields=["undeliverable_email", "undeliverable_reason", "undeliverable_at"])
        marked += 1
    return marked


def digest_preview(*, user, now: dt.datetime | None = None) -> Digest:
    """The digest `user` would get if it were sent now (no claim, nothing logged; links created on need)."""
    now = now or timezone.now()
    profile = EmployeeProfile.objects.select_related("user").get(user=user)
    zone = zone_of(profile.time_zone)
    recipient = Recipient(profile=profile, local_date=now.astimezone(zone).date(), zone=zone)
    facts = run_facts(now=now)
    return digests_compose(facts=facts, batch=batch_facts(facts=facts, recipients=[recipient]), recipients=[recipient])[
        0
    ]


def digest_send_test(*, user, to: str, now: dt.datetime | None = None) -> tuple[Digest, str]:
    """Send `user`'s digest as it would be now to `to` (an admin trying it), outside the send log.

    Returns the digest and its Message-ID; raises the mail backend's error if the server refuses.
    """
    digest = digest_preview(user=user, now=now)
    message = digest_message(digest, to=to)
    message.subject = f"[Test] {message.subject}"
    message.send()
    return digest, message.extra_headers["Message-ID"]


def parse_bounce_list(text: str) -> tuple[list[str], list[str]]:
    """(addresses, items that are not addresses) from a bounce list: one per line, or comma separated."""
    good, bad = [], []
    for raw in text.replace(",", "\n").replace(";", "\n").splitlines():
        item = raw.strip().strip("<>").strip()
        if not item:
            continue
        try:
            validate_email(item)
        except ValidationError:
            bad.append(item)
        else:
            good.append(item.lower())
    return good, bad
