"""Seeding the demo organisation: the order of the steps, and what a complete demo holds.

Idempotent by natural keys (email, team name, location name, topic name, UTM slug,
campaign + post title): a second run creates nothing and changes nothing that exists.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from accounts.roles import sync_roles

from .activity import activity_seed
from .chat import chat_seed
from .community import community_posts_count, community_seed
from .content import campaigns_seed, posts_seed, topics_seed
from .data import content, organisation
from .people import demo_logins, organisation_seed, people_seed, staff_users
from .programme import programme_seed
from .result import ProgressCallback, SeedResult, progress_none


def seed_demo(
    *, progress: ProgressCallback | None = None, now: dt.datetime | None = None, activity: bool = True
) -> SeedResult:
    """Create the demo organisation, campaigns and posts; idempotent.

    With `activity`, employees have also shared through share dialogs and earned clicks (so the
    leaderboards and "my points" have something to show). Dates are relative to `now` at the
    first run; later runs leave them alone. Raises
    ValidationError if a piece of demo copy no longer fits a network's rules (a bug in the data).
    """
    progress = progress or progress_none
    now = now or timezone.now()
    result = SeedResult()
    sync_roles()
    teams, locations = organisation_seed(result=result)
    people_seed(teams=teams, locations=locations, result=result, progress=progress, now=now)
    topics = topics_seed(result=result)
    staff = staff_users()
    campaigns = campaigns_seed(staff=staff, teams=teams, now=now, result=result, progress=progress)
    posts_seed(campaigns=campaigns, topics=topics, staff=staff, now=now, result=result, progress=progress)
    if activity:
        activity_seed(now=now, result=result, progress=progress)
    community_seed(result=result)
    programme_seed(now=now, result=result)
    chat_seed(result=result)
    result.logins = demo_logins()
    return result


def demo_counts() -> dict[str, int]:
    """How many of each thing a complete demo holds (for tests and the docs). `posts`: the campaigns' own
    (`campaign_posts`), plus those made from an approved suggestion and from the careers feed's entries."""
    org, campaigns = organisation(), content().campaigns
    campaign_posts = sum(len(c.posts) for c in campaigns)
    return {
        "people": len(org.people),
        "teams": len(org.teams),
        "locations": len(org.locations),
        "topics": len(content().topics),
        "campaigns": len(campaigns),
        "campaign_posts": campaign_posts,
        "posts": campaign_posts + community_posts_count(),
        "posts_with_images": sum(p.image for c in campaigns for p in c.posts),
    }


def site_hint() -> str:
    return f"{settings.SITE_URL}/"
