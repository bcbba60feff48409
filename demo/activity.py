"""Activity: shares through share dialogs and published directly, the clicks and engagement they earned,
then points and leaderboards.

The demo's one reach into networks, shortlinks, analytics and the leaderboard: the clicks go
through analytics' own ingest (classified and hashed like real ones), engagement through the metrics
pull's own `metrics_record`, shares into the dashboards' rollups through the share sync, the points
through the leaderboard's own pull. So every dashboard (My impact, programme analytics) has a fortnight
of figures to show.
"""

import datetime as dt
import random
from decimal import Decimal

from django.core.exceptions import ValidationError

from accounts.models import User
from analytics.metrics import metrics_record
from analytics.models import Click, DailyRollup, EarnedMediaRate
from analytics.rollups import rollup_day, rollup_day_rebuild, rollup_shares_sync
from analytics.services import clicks_ingest
from campaigns.models import SuggestedPost
from leaderboard.services.awards import points_sync_clicks
from leaderboard.services.rebuild import leaderboards_rebuild
from networks.models import Share
from networks.providers.base import EngagementCounts
from networks.services.sharing import share_initial_text, share_text_build, share_text_is_personal
from shortlinks.buffer import RawClick
from shortlinks.services import link_get_or_create

from .data import traffic
from .result import ProgressCallback, SeedResult

ACTIVITY_SEED = 2026  # the same people share the same posts on every fresh database
INGEST_BATCH = 500
DIRECT_SHARE = 0.4  # of shares are published through a connected account (they get engagement figures)
PERSONAL_EVERY = 4  # every 4th direct share of an editable post starts with a line of the sharer's own
PERSONAL_LINES = (
    "I worked on this one and I am proud of it.",
    "Our customers asked for this for a long time, and here it is.",
    "My team spent months on this: have a look.",
)
# Demo advertising rates, so the earned media value (an estimate) has something to multiply.
DEMO_RATES = {"": (Decimal("1.20"), Decimal("8.00")), "linkedin": (Decimal("5.50"), Decimal("30.00"))}


def activity_seed(*, now: dt.datetime, result: SeedResult, progress: ProgressCallback) -> None:
    """Shares (share dialogs, and direct ones with engagement) and their clicks for most employees, the
    dashboards' rollups (through the ingest, the metrics record and the share sync), then points and leaderboards.

    Runs once: a database that already holds demo clicks is left alone (a later run would draw
    other people and posts after a deletion). Clicks carry fixed event ids and awarding is
    idempotent, so an interrupted first run completes without duplicates.
    """
    if Click.objects.filter(event_id__startswith="demo-").exists():
        rollups_fill(now=now, progress=progress)  # a demo seeded before the dashboards existed
        return
    posts = list(
        SuggestedPost.objects.current(now).select_related("campaign").prefetch_related("variants").order_by("pk")
    )
    people = list(User.objects.filter(is_active=True).order_by("pk"))
    if not posts or not people:
        return
    seen = traffic()
    rng = random.Random(ACTIVITY_SEED)
    events: list[RawClick] = []
    direct = 0
    answers: list[tuple[int, dt.datetime, int, bool]] = []  # direct share, published, likes at the end, views?
    for done, person in enumerate(people, start=1):
        progress("Activity", done, len(people))
        if rng.random() < 0.3:  # not everyone shares
            continue
        for post in rng.sample(posts, k=min(len(posts), rng.randint(1, 4))):
            network = rng.choice(seen.share_networks)
            link = link_get_or_create(user=person, post=post, network=network)
            variant = post.variant_for(network)
            hours_live = max(1, int((now - max(post.publish_at, now - dt.timedelta(days=14))).total_seconds() // 3600))
            text = variant.share_text(link.short_url) if variant else link.short_url
            if rng.random() < DIRECT_SHARE:
                published = now - dt.timedelta(hours=rng.randint(1, hours_live))
                direct += 1
                text, personalised = _direct_text(post, network, link.short_url, text, direct)
                share, created = Share.objects.get_or_create(
                    user=person,
                    post=post,
                    network=network,
                    route=Share.Route.DIRECT,
                    defaults={
                        "short_link": link,
                        "status": Share.Status.PUBLISHED,
                        "text": text,
                        "personalised": personalised,
                        "published_at": published,
                        "external_id": f"demo-{link.pk}",
                    },
                )
                if created:
                    answers.append((share.pk, published, rng.randint(2, 60), rng.random() < 0.7))
                hours_live = max(1, int((now - share.published_at).total_seconds() // 3600))  # clicks come after
            else:
                _, created = Share.objects.get_or_create(
                    user=person,
                    post=post,
                    network=network,
                    route=Share.Route.INTENT,
                    defaults={"short_link": link, "status": Share.Status.OPENED, "text": text},
                )
            result.add("shares", int(created))
            for n in range(int(rng.paretovariate(1.4) * 2)):
                agent = rng.choice(seen.non_humans) if rng.random() < 0.1 else rng.choice(seen.browsers)
                at = now - dt.timedelta(hours=rng.randint(0, hours_live), minutes=rng.randint(0, 59))
                events.append(
                    RawClick(
                        event_id=f"demo-{link.pk}-{n}",
                        link_id=link.pk,
                        at_ms=int(at.timestamp() * 1000),
                        ip=f"198.51.100.{rng.randint(1, 254)}",  # documentation range; never stored
                        user_agent=agent,
                        referer=seen.referrers[network],
                    )
                )
    for start in range(0, len(events), INGEST_BATCH):
        ingested = clicks_ingest(events=events[start : start + INGEST_BATCH])
        result.add("clicks", ingested.clicks)
    # Engagement as the metrics pull would have recorded it: an hour, a day and three days after publishing.
    for share_id, published, likes, views in answers:
        for after, share_of in ((dt.timedelta(hours=1), 0.3), (dt.timedelta(days=1), 0.8), (dt.timedelta(days=3), 1)):
            if published + after < now:
                grown = round(likes * share_of)
                counts = EngagementCounts(
                    likes=grown,
                    reposts=grown // 6,
                    replies=grown // 9,
                    quotes=grown // 20,
                    impressions=grown * 45 if views else None,
                )
                metrics_record(share_id=share_id, counts=counts, now=published + after)
    rollup_shares_sync(now=now)
    for network, (cpc, cpm) in DEMO_RATES.items():
        EarnedMediaRate.objects.get_or_create(network=network, defaults={"cost_per_click": cpc, "cost_per_mille": cpm})
    points_sync_clicks(since=now - dt.timedelta(days=30))
    leaderboards_rebuild(now=now)


def _direct_text(post: SuggestedPost, network: str, link: str, suggested: str, nth: int) -> tuple[str, bool]:
    """The text of the `nth` direct share and whether it is personalised, as the share page would record it:
    now and then the sharer adds a line of their own in front of the suggested copy (no random draw, so the
    rest of the demo stays the same)."""
    if not post.employees_may_edit or nth % PERSONAL_EVERY:
        return suggested, False
    line = PERSONAL_LINES[nth // PERSONAL_EVERY % len(PERSONAL_LINES)]
    typed = f"{line} {share_initial_text(post=post, network=network)}"
    try:
        full = share_text_build(post=post, network=network, text=typed, link=link)
    except ValidationError:  # the line would take the text over the network's limit: shared as suggested
        return suggested, False
    return full, share_text_is_personal(post=post, network=network, text=typed)


def rollups_fill(*, now: dt.datetime, progress: ProgressCallback) -> None:
    """Fill the dashboards' rollups of an existing demo from its raw rows (once: skipped when they exist)."""
    if DailyRollup.objects.exists():
        return
    last = rollup_day(now)
    days = [last - dt.timedelta(days=n) for n in range(30, -1, -1)]
    for done, day in enumerate(days, start=1):
        progress("Dashboards", done, len(days))
        rollup_day_rebuild(day=day)
    rollup_shares_sync(now=now)
