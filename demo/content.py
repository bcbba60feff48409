"""Topics, campaigns and their posts: copy fitted to each network, images, workflow history.

Everything goes through the services the admin uses (campaign_launch, campaign_archive,
post_transition, post_image_set), so the demo exercises the real rules: every variant passes
its network's limit, every workflow step is recorded.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from accounts.models import Team, User
from campaigns.models import Campaign, PostStatus, PostVariant, SuggestedPost, Topic
from campaigns.networks import Network
from campaigns.services import campaign_archive, campaign_launch, post_image_set, post_transition

from .data import CampaignSpec, PostSpec, content, organisation
from .images import post_image
from .result import ProgressCallback, SeedResult


def topics_seed(*, result: SeedResult) -> dict[str, Topic]:
    topics = {}
    for name in content().topics:
        topics[name], created = Topic.objects.get_or_create(name=name)
        result.add("topics", int(created))
    return topics


def campaigns_seed(
    *, staff: list[User], teams: dict[str, Team], now: dt.datetime, result: SeedResult, progress: ProgressCallback
) -> dict[str, Campaign]:
    """The campaigns, owned in turn by the admin and the content managers (staff)."""
    specs = content().campaigns
    campaigns = {}
    for done, spec in enumerate(specs, start=1):
        campaign = Campaign.objects.filter(utm_campaign=spec.utm_campaign).first()
        if campaign is None:
            with transaction.atomic():
                campaign = Campaign(
                    name=spec.name,
                    narrative=spec.narrative,
                    goal_metric=spec.goal_metric,
                    goal_target=spec.goal_target,
                    starts_at=_day_start(now, spec.starts_in_days),
                    ends_at=_day_start(now, spec.ends_in_days),
                    hashtags=spec.hashtags,
                    utm_campaign=spec.utm_campaign,
                    owner=staff[done % len(staff)],
                )
                campaign.full_clean()
                campaign.save()
                campaign.audience_teams.set([teams[name] for name in spec.audience_teams])
                if spec.launched:
                    campaign_launch(campaign=campaign)
            result.add("campaigns")
        campaigns[spec.utm_campaign] = campaign
        progress("Campaigns", done, len(specs))
    return campaigns


def _day_start(now: dt.datetime, days: int) -> dt.datetime:
    """Midnight UTC `days` from now, so demo dates read like real campaign dates."""
    day = (now + dt.timedelta(days=days)).date()
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def posts_seed(
    *,
    campaigns: dict[str, Campaign],
    topics: dict[str, Topic],
    staff: list[User],
    now: dt.datetime,
    result: SeedResult,
    progress: ProgressCallback,
) -> None:
    """The posts: written by one content manager, reviewed by the other; the admin archives."""
    admin, *managers = staff
    specs = content().campaigns
    total = sum(len(spec.posts) for spec in specs)
    done = 0
    for spec in specs:
        campaign = campaigns[spec.utm_campaign]
        for index, post_spec in enumerate(spec.posts):
            author, reviewer = managers[index % 2], managers[(index + 1) % 2]
            created = post_seed(
                campaign=campaign,
                spec=spec,
                post_spec=post_spec,
                index=index,
                topics=topics,
                author=author,
                reviewer=reviewer,
                now=now,
            )
            result.add("posts", int(created))
            done += 1
            progress("Posts", done, total)
        # After the posts, so that they are archived with recorded transitions.
        if spec.archived and campaign.archived_at is None:
            campaign_archive(campaign=campaign, by=admin)


@transaction.atomic
def post_seed(
    *,
    campaign: Campaign,
    spec: CampaignSpec,
    post_spec: PostSpec,
    index: int,
    topics: dict[str, Topic],
    author: User,
    reviewer: User,
    now: dt.datetime,
) -> bool:
    """Create one post with its copy, image and workflow history; False if it already exists."""
    if SuggestedPost.objects.filter(campaign=campaign, title=post_spec.title).exists():
        return False
    org = organisation()
    publish_at, expires_at = _post_times(campaign=campaign, post_spec=post_spec, index=index, now=now)
    post = SuggestedPost(
        campaign=campaign,
        title=post_spec.title,
        target_url=f"{org.site}{post_spec.path}",  # the short link adds the UTM tags
        image_alt=f"“{post_spec.title}” in white on a {spec.colour} gradient" if post_spec.image else "",
        publish_at=publish_at,
        expires_at=expires_at,
        employees_may_edit=index % 3 != 2,
        disclaimer=post_spec.disclaimer,
        is_featured=post_spec.featured,
        created_by=author,
    )
    post.full_clean()
    post.save()
    post.topics.set([topics[name] for name in post_spec.topics])
    for network, candidates in variant_candidates(post_spec=post_spec, hashtags=spec.hashtags, index=index).items():
        variant_fitted(post=post, network=network, candidates=candidates).save()
    if post_spec.image:
        image = post_image(title=post_spec.title, campaign=spec.name, company=org.company, palette=spec.palette)
        upload = ContentFile(image, name=f"{spec.utm_campaign}-{index + 1}.jpg")
        # Renditions now, not in a worker: the demo is complete when the seed returns.
        post_image_set(post=post, upload=upload, renditions_now=True)
    for step in _workflow(post_spec.state):
        reason = content().rejection_reason if step == PostStatus.REJECTED else ""
        post_transition(post=post, to=step, by=author if step == PostStatus.SUBMITTED else reviewer, reason=reason)
    return True


def _post_times(
    *, campaign: Campaign, post_spec: PostSpec, index: int, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime | None]:
    """Posts of a running campaign went out over its past days; others follow its start."""
    if post_spec.state == "upcoming":
        publish_at = now + dt.timedelta(days=2)
    elif campaign.starts_at <= now:
        latest = min(now, campaign.ends_at) - dt.timedelta(hours=1)
        publish_at = max(campaign.starts_at, latest - dt.timedelta(hours=9 * index))
    else:
        publish_at = campaign.starts_at + dt.timedelta(hours=9 + 24 * index)
    expires_at = campaign.ends_at if campaign.ends_at > publish_at else None
    return publish_at, expires_at


WORKFLOWS: dict[str, list[PostStatus]] = {
    "draft": [],
    "submitted": [PostStatus.SUBMITTED],
    "rejected": [PostStatus.SUBMITTED, PostStatus.REJECTED],
    "approved": [PostStatus.SUBMITTED, PostStatus.APPROVED],
    "upcoming": [PostStatus.SUBMITTED, PostStatus.APPROVED],
    "published": [PostStatus.SUBMITTED, PostStatus.APPROVED, PostStatus.PUBLISHED],
}


def _workflow(state: str) -> list[PostStatus]:
    return WORKFLOWS[state]


def variant_candidates(*, post_spec: PostSpec, hashtags: str, index: int) -> dict[str, list[str]]:
    """Copy per network, longest first: the first candidate that fits the network is used."""
    headline, detail = post_spec.headline, post_spec.detail
    closings = content().linkedin_closings
    closing = closings[index % len(closings)]
    first_tag = hashtags.split()[0] if hashtags else ""
    return {
        Network.LINKEDIN: [f"{headline}\n\n{detail}\n\n{closing}\n\n{hashtags}".strip()],
        Network.X: [f"{headline} {hashtags}".strip(), f"{headline} {first_tag}".strip(), headline],
        Network.MASTODON: [f"{headline}\n\n{detail}\n\n{hashtags}".strip(), f"{headline}\n\n{hashtags}", headline],
        Network.BLUESKY: [f"{headline}\n\n{hashtags}".strip(), headline],
        Network.GENERIC: [f"{headline} {detail}"],
    }


def variant_fitted(*, post: SuggestedPost, network: str, candidates: list[str]) -> PostVariant:
    """The first candidate copy that passes the network's rules (with disclaimer and short link)."""
    error: ValidationError | None = None
    for text in candidates:
        variant = PostVariant(post=post, network=network, text=text)
        try:
            variant.full_clean()
        except ValidationError as exc:
            error = exc
            continue
        return variant
    assert error is not None
    raise error
