"""Writes for campaigns and suggested posts. Each function is one transaction."""

import logging
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from . import selectors, tasks
from .images import sanitised_image
from .models import Campaign, PostImageRendition, PostStatus, PostTransition, SuggestedPost
from .signals import post_image_stored

logger = logging.getLogger(__name__)


# The full text (copy, disclaimer, short link) is checked again at each of these steps, whatever path led here.
CHECKED_ON_THE_WAY_OUT = (PostStatus.SUBMITTED, PostStatus.APPROVED, PostStatus.PUBLISHED)


@transaction.atomic
def post_transition(*, post: SuggestedPost, to: str, by, reason: str = "") -> SuggestedPost:
    """Move a post one step through the workflow and record who did it.

    Locks the row, so two reviewers cannot both move the same post. Raises
    ValidationError (and changes nothing) for a move the workflow does not allow.
    """
    locked = SuggestedPost.objects.select_for_update().get(pk=post.pk)
    locked.check_transition(to)
    if to == PostStatus.REJECTED and not reason.strip():
        raise ValidationError({"rejection_reason": "Say why the post is rejected, so its author can fix it."})
    if to == PostStatus.SUBMITTED and not locked.variants.exists():
        raise ValidationError({"status": "Add the copy for at least one network before submitting."})
    if to in CHECKED_ON_THE_WAY_OUT:
        problems = locked.copy_problems()
        if problems:
            raise ValidationError({"status": problems}, code="too_long")
    if to == PostStatus.APPROVED and settings.FOUR_EYES_APPROVAL:
        _check_four_eyes(post=locked, by=by)
    now = timezone.now()
    fields = ["status", "updated_at"]
    if to == PostStatus.PUBLISHED and locked.publish_at > now:
        locked.publish_at = now  # "publish now"
        fields.append("publish_at")
    if to == PostStatus.REJECTED:
        locked.rejection_reason = reason.strip()
        fields.append("rejection_reason")
    elif to in (PostStatus.SUBMITTED, PostStatus.APPROVED):
        locked.rejection_reason = ""
        fields.append("rejection_reason")
    step = PostTransition.objects.create(
        post=locked, from_status=locked.status, to_status=to, by=by, at=now, reason=reason
    )
    if to in (PostStatus.APPROVED, PostStatus.REJECTED):
        transaction.on_commit(partial(tasks.notify_post_decision.delay, step.pk))
    locked.status = to
    locked.save(update_fields=fields)
    post.refresh_from_db()
    return locked


def _check_four_eyes(*, post: SuggestedPost, by) -> None:
    if by is None or by.pk in selectors.post_authors(post=post):
        raise ValidationError(
            {"status": "Four-eyes approval is on: someone other than the post's author must approve it."},
            code="four_eyes",
        )


def post_submit(*, post: SuggestedPost, by) -> SuggestedPost:
    return post_transition(post=post, to=PostStatus.SUBMITTED, by=by)


def post_approve(*, post: SuggestedPost, by) -> SuggestedPost:
    return post_transition(post=post, to=PostStatus.APPROVED, by=by)


def post_reject(*, post: SuggestedPost, by, reason: str) -> SuggestedPost:
    return post_transition(post=post, to=PostStatus.REJECTED, by=by, reason=reason)


def post_publish(*, post: SuggestedPost, by) -> SuggestedPost:
    return post_transition(post=post, to=PostStatus.PUBLISHED, by=by)


def post_archive(*, post: SuggestedPost, by) -> SuggestedPost:
    return post_transition(post=post, to=PostStatus.ARCHIVED, by=by)


PUBLISHED_ON_SCHEDULE = "published on schedule"


def publish_due_posts(*, now=None) -> int:
    """Publish approved posts whose publish time has come; only approved ones, never drafts or submitted.

    Idempotent: each post is claimed with a conditional update, so two runs never both publish it. A post
    whose full text no longer fits (the short-link domain changed) stays approved and is logged, not sent out.
    Its history entry says "published on schedule".
    """
    now = now or timezone.now()
    due = SuggestedPost.objects.filter(status=PostStatus.APPROVED, publish_at__lte=now).prefetch_related("variants")
    moved = 0
    for post in due:
        problems = post.copy_problems()
        if problems:
            logger.warning("Post %s not published on schedule: %s", post.pk, " ".join(problems))
            continue
        with transaction.atomic():
            claimed = SuggestedPost.objects.filter(pk=post.pk, status=PostStatus.APPROVED).update(
                status=PostStatus.PUBLISHED, updated_at=now
            )
            if claimed:
                PostTransition.objects.create(
                    post_id=post.pk,
                    from_status=PostStatus.APPROVED,
                    to_status=PostStatus.PUBLISHED,
                    by=None,
                    at=now,
                    reason=PUBLISHED_ON_SCHEDULE,
                )
                moved += 1
    return moved


@transaction.atomic
def post_image_set(*, post: SuggestedPost, upload, renditions_now: bool = False) -> None:
    """Store a cleaned copy of the upload (no EXIF) and announce it; renditions follow (post_renditions_build).

    Raises ValidationError for anything that is not a sound image within the limits; the post keeps its
    old image and renditions then. `renditions_now`: build them before returning (the demo seed), instead of
    in a worker after commit.
    """
    clean = sanitised_image(upload, name=getattr(upload, "name", "image"))
    post.image.save(clean.name, clean, save=False)
    post.save(update_fields=["image", "updated_at"])
    post_renditions_build(post=post, now=renditions_now)


@transaction.atomic
def post_renditions_build(*, post: SuggestedPost, now: bool = False) -> None:
    """The post's image changed: drop its renditions (they show the old image) and announce the new one.

    The networks app sizes it, in a worker after commit (or before returning with `now`); until then a
    share builds the rendition it needs on the fly. Idempotent.
    """
    post.renditions.all().delete()
    post_image_stored.send(sender=SuggestedPost, post=post, now=now)


@dataclass(frozen=True)
class Rendition:
    """One encoded size of a post's image, named by the network it fits (or "generic")."""

    name: str
    data: bytes
    width: int
    height: int


@transaction.atomic
def post_renditions_replace(
    *, post: SuggestedPost, renditions: list[Rendition], source: str | None = None
) -> list[PostImageRendition]:
    """Store exactly these renditions for the post (the old ones are deleted). Transactional.

    `source`: the image name they were made from; if the post's image changed since (a newer upload
    whose own build is on its way), nothing is stored and [] is returned, so a slow build never
    overwrites a newer one. The post row is locked, so two builds do not interleave.
    """
    current = SuggestedPost.objects.select_for_update().filter(pk=post.pk).values_list("image", flat=True).first()
    if current is None or (source is not None and current != source):
        return []
    post.renditions.all().delete()
    made = []
    for r in renditions:
        row = PostImageRendition(post=post, network=r.name, width=r.width, height=r.height, bytes=len(r.data))
        row.image.save(f"post{post.pk}-{r.name}.jpg", ContentFile(r.data), save=False)
        row.save()
        made.append(row)
    return made


@transaction.atomic
def post_duplicate(*, post: SuggestedPost, by, campaign: Campaign | None = None) -> SuggestedPost:
    """A draft copy of the post with its copy variants and topics (the image file is shared)."""
    copy = SuggestedPost.objects.create(
        campaign=campaign or post.campaign,
        title=f"{post.title} (copy)"[:200],
        target_url=post.target_url,
        image=post.image.name if post.image else "",
        image_alt=post.image_alt,
        publish_at=post.publish_at,
        expires_at=post.expires_at,
        employees_may_edit=post.employees_may_edit,
        disclaimer=post.disclaimer,
        is_featured=post.is_featured,
        created_by=by,
    )
    copy.topics.set(post.topics.all())
    for variant in post.variants.all():
        copy.variants.create(network=variant.network, text=variant.text)
    if copy.image:
        post_renditions_build(post=copy)
    return copy


@transaction.atomic
def campaign_duplicate(*, campaign: Campaign, by) -> Campaign:
    """A draft copy of the campaign and all its posts (as drafts)."""
    base_slug = f"{campaign.utm_campaign}-copy"[:90]
    slug, n = base_slug, 1
    while Campaign.objects.filter(utm_campaign=slug).exists():
        n += 1
        slug = f"{base_slug}-{n}"
    copy = Campaign.objects.create(
        name=f"{campaign.name} (copy)"[:200],
        narrative=campaign.narrative,
        goal_metric=campaign.goal_metric,
        goal_target=campaign.goal_target,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        audience_languages=list(campaign.audience_languages),
        hashtags=campaign.hashtags,
        utm_campaign=slug,
        owner=by,
    )
    copy.audience_teams.set(campaign.audience_teams.all())
    copy.audience_locations.set(campaign.audience_locations.all())
    for post in campaign.posts.all():
        duplicate = post_duplicate(post=post, by=by, campaign=copy)
        duplicate.title = post.title
        duplicate.save(update_fields=["title"])
    return copy


def campaign_launch(*, campaign: Campaign) -> None:
    """Take a draft campaign live: it is scheduled, then active, as its dates say."""
    if campaign.archived_at:
        raise ValidationError("An archived campaign cannot be launched.")
    Campaign.objects.filter(pk=campaign.pk, launched_at__isnull=True).update(launched_at=timezone.now())
    campaign.refresh_from_db()


@transaction.atomic
def campaign_archive(*, campaign: Campaign, by) -> None:
    """Archive the campaign and every post in it that is not archived yet."""
    Campaign.objects.filter(pk=campaign.pk, archived_at__isnull=True).update(archived_at=timezone.now())
    for post in campaign.posts.exclude(status=PostStatus.ARCHIVED):
        post_transition(post=post, to=PostStatus.ARCHIVED, by=by)
    campaign.refresh_from_db()


# --- Creating and editing (the API; the admin's forms do the same through ModelAdmin) ------------------------

# Once approved, a post's content is what was approved: only its schedule and featuring may change.
POST_LOCKED_STATUSES = (PostStatus.APPROVED, PostStatus.PUBLISHED, PostStatus.ARCHIVED)
POST_CONTENT_FIELDS = ("campaign", "title", "target_url", "image_alt", "disclaimer", "employees_may_edit")
CAMPAIGN_FIELDS = (
    "name", "narrative", "goal_metric", "goal_target", "starts_at", "ends_at",
    "audience_languages", "hashtags", "utm_campaign", "owner",
)  # fmt: skip


def _full_clean(obj, *, exclude: list[str] | None = None) -> None:
    obj.full_clean(exclude=exclude, validate_unique=True)


@transaction.atomic
def campaign_create(*, by, audience_teams=(), audience_locations=(), **fields) -> Campaign:
    """A draft campaign (not launched). Raises ValidationError, storing nothing, for invalid fields."""
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise ValidationError({name: "Not a campaign field." for name in unknown})
    fields.setdefault("owner", by)
    campaign = Campaign(**fields)
    _full_clean(campaign)
    campaign.save()
    campaign.audience_teams.set(audience_teams)
    campaign.audience_locations.set(audience_locations)
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, audience_teams=None, audience_locations=None, **fields) -> Campaign:
    """Change a campaign's fields (an archived one is read-only). Raises ValidationError, changing nothing."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.archived_at:
        raise ValidationError("An archived campaign cannot be changed.")
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise ValidationError({name: "Not a campaign field." for name in unknown})
    for name, value in fields.items():
        setattr(locked, name, value)
    _full_clean(locked)
    locked.save()
    if audience_teams is not None:
        locked.audience_teams.set(audience_teams)
    if audience_locations is not None:
        locked.audience_locations.set(audience_locations)
    return locked


def _variants_set(*, post: SuggestedPost, variants: dict[str, str]) -> None:
    from .models import PostVariant

    post.variants.exclude(network__in=list(variants)).delete()
    for network, text in variants.items():
        variant = post.variants.filter(network=network).first() or PostVariant(post=post, network=network)
        variant.text = text
        variant.full_clean(exclude=["post"], validate_unique=False)
        variant.save()


@transaction.atomic
def post_create(*, by, campaign: Campaign, variants: dict[str, str], topics=(), **fields) -> SuggestedPost:
    """A draft post with its copy per network (each checked against its network's limit, with the disclaimer).

    Raises ValidationError, storing nothing, for invalid fields or copy. The image is set separately
    (`post_image_set`), with the same checks as the admin's upload.
    """
    if campaign.archived_at:
        raise ValidationError({"campaign": "This campaign is archived: add posts to a live one."})
    post = SuggestedPost(campaign=campaign, created_by=by, **fields)
    _full_clean(post, exclude=["image"])
    post.save()
    post.topics.set(topics)
    _variants_set(post=post, variants=variants)
    return post


@transaction.atomic
def post_update(*, post: SuggestedPost, variants: dict[str, str] | None = None, topics=None, **fields) -> SuggestedPost:
    """Change a post. Its content (fields and copy) is locked once approved, as in the admin; the schedule and
    featuring stay editable. Raises ValidationError, changing nothing."""
    locked = SuggestedPost.objects.select_for_update().get(pk=post.pk)
    if locked.status in POST_LOCKED_STATUSES:
        frozen = sorted(set(fields) & set(POST_CONTENT_FIELDS)) + (["variants"] if variants is not None else [])
        if frozen:
            raise ValidationError(
                {name: f"A {locked.get_status_display().lower()} post's content cannot change." for name in frozen}
            )
    for name, value in fields.items():
        setattr(locked, name, value)
    _full_clean(locked, exclude=["image"])
    locked.save()
    if topics is not None:
        locked.topics.set(topics)
    if variants is not None:
        _variants_set(post=locked, variants=variants)
    return locked


def post_image_replace(*, post: SuggestedPost, upload) -> None:
    """The editor's upload: refused on an approved (or later) post, whose content is what was approved; else
    checked and stored as `post_image_set` does. Raises ValidationError, keeping the old image."""
    if post.status in POST_LOCKED_STATUSES:
        raise ValidationError({"image": f"A {post.get_status_display().lower()} post's image cannot change."})
    try:
        post_image_set(post=post, upload=upload)
    except ValidationError as exc:
        raise ValidationError({"image": exc.messages}) from None
