"""Writes for campaigns and suggested posts. Each function is one transaction."""

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from . import selectors, tasks
from .images import sanitised_image
from .models import (
    OPEN_VERSION_STATUSES,
    Campaign,
    PostImageRendition,
    PostStatus,
    PostTransition,
    PostVariant,
    PostVersion,
    PostVersionVariant,
    SuggestedPost,
    VersionStatus,
)
from .signals import post_image_stored, post_published
from .uploads import KEPT_UPLOAD_MAX_AGE, KEPT_UPLOAD_SALT, KEPT_UPLOADS_DIR

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
    if to == PostStatus.PUBLISHED:
        _announce_published(locked.pk)
    post.refresh_from_db()
    return locked


def _announce_published(post_id: int) -> None:
    for receiver, outcome in post_published.send_robust(sender=SuggestedPost, post_id=post_id):
        if isinstance(outcome, Exception):  # the post is published all the same; only that news is lost
            logger.error("post_published receiver %r failed", receiver, exc_info=outcome)


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
                _announce_published(post.pk)
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
def post_draft_create(
    *,
    campaign: Campaign,
    title: str,
    target_url: str,
    texts: dict[str, str],
    by,
    suggested_by=None,
    image=None,
    image_alt: str = "",
) -> SuggestedPost:
    """A draft post with one copy variant per network in `texts`, checked as the admin form checks it.

    `image`: a stored image file name to share (a suggestion's), or "" for none. Raises ValidationError
    (nothing stored) when a field or a variant does not pass its checks.
    """
    post = SuggestedPost(
        campaign=campaign,
        title=title.strip()[:200],
        target_url=target_url.strip(),
        image=image or "",
        image_alt=image_alt,
        created_by=by,
        suggested_by=suggested_by,
    )
    post.full_clean(exclude=["image"])
    post.save()
    for network, text in texts.items():
        variant = PostVariant(post=post, network=network, text=text)
        variant.full_clean()
        variant.save()
    if post.image:
        post_renditions_build(post=post)
    return post


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


# --- corrections of a published post: versions of its copy with their own approval ---------------------------


@transaction.atomic
def post_version_start(*, post: SuggestedPost, by) -> PostVersion:
    """Open a correction of a published post's copy: a draft version holding the live copy to edit.

    The first correction also records the live copy as version 1, so the history shows what went out before.
    Idempotent: while a version is open (draft, submitted or rejected) that one is returned. Nothing the
    employees see changes until the new version is approved. Raises ValidationError for a post not published.
    """
    locked = SuggestedPost.objects.select_for_update().get(pk=post.pk)
    if locked.status != PostStatus.PUBLISHED:
        raise ValidationError(
            {"status": "Only a published post's copy is corrected as a new version; edit this post directly."}
        )
    open_version = locked.versions.filter(status__in=OPEN_VERSION_STATUSES).first()
    if open_version is not None:
        return open_version
    live_variants = [(v.network, v.text) for v in locked.variants.all()]
    if not locked.versions.exists():
        first = PostVersion.objects.create(
            post=locked,
            number=locked.copy_version,
            status=VersionStatus.LIVE,
            disclaimer=locked.disclaimer,
            note="as first published",
            created_by=locked.created_by,
            created_at=locked.created_at,
        )
        PostVersionVariant.objects.bulk_create(
            [PostVersionVariant(version=first, network=n, text=t) for n, t in live_variants]
        )
    number = max(locked.copy_version, *locked.versions.values_list("number", flat=True)) + 1
    version = PostVersion.objects.create(
        post=locked, number=number, status=VersionStatus.DRAFT, disclaimer=locked.disclaimer, created_by=by
    )
    PostVersionVariant.objects.bulk_create(
        [PostVersionVariant(version=version, network=n, text=t) for n, t in live_variants]
    )
    return version


@transaction.atomic
def post_version_transition(*, version: PostVersion, to: str, by, reason: str = "") -> PostVersion:
    """Move a correction one step: submit, approve (it goes live), reject (with a reason) or withdraw.

    Locks the post and the version, so two reviewers cannot both decide. The full text of every variant is
    checked at submit and approve; under four-eyes approval whoever made or submitted the version cannot
    approve it. Approving writes the version's copy and disclaimer onto the post (the copy employees see
    and new shares use), supersedes the previous live version and records it in the post's workflow history.
    Shares already made keep their text and the version number they were made with.
    Raises ValidationError (changing nothing) for a move that is not allowed.
    """
    post = SuggestedPost.objects.select_for_update().get(pk=version.post_id)
    locked = PostVersion.objects.select_for_update().get(pk=version.pk)
    locked.check_transition(to)
    now = timezone.now()
    fields = ["status"]
    if to == VersionStatus.REJECTED:
        if not reason.strip():
            raise ValidationError({"rejection_reason": "Say why the correction is rejected, so its author can fix it."})
        locked.rejection_reason = reason.strip()
        fields += ["rejection_reason", "decided_by", "decided_at"]
        locked.decided_by, locked.decided_at = by, now
    if to in (VersionStatus.SUBMITTED, VersionStatus.LIVE):
        if not locked.variants.exists():
            raise ValidationError({"status": "A version needs the copy for at least one network."})
        problems = locked.copy_problems()
        if problems:
            raise ValidationError({"status": problems}, code="too_long")
    if to == VersionStatus.SUBMITTED:
        locked.submitted_by, locked.submitted_at, locked.rejection_reason = by, now, ""
        fields += ["submitted_by", "submitted_at", "rejection_reason"]
    if to == VersionStatus.LIVE:
        if post.status != PostStatus.PUBLISHED:
            raise ValidationError({"status": "The post is no longer published; this correction cannot go live."})
        if settings.FOUR_EYES_APPROVAL and (by is None or by.pk in selectors.post_version_authors(version=locked)):
            raise ValidationError(
                {"status": "Four-eyes approval is on: someone other than the version's author must approve it."},
                code="four_eyes",
            )
        _post_version_go_live(post=post, version=locked, by=by, now=now)
        locked.decided_by, locked.decided_at = by, now
        fields += ["decided_by", "decided_at"]
    locked.status = to
    locked.save(update_fields=fields)
    version.refresh_from_db()
    return locked


def _post_version_go_live(*, post: SuggestedPost, version: PostVersion, by, now) -> None:
    post.versions.filter(status=VersionStatus.LIVE).update(status=VersionStatus.SUPERSEDED)
    wanted = {v.network: v.text for v in version.variants.all()}
    post.variants.exclude(network__in=wanted).delete()
    for network, text in wanted.items():
        post.variants.update_or_create(network=network, defaults={"text": text})
    post.disclaimer = version.disclaimer
    post.copy_version = version.number
    post.save(update_fields=["disclaimer", "copy_version", "updated_at"])
    PostTransition.objects.create(
        post=post,
        from_status=post.status,
        to_status=post.status,
        by=by,
        at=now,
        reason=f"copy version {version.number} approved and live" + (f": {version.note}" if version.note else ""),
    )


def post_version_submit(*, version: PostVersion, by) -> PostVersion:
    return post_version_transition(version=version, to=VersionStatus.SUBMITTED, by=by)


def post_version_approve(*, version: PostVersion, by) -> PostVersion:
    return post_version_transition(version=version, to=VersionStatus.LIVE, by=by)


def post_version_reject(*, version: PostVersion, by, reason: str) -> PostVersion:
    return post_version_transition(version=version, to=VersionStatus.REJECTED, by=by, reason=reason)


def post_version_withdraw(*, version: PostVersion, by) -> PostVersion:
    return post_version_transition(version=version, to=VersionStatus.WITHDRAWN, by=by)


# --- the CSV import (campaigns.post_csv): drafts whose fields the admin's forms have checked --------------------


def post_draft_store(*, post: SuggestedPost, by) -> SuggestedPost:
    """Store a new post as a draft, made by `by`. The caller has validated it (the admin's form)."""
    post.status = PostStatus.DRAFT
    post.created_by = by if getattr(by, "pk", None) else None
    post.save()
    return post


def post_variant_add(*, variant: PostVariant) -> PostVariant:
    """Store one network's copy of a draft post, checked again against its network's limit first."""
    variant.full_clean()
    variant.save()
    return variant


# --- an image chosen on a form that failed: kept for the next try ----------------------------------------------


def post_image_keep(*, image, original_name: str) -> str:
    """Store a checked, re-encoded image that a failed save would lose; return a signed token naming it.

    The post form carries the token in a hidden field and saves that image with the post on the next try
    (selectors.kept_image_load). Kept files older than KEPT_UPLOAD_MAX_AGE are removed here, on the way.
    """
    _kept_uploads_prune()
    stem, _, ext = (getattr(image, "name", "") or "image.jpg").rpartition(".")
    stored = default_storage.save(f"{KEPT_UPLOADS_DIR}/{secrets.token_urlsafe(12)}.{ext or 'jpg'}", image)
    return signing.dumps({"file": stored, "name": original_name[:200]}, salt=KEPT_UPLOAD_SALT, compress=True)


def _kept_uploads_prune() -> None:
    try:
        _, files = default_storage.listdir(KEPT_UPLOADS_DIR)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - dt.timedelta(seconds=KEPT_UPLOAD_MAX_AGE * 2)
    for name in files:
        path = f"{KEPT_UPLOADS_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except (FileNotFoundError, NotImplementedError):
            continue
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
