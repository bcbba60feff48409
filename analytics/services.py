"""Writes for analytics.

Clicks: `clicks_ingest` classifies raw clicks and stores each exactly once; `clicks_drain`
moves them from the Redis buffer into the database; `click_privacy_purge` forgets old salts
and visitor hashes.
"""

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass, field
from importlib import import_module
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from redis.exceptions import RedisError

from campaigns.models import Campaign, GoalMetric
from shortlinks import buffer
from shortlinks.buffer import RawClick
from shortlinks.models import ShortLink

from .agents import BOT, HUMAN, PREVIEW, agent_classify, printable
from .models import (
    CampaignGoalReached,
    Click,
    ClickRollup,
    DailyVisitor,
    FilteredHit,
    FilteredReason,
    ParkedClick,
    VisitorSalt,
)
from .rollup_models import SHARE_FIELDS, DailyRollup
from .rollups import rollup_clicks_add, rollup_clicks_adjust, rollup_day
from .signals import campaign_goal_reached, clicks_counted

logger = logging.getLogger(__name__)

DRAIN_BATCH = 500
SALT_KEEP_DAYS = 2  # today's and yesterday's salt: a late drain can still hash yesterday's clicks
FILTERED_KEEP_DAYS = 90
_persistence_checked = [False]  # once per process: the worker's start-up warning


@dataclass
class IngestResult:
    clicks: int = 0
    unique: int = 0
    self_clicks: int = 0
    filtered: dict[str, int] = field(default_factory=dict)
    already_stored: int = 0
    orphaned: int = 0  # the link was deleted before the drain
    per_link: dict[int, "LinkClickCounts"] = field(default_factory=dict)  # counted clicks only


@dataclass
class LinkClickCounts:
    """New counted clicks on one link: `clicks` (human, not the owner's own) and `unique_clicks` (those that count)."""

    clicks: int = 0
    unique_clicks: int = 0

    def add(self, other: "LinkClickCounts") -> None:
        self.clicks += other.clicks
        self.unique_clicks += other.unique_clicks


def _referrer_host(referer: str) -> str:
    try:
        host = urlsplit(referer).hostname or ""
    except ValueError:
        return ""
    return printable(host, 255)


def _salts_for(days: set[dt.date]) -> dict[dt.date, bytes]:
    salts = {}
    for day in days:
        salt, _ = VisitorSalt.objects.get_or_create(day=day, defaults={"secret": secrets.token_hex(32)})
        salts[day] = bytes.fromhex(salt.secret)
    return salts


def visitor_hash(*, salt: bytes, link_id: int, ip: str, user_agent: str) -> str:
    """Plausible-style: keyed by the day's secret salt, so the same visitor is a new hash tomorrow."""
    message = f"{link_id}\x1f{ip}\x1f{user_agent}".encode("utf-8", "replace")
    return hashlib.blake2b(message, key=salt, digest_size=16).hexdigest()


def _session_user_ids(session_keys: set[str]) -> dict[str, str]:
    """Which user each session belongs to (signed in), read through the configured session engine."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    owners = {}
    for key in session_keys:
        if not (key.isascii() and key.isprintable()) or " " in key:
            continue  # not a key any session engine hands out (and NUL would upset PostgreSQL)
        try:
            with transaction.atomic():  # a savepoint: a failed lookup must not spoil the batch
                user_id = store(session_key=key).get(SESSION_KEY)
        except Exception:  # a forged or garbled cookie is just an anonymous visitor
            logger.debug("Unreadable session key in a click", exc_info=True)
            user_id = None
        if user_id is not None:
            owners[key] = str(user_id)
    return owners


def _insert_visitors(rows: list[tuple[int, dt.date, str]]) -> set[tuple[int, str]]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: the (link, hash) pairs that were new.

    The unique index decides, so concurrent drains or fallback writers agree on who was first.
    """
    if not rows:
        return set()
    table = connection.ops.quote_name(DailyVisitor._meta.db_table)
    rows = sorted(rows)  # one lock order for drains running side by side
    inserted: set[tuple[int, str]] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 300):
            chunk = rows[start : start + 300]
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))
            params: list = []
            for link_id, day, digest in chunk:
                params += [link_id, connection.ops.adapt_datefield_value(day), digest]
            cursor.execute(
                f"INSERT INTO {table} (link_id, day, visitor_hash) VALUES {values} "  # noqa: S608 (names are ours)
                "ON CONFLICT (link_id, day, visitor_hash) DO NOTHING RETURNING link_id, visitor_hash",
                params,
            )
            inserted.update((int(link_id), digest) for link_id, digest in cursor.fetchall())
    return inserted


ROLLUP_FIELDS = ("clicks", "unique_clicks", "self_clicks", "previews", "filtered")


def _rollups_add(increments: dict[tuple[int, dt.datetime], dict[str, int]]) -> None:
    """Add to the hourly rollups with one upsert per chunk (increments, never overwrites)."""
    if not increments:
        return
    table = connection.ops.quote_name(ClickRollup._meta.db_table)
    columns = ", ".join(ROLLUP_FIELDS)
    updates = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in ROLLUP_FIELDS)
    items = sorted(increments.items())  # one lock order for drains running side by side
    with connection.cursor() as cursor:
        for start in range(0, len(items), 300):
            chunk = items[start : start + 300]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            params: list = []
            for (link_id, hour), counts in chunk:
                params += [link_id, connection.ops.adapt_datetimefield_value(hour)]
                params += [counts.get(name, 0) for name in ROLLUP_FIELDS]
            cursor.execute(
                f"INSERT INTO {table} (link_id, hour, {columns}) VALUES {values} "  # noqa: S608 (names are ours)
                f"ON CONFLICT (link_id, hour) DO UPDATE SET {updates}",
                params,
            )


def _filter_reason(click: RawClick, kind: str) -> str | None:
    if click.method.upper() == "HEAD":
        return FilteredReason.HEAD
    if click.prefetch:
        return FilteredReason.PREFETCH
    if kind == PREVIEW:
        return FilteredReason.PREVIEW
    if kind == BOT:
        return FilteredReason.BOT
    return None


@transaction.atomic
def clicks_ingest(*, events: list[RawClick]) -> IngestResult:
    """Classify raw clicks and store each one exactly once: a Click or a FilteredHit, plus rollups.

    Transactional and idempotent: events whose id is already stored are skipped, so a batch
    written but not acknowledged (a crash) can be replayed safely; the unique event_id
    columns back this up against concurrent replays (IntegrityError, nothing written).
    Raw IPs and session keys are used here and dropped: only salted hashes are stored.
    """
    result = IngestResult()
    unique_events = list({event.event_id: event for event in events}.values())
    ids = [event.event_id for event in unique_events]
    done = set(Click.objects.filter(event_id__in=ids).values_list("event_id", flat=True))
    done |= set(FilteredHit.objects.filter(event_id__in=ids).values_list("event_id", flat=True))
    result.already_stored = len(done)
    # By time; ties keep the order they came in (the stream's order): the first click of a visitor is its unique one.
    pending = sorted((e for e in unique_events if e.event_id not in done), key=lambda e: e.at_ms)
    owners = dict(ShortLink.objects.filter(pk__in={e.link_id for e in pending}).values_list("pk", "user_id"))
    result.orphaned = sum(1 for e in pending if e.link_id not in owners)
    pending = [e for e in pending if e.link_id in owners]
    if not pending:
        return result

    rollups: dict[tuple[int, dt.datetime], dict[str, int]] = {}
    hits, humans = [], []
    for event in pending:
        at = dt.datetime.fromtimestamp(event.at_ms / 1000, tz=dt.UTC)
        agent = agent_classify(event.user_agent)
        reason = _filter_reason(event, agent.kind)
        bucket = rollups.setdefault((event.link_id, at.replace(minute=0, second=0, microsecond=0)), {})
        if reason is None:
            humans.append((event, at, agent))
            continue
        hits.append(
            FilteredHit(
                link_id=event.link_id,
                event_id=event.event_id,
                at=at,
                reason=reason,
                agent=agent.name if agent.kind != HUMAN else "",
            )
        )
        counter = "previews" if reason == FilteredReason.PREVIEW else "filtered"
        bucket[counter] = bucket.get(counter, 0) + 1
        result.filtered[reason] = result.filtered.get(reason, 0) + 1

    salts = _salts_for({at.date() for _, at, _ in humans})
    session_owner = _session_user_ids({event.session_key for event, _, _ in humans if event.session_key})
    keyed = [
        (
            event,
            at,
            agent,
            visitor_hash(salt=salts[at.date()], link_id=event.link_id, ip=event.ip, user_agent=event.user_agent),
        )
        for event, at, agent in humans
    ]
    new_visitors = _insert_visitors([(event.link_id, at.date(), digest) for event, at, _, digest in keyed])
    clicks = []
    for event, at, agent, digest in keyed:
        key = (event.link_id, digest)
        is_unique = key in new_visitors
        new_visitors.discard(key)  # later clicks of the same visitor in this batch are repeats
        is_self = session_owner.get(event.session_key) == str(owners[event.link_id])
        clicks.append(
            Click(
                link_id=event.link_id,
                event_id=event.event_id,
                clicked_at=at,
                is_unique=is_unique,
                is_self_click=is_self,
                referrer_host=_referrer_host(event.referer),
                device_class=agent.device_class,
                browser_family=agent.browser_family,
                os_family=agent.os_family,
            )
        )
        bucket = rollups[(event.link_id, at.replace(minute=0, second=0, microsecond=0))]
        if is_self:
            bucket["self_clicks"] = bucket.get("self_clicks", 0) + 1
            result.self_clicks += 1
        else:
            bucket["clicks"] = bucket.get("clicks", 0) + 1
            bucket["unique_clicks"] = bucket.get("unique_clicks", 0) + int(is_unique)
            result.clicks += 1
            result.unique += int(is_unique)
            counts = result.per_link.setdefault(event.link_id, LinkClickCounts())
            counts.clicks += 1
            counts.unique_clicks += int(is_unique)
    Click.objects.bulk_create(clicks)
    FilteredHit.objects.bulk_create(hits)
    _rollups_add(rollups)
    rollup_clicks_add(increments=rollups)  # the daily rows the dashboards read (analytics/rollups.py)
    return result


def _ingest_settled(events: list[RawClick]) -> IngestResult:
    """clicks_ingest, read again once when another writer stored one of these ids meanwhile.

    The other writer is the redirect's direct write of a click whose XADD timed out but ran after
    all, or a drain that claimed a batch from one it took for dead. The unique event_id columns made
    this batch roll back whole; on the second read the stored ids are skipped. A deadlock between two
    drains (PostgreSQL picks one to fail) is retried the same way.
    """
    try:
        return clicks_ingest(events=events)
    except IntegrityError:
        logger.info("Some of %d clicks were stored meanwhile by another writer; storing the rest", len(events))
        return clicks_ingest(events=events)
    except OperationalError as exc:
        if "deadlock" not in str(exc):
            raise
        logger.info("Click ingest met another drain in a deadlock; storing %d clicks again", len(events))
        return clicks_ingest(events=events)


def _parked_row(event: RawClick) -> ParkedClick:
    def clean(value: str) -> str:
        return value.replace("\x00", "")  # PostgreSQL text refuses NUL; the stream kept it, the hash may differ

    return ParkedClick(
        event_id=event.event_id,
        link_id=event.link_id,
        at_ms=event.at_ms,
        ip=clean(event.ip),
        user_agent=clean(event.user_agent),
        referer=clean(event.referer),
        method=clean(event.method)[:16],
        prefetch=event.prefetch,
        session_key=clean(event.session_key),
    )


def clicks_park(*, events: list[RawClick]) -> None:
    """Park raw clicks the buffer could not take in one INSERT, for the drain to classify (clicks_drain).

    What the redirect pays during a Redis outage: no classification, no lookups. A click parked twice
    (the same id) is parked once.
    """
    if not events:
        return
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()  # the batcher thread's connection may predate a database restart
    ParkedClick.objects.bulk_create([_parked_row(event) for event in events], ignore_conflicts=True)


def _parked_event(row: ParkedClick) -> RawClick:
    return RawClick(
        event_id=row.event_id,
        link_id=row.link_id,
        at_ms=row.at_ms,
        ip=row.ip,
        user_agent=row.user_agent,
        referer=row.referer,
        method=row.method,
        prefetch=row.prefetch,
        session_key=row.session_key,
    )


def parked_clicks_drain(*, batch_size: int, max_batches: int, counted: dict[int, LinkClickCounts]) -> int:
    """Classify and store parked clicks, deleting each row in the transaction that stores it.

    Drains run side by side: each takes rows no other drain has locked (SKIP LOCKED). A click stored
    meanwhile from the stream (the same id) is skipped by the ingest and its row deleted all the same.
    Each committed batch's new counted clicks are added to `counted`, per link.
    """
    handled = 0
    for _ in range(max_batches):
        with transaction.atomic():
            rows = list(ParkedClick.objects.select_for_update(skip_locked=True).order_by("pk")[:batch_size])
            if not rows:
                break
            stored = _ingest_settled([_parked_event(row) for row in rows])
            ParkedClick.objects.filter(pk__in=[row.pk for row in rows]).delete()
        _count_into(counted, stored)
        handled += len(rows)
    return handled


def clicks_drain(*, batch_size: int = DRAIN_BATCH, max_batches: int = 200) -> int:
    """Move buffered and parked clicks into the database; returns how many events were handled.

    Parked clicks first (they need no Redis), then the stream, read as a consumer group: any number of
    drains run side by side, Redis giving each new entry to one of them. A batch (batch_size entries of up to
    buffer.ENTRY_CLICKS clicks) is stored batch_size clicks a transaction, and only after the last of them
    acknowledged and deleted from the stream: a crash before the commit
    leaves the batch pending (the same process reads it again first; another drain claims it after
    CLAIM_IDLE_SECONDS); a crash after it replays the batch, which clicks_ingest skips by event id.
    Without Redis configured only the parked clicks are drained; with Redis down, the stream waits.
    After its last batch it sends `analytics.signals.clicks_counted` once, with the new counted clicks
    per link of every batch it committed (also when a later batch failed).
    """
    counted: dict[int, LinkClickCounts] = {}
    try:
        handled = parked_clicks_drain(batch_size=batch_size, max_batches=max_batches, counted=counted)
        client = buffer.get_client(ignore_breaker=True)
        if client is None:
            return handled
        try:
            return handled + _stream_drain(client, batch_size=batch_size, max_batches=max_batches, counted=counted)
        except RedisError as exc:
            logger.warning("Click drain could not read the buffer (%s); %d parked clicks drained", exc, handled)
            return handled
    finally:
        if counted:
            _announce_counted(counted)


def _count_into(counted: dict[int, LinkClickCounts], stored: IngestResult) -> None:
    for link_id, counts in stored.per_link.items():
        counted.setdefault(link_id, LinkClickCounts()).add(counts)


def _announce_counted(counted: dict[int, LinkClickCounts]) -> None:
    """Tell the apps above about a drain's counted clicks; a failing receiver never fails the drain."""
    for receiver, outcome in clicks_counted.send_robust(sender=Click, counts=counted):
        if isinstance(outcome, Exception):
            logger.error("clicks_counted receiver %r failed", receiver, exc_info=outcome)


def _stream_drain(client, *, batch_size: int, max_batches: int, counted: dict[int, LinkClickCounts]) -> int:
    if not _persistence_checked[0]:
        _persistence_checked[0] = True
        if buffer.persistence_enabled(client) is False:
            logger.warning(
                "The click buffer's Redis has no persistence (appendonly no): undrained clicks are lost "
                "when it restarts. Run it with appendonly yes, appendfsync everysec (docs/operations.md)."
            )
    buffer.stream_ensure_group(client)
    consumer = buffer.drain_consumer()
    handled = 0
    for _ in range(max_batches):
        entries = buffer.stream_read(client, consumer=consumer, count=batch_size)
        if not entries:
            break
        events: list[RawClick] = []
        junk = []
        for entry_id, fields in entries:
            try:
                events.extend(RawClick.from_entry(entry_id, fields))
            except (KeyError, ValueError):
                junk.append(entry_id)
        if junk:
            logger.warning("Dropping %d malformed click buffer entries", len(junk))
        # An entry holds up to buffer.ENTRY_CLICKS clicks: store them batch_size at a time, acknowledge after all.
        for start in range(0, len(events), batch_size):
            _count_into(counted, _ingest_settled(events[start : start + batch_size]))
        buffer.stream_ack(client, [entry_id for entry_id, _ in entries])
        handled += len(events) + len(junk)
    buffer.stream_forget_idle_consumers(client)
    return handled


def clicks_record_now(*, events: list[RawClick]) -> None:
    """The fallback when there is no buffer at all: store clicks straight away (classification included).

    Idempotent on each click's id: when the buffered copy of the same click (an XADD that timed
    out but ran) is drained too, it is stored once.
    """
    _ingest_settled(events)


def click_record_now(*, event: RawClick) -> None:
    """clicks_record_now for one click."""
    clicks_record_now(events=[event])


def click_privacy_purge(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete salts older than yesterday (old hashes can then never be linked to a visitor again),
    visitor hashes older than yesterday, and filtered hits past their retention. Idempotent."""
    today = (now or timezone.now()).astimezone(dt.UTC).date()
    keep_from = today - dt.timedelta(days=SALT_KEEP_DAYS - 1)
    salts, _ = VisitorSalt.objects.filter(day__lt=keep_from).delete()
    visitors, _ = DailyVisitor.objects.filter(day__lt=keep_from).delete()
    cutoff = (now or timezone.now()) - dt.timedelta(days=FILTERED_KEEP_DAYS)
    filtered, _ = FilteredHit.objects.filter(at__lt=cutoff).delete()
    return {"salts": salts, "visitors": visitors, "filtered": filtered}


@transaction.atomic
def click_reclassify(*, click_id: int, to: str, agent: str = "") -> bool:
    """Correct a stored click: `to="self"` marks it as the owner's own, `to="bot"` turns it into a
    FilteredHit. Rollups follow. Idempotent (False when there was nothing to change).

    The click then drops out of Click.objects.counting(); the leaderboard's periodic sync
    notices and reverses the points it earned.
    """
    if to not in ("self", "bot"):
        raise ValueError(f"Cannot reclassify a click as {to!r}: use 'self' or 'bot'.")
    click = Click.objects.select_for_update().filter(pk=click_id).first()
    if click is None or (to == "self" and click.is_self_click):
        return False
    hour = click.clicked_at.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    change: dict[str, int] = {}
    if click.is_self_click:
        change["self_clicks"] = -1
    else:
        change["clicks"] = -1
        change["unique_clicks"] = -int(click.is_unique)
    if to == "self":
        change["self_clicks"] = 1
        click.is_self_click = True
        click.save(update_fields=["is_self_click"])
    else:
        change["filtered"] = 1
        FilteredHit.objects.create(
            link_id=click.link_id,
            event_id=click.event_id,
            at=click.clicked_at,
            reason=FilteredReason.BOT,
            agent=printable(agent, 64) or "reclassified",
        )
        click.delete()
    # The click's rollup row exists (it was written with the click): adjust it in place.
    ClickRollup.objects.filter(link_id=click.link_id, hour=hour).update(
        **{name: F(name) + delta for name, delta in change.items() if delta}
    )
    rollup_clicks_adjust(link_id=click.link_id, hour=hour, change=change)
    return True


# Goals reached in the last day of a campaign are still seen (the rollups of its last day settle after it).
GOAL_GRACE = dt.timedelta(days=1)
GOAL_FIELDS = {
    GoalMetric.CLICKS: ("unique_clicks",),
    GoalMetric.SHARES: SHARE_FIELDS,
    GoalMetric.ENGAGEMENT: ("likes", "reposts", "replies", "quotes"),
}


def campaign_goal_progress(*, campaign: Campaign) -> int:
    """The campaign's figure for its goal metric over its dates, as its dashboard page counts it. One query."""
    fields = GOAL_FIELDS[GoalMetric(campaign.goal_metric)]
    sums = DailyRollup.objects.filter(
        campaign_id=campaign.pk, day__gte=rollup_day(campaign.starts_at), day__lte=rollup_day(campaign.ends_at)
    ).aggregate(**{name: Sum(name) for name in fields})
    return sum(value or 0 for value in sums.values())


def campaign_goals_check(*, now: dt.datetime | None = None) -> list[int]:
    """Record each launched campaign that has reached its goal (target > 0) and was not recorded yet;
    returns their ids. Each is recorded once (a unique row) and announced with
    `analytics.signals.campaign_goal_reached` in the same transaction. Idempotent, safe to run concurrently.
    """
    now = now or timezone.now()
    candidates = (
        Campaign.objects.filter(
            launched_at__isnull=False,
            archived_at__isnull=True,
            goal_target__gt=0,
            starts_at__lte=now,
            ends_at__gt=now - GOAL_GRACE,
        )
        .exclude(goal_reached__isnull=False)
        .order_by("pk")
    )
    recorded = []
    for campaign in candidates:
        reached = campaign_goal_progress(campaign=campaign)
        if reached < campaign.goal_target:
            continue
        with transaction.atomic():
            _, created = CampaignGoalReached.objects.get_or_create(
                campaign=campaign,
                defaults={
                    "metric": campaign.goal_metric,
                    "target": campaign.goal_target,
                    "reached": reached,
                    "at": now,
                },
            )
            if created:
                campaign_goal_reached.send(
                    sender=CampaignGoalReached,
                    campaign_id=campaign.pk,
                    metric=campaign.goal_metric,
                    target=campaign.goal_target,
                    reached=reached,
                    at=now,
                )
                recorded.append(campaign.pk)
    return recorded
