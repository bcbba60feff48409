"""Activity: shares through share dialogs, the clicks they earned, then points and leaderboards.

The demo's one reach into networks, shortlinks, analytics and the leaderboard: the clicks go
through analytics' own ingest (classified and hashed like real ones), the points through the
leaderboard's own pull.
"""

import datetime as dt
import random

from accounts.models import User
from analytics.models import Click
from analytics.services import clicks_ingest
from campaigns.models import SuggestedPost
from leaderboard.services.awards import points_sync_clicks
from leaderboard.services.rebuild import leaderboards_rebuild
from networks.models import Share
from shortlinks.buffer import RawClick
from shortlinks.services import link_get_or_create

from .data import traffic
from .result import ProgressCallback, SeedResult

ACTIVITY_SEED = 2026  # the same people share the same posts on every fresh database
INGEST_BATCH = 500


def activity_seed(*, now: dt.datetime, result: SeedResult, progress: ProgressCallback) -> None:
    """Share-dialog shares and their clicks for most employees, then points and leaderboards.

    Runs once: a database that already holds demo clicks is left alone (a later run would draw
    other people and posts after a deletion). Clicks carry fixed event ids and awarding is
    idempotent, so an interrupted first run completes without duplicates.
    """
    if Click.objects.filter(event_id__startswith="demo-").exists():
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
    for done, person in enumerate(people, start=1):
        progress("Activity", done, len(people))
        if rng.random() < 0.3:  # not everyone shares
            continue
        for post in rng.sample(posts, k=min(len(posts), rng.randint(1, 4))):
            network = rng.choice(seen.share_networks)
            link = link_get_or_create(user=person, post=post, network=network)
            variant = post.variant_for(network)
            _, created = Share.objects.get_or_create(
                user=person,
                post=post,
                network=network,
                route=Share.Route.INTENT,
                defaults={
                    "short_link": link,
                    "status": Share.Status.OPENED,
                    "text": variant.share_text(link.short_url) if variant else link.short_url,
                },
            )
            result.add("shares", int(created))
            hours_live = max(1, int((now - max(post.publish_at, now - dt.timedelta(days=14))).total_seconds() // 3600))
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
    points_sync_clicks(since=now - dt.timedelta(days=30))
    leaderboards_rebuild(now=now)
