"""Writes for sharing a post: the text, image and link card that go out, and the share rows.

Nothing here talks to a network except the Open Graph fetch for link cards; publishing is
`networks.services.publishing`.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.selectors import policy_pending_for
from campaigns.images import inspect_image, rendition_bytes
from campaigns.models import SuggestedPost
from campaigns.networks import Network, compose_share_text, over_limit_message
from campaigns.selectors import posts_for_today
from campaigns.services import Rendition, post_renditions_replace
from shortlinks.services import link_get_or_create

from ..models import ConnectedAccount, Share
from ..opengraph import page_preview_fetch
from ..providers import ImageUpload, LinkCard, Permanent, get_provider
from ..providers.base import GENERIC_RENDITION, GENERIC_RENDITION_NAME, providers
from ..selectors import intent_instance_for, share_copy_text

# --- Share text, image and card -------------------------------------------------------------


def share_initial_text(*, post: SuggestedPost, network: str) -> str:
    """The editable text the share form starts with: the network's copy and the locked disclaimer."""
    variant = post.variant_for(network)
    return compose_share_text(variant.text if variant else post.title, disclaimer=post.disclaimer)


def share_text_build(*, post: SuggestedPost, network: str, text: str | None, link: str) -> str:
    """The full text that goes out (text + short link), or ValidationError saying what is wrong."""
    initial = share_initial_text(post=post, network=network)
    text = initial if text is None else text.replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError({"text": "The text cannot be empty."})
    if text != initial and not post.employees_may_edit:
        raise ValidationError({"text": "This post's text cannot be edited; share it as suggested."})
    disclaimer = post.disclaimer.strip()
    if disclaimer and disclaimer not in text:
        raise ValidationError({"text": f"The disclaimer “{disclaimer}” must stay in the text."})
    full = f"{text}\n{link}"
    message = over_limit_message(network, full)
    if message:
        raise ValidationError({"text": message})
    return full


PERSONAL_LINE_NUDGE = (
    "Add a line of your own: why it matters to you, what you worked on. Posts in people's own words "
    "reach further than the same copy from many colleagues. Or share it as suggested."
)


def share_text_is_personal(*, post: SuggestedPost, network: str, text: str | None) -> bool:
    """Whether the person changed the suggested text (more than spacing). None: the suggestion as it is."""
    if text is None:
        return False
    initial = share_initial_text(post=post, network=network)
    return " ".join(text.split()) != " ".join(initial.split())


def share_image(*, post: SuggestedPost, network: str) -> ImageUpload | None:
    """The post's image as the rendition that fits `network` (JPEG, re-encoded: no EXIF), or None.

    Raises ValidationError when even the rendition exceeds the network's limits.
    """
    if not post.image:
        return None
    provider = get_provider(network)
    limits = provider.limits
    rendition = post.renditions.filter(network=network).first()
    if rendition is not None:
        with rendition.image.open("rb") as fh:
            data = fh.read()
        width, height = rendition.width, rendition.height
    else:
        with post.image.open("rb") as fh:
            source = inspect_image(fh.read())
        data, width, height = rendition_bytes(source, provider.rendition_spec())
    label = provider.label
    if len(data) > limits.image_max_bytes:
        raise ValidationError(
            {"image": f"The image is {len(data):,} bytes; {label} accepts at most {limits.image_max_bytes:,}."}
        )
    if width * height > limits.image_max_pixels:
        raise ValidationError({"image": f"The image is {width}×{height} pixels; too large for {label}."})
    return ImageUpload(data=data, mime_type="image/jpeg", alt=post.image_alt, width=width, height=height)


def link_card_build(*, post: SuggestedPost, link: str, image: ImageUpload | None) -> LinkCard:
    """Title and description from the target page's Open Graph tags (falling back to the post)."""
    if not settings.SHARE_FETCH_OPEN_GRAPH:
        return LinkCard(url=link, title=post.title, thumbnail=image)
    preview = page_preview_fetch(url=post.target_url)
    return LinkCard(url=link, title=preview.title or post.title, description=preview.description, thumbnail=image)


def post_renditions_build(*, post: SuggestedPost) -> int:
    """(Re)build the post's image renditions: one per network with its own size, and the generic one.

    Idempotent (replaces what was there); no image → no renditions. Returns how many were stored.
    Connected to campaigns' `post_image_stored` signal: campaigns stores images, the providers know the sizes.
    """
    if not post.image:
        post_renditions_replace(post=post, renditions=[], source="")
        return 0
    image_name = post.image.name
    with post.image.open("rb") as fh:
        source = inspect_image(fh.read())
    specs = {p.network: p.rendition for p in providers() if p.rendition is not None}
    specs[GENERIC_RENDITION_NAME] = GENERIC_RENDITION
    renditions = [Rendition(name, *rendition_bytes(source, spec)) for name, spec in specs.items()]
    return len(post_renditions_replace(post=post, renditions=renditions, source=image_name))


# --- Creating shares -----------------------------------------------------------------------


def _shareable_post(*, user, post: SuggestedPost) -> None:
    pending = policy_pending_for(user=user)
    if pending is not None:
        raise ValidationError(
            f"Please read and acknowledge the social media policy (version {pending.version}) before you share: "
            "open it from the Guidelines page or from My settings."
        )
    if not posts_for_today(user=user).filter(pk=post.pk).exists():
        raise ValidationError("This post is not available to share (it may have expired or been withdrawn).")


def direct_account_for(*, user, network: str) -> ConnectedAccount | None:
    """The user's account that can publish on `network` now, when the network allows direct posting."""
    if not get_provider(network).posts_directly():
        return None
    for account in ConnectedAccount.objects.filter(user=user, network=network).order_by("-updated_at"):
        if account.can_publish:
            return account
    return None


@transaction.atomic
def share_direct_create(
    *,
    user,
    post: SuggestedPost,
    network: str,
    text: str | None = None,
    scheduled_for: dt.datetime | None = None,
    include_image: bool = True,
    now: dt.datetime | None = None,
    source: str = "",
    ask_for_personal_line: bool = False,
) -> Share:
    """Record a direct share and enqueue its publishing (on commit). Nothing is sent here.

    Raises ValidationError (storing nothing) for a post the user may not share, a network
    without a usable account, text over the limit or without the disclaimer, an image the
    network cannot take, a schedule time in the past, or a second live share of the same post.
    With `ask_for_personal_line` (the share page, until the person chooses to skip), an editable
    post's text left as suggested is refused with the nudge (code "unpersonalised"). The share
    records whether its text was personalised.
    """
    now = now or timezone.now()
    _shareable_post(user=user, post=post)
    provider = get_provider(network)
    account = direct_account_for(user=user, network=network)
    if account is None:
        raise ValidationError(
            f"Direct posting to {provider.label} is not available: connect an account or use the share dialog."
        )
    if scheduled_for is not None and scheduled_for <= now:
        raise ValidationError({"scheduled_for": "The schedule time is in the past; pick a time from now on."})
    if scheduled_for is not None and post.expires_at and scheduled_for >= post.expires_at:
        raise ValidationError({"scheduled_for": "The post expires before that time; pick an earlier time."})
    personalised = share_text_is_personal(post=post, network=network, text=text)
    if ask_for_personal_line and post.employees_may_edit and not personalised:
        raise ValidationError({"text": ValidationError(PERSONAL_LINE_NUDGE, code="unpersonalised")})
    link = link_get_or_create(user=user, post=post, network=network)
    full = share_text_build(post=post, network=network, text=text, link=link.short_url)
    with_image = bool(include_image and post.image)
    if with_image:
        share_image(post=post, network=network)  # refuse now, not in the worker
    try:
        with transaction.atomic():
            share = Share.objects.create(
                user=user,
                post=post,
                network=network,
                account=account,
                short_link=link,
                route=Share.Route.DIRECT,
                status=Share.Status.SCHEDULED if scheduled_for else Share.Status.QUEUED,
                text=full,
                post_version=post.copy_version,
                personalised=personalised,
                with_image=with_image,
                scheduled_for=scheduled_for,
                idempotency_key=provider.new_idempotency_key(now=now),
                source=source,
            )
    except IntegrityError:
        raise ValidationError(f"You have already shared this post on {provider.label}.") from None
    if share.status == Share.Status.QUEUED:
        share_enqueue(share_id=share.pk)
    return share


def share_intent_create(
    *, user, post: SuggestedPost, network: str, instance: str = "", source: str = ""
) -> tuple[Share, str]:
    """Record that the employee opened the network's share dialog; return it and the dialog URL.

    The URL always carries the employee's short link. Mastodon's dialog opens on `instance`, or
    on the employee's connected instance when none is given. Raises ValidationError for an unknown
    network or (Mastodon) an instance name that is not a host or is on our own network.
    Callers must only call this on a CSRF-checked POST: it writes a row and returns where to send
    the browser.
    """
    try:
        provider = get_provider(network)
    except KeyError:
        raise ValidationError(f"“{network}” has no share dialog.") from None
    _shareable_post(user=user, post=post)
    if provider.intent_needs_instance:
        instance = instance.strip() or intent_instance_for(user=user, network=network)
        try:
            instance = provider.clean_instance(instance)
        except Permanent as exc:
            raise ValidationError({"instance": exc.message}) from None
    link = link_get_or_create(user=user, post=post, network=network)
    text = compose_share_text(share_initial_text(post=post, network=network), link=link.short_url)
    url = provider.intent_url(text=text, link=link.short_url, instance=instance)
    return _opened_share_record(user=user, post=post, network=network, link=link, text=text, source=source), url


def _opened_share_record(*, user, post: SuggestedPost, network: str, link, text: str, source: str) -> Share:
    """The one OPENED share per employee, post and network: created on the first open, its time and
    text refreshed on every later one (a day later too: the dialog shows the same post again).

    The partial unique index `one_opened_dialog_per_post_network` settles two concurrent first opens:
    the loser's insert fails and it updates the winner's row instead.
    """
    now = timezone.now()
    fields = {"short_link": link, "text": text, "updated_at": now, "post_version": post.copy_version}
    existing = Share.objects.filter(
        user=user, post=post, network=network, route=Share.Route.INTENT, status=Share.Status.OPENED
    )
    if existing.update(**fields):
        return existing.get()
    try:
        with transaction.atomic():
            return Share.objects.create(
                user=user,
                post=post,
                network=network,
                route=Share.Route.INTENT,
                status=Share.Status.OPENED,
                source=source,
                **fields,
            )
    except IntegrityError:
        existing.update(**fields)
        return existing.get()


def share_sheet_record(*, user, post: SuggestedPost, copy_network: str, source: str = "") -> Share:
    """Record that the employee shared `post` through their phone's share sheet (Web Share API) with the
    copy for `copy_network` and their short link for the sheet (network "sheet": the app they picked
    there is unknown to us, so its clicks count apart). Status `opened`, like a dialog: no points.

    Raises ValidationError (storing nothing) for a post the user may not share or a copy it does not have.
    Callers must only call this on a CSRF-checked POST.
    """
    _shareable_post(user=user, post=post)
    if not post.variants.filter(network=copy_network).exists():
        raise ValidationError("This post has no such copy to share.")
    link = link_get_or_create(user=user, post=post, network=Network.SHEET)
    return Share.objects.create(
        user=user,
        post=post,
        network=Network.SHEET,
        short_link=link,
        route=Share.Route.SHEET,
        status=Share.Status.OPENED,
        text=share_copy_text(post=post, network=copy_network, link=link.short_url),
        source=source,
    )


def share_cancel(*, share: Share) -> bool:
    """Cancel a scheduled share that no worker has claimed yet. Returns whether it was cancelled."""
    return Share.objects.move(share.pk, to=Share.Status.CANCELLED, from_=[Share.Status.SCHEDULED], error="")


@transaction.atomic
def share_retry(*, share: Share, now: dt.datetime | None = None) -> Share:
    """Queue a failed direct share again, on the same row, with the employee's words and the same key.

    Keeping the idempotency key (and counting the earlier tries as one) means a network that refuses
    a duplicate because an earlier try did post is taken at its word (`_settle_duplicate`), not posted
    twice. Raises ValidationError, changing nothing, for a share that is not a failed direct one, a
    post that can no longer be shared, no usable account, or a live share of the same post already.
    """
    now = now or timezone.now()
    if share.route != Share.Route.DIRECT or share.status != Share.Status.FAILED:
        raise ValidationError("Only a failed post can be tried again.")
    _shareable_post(user=share.user, post=share.post)
    account = direct_account_for(user=share.user, network=share.network)
    if account is None:
        label = get_provider(share.network).label
        raise ValidationError(f"Connect your {label} account again first (Connected accounts), then try again.")
    try:
        with transaction.atomic():
            moved = Share.objects.move(
                share.pk,
                to=Share.Status.QUEUED,
                from_=[Share.Status.FAILED],
                account=account,
                error="",
                attempts=min(share.attempts, 1),
                scheduled_for=None,
                updated_at=now,
            )
    except IntegrityError:
        raise ValidationError("This post is already shared or on its way on that network.") from None
    if not moved:
        raise ValidationError("This share changed meanwhile; nothing was retried.")
    share_enqueue(share_id=share.pk)
    share.refresh_from_db()
    return share


def share_enqueue(*, share_id: int) -> None:
    """Publish the share after the current transaction commits (the task claims it, so twice is harmless)."""
    from ..tasks import share_publish_task

    transaction.on_commit(lambda: share_publish_task.delay(share_id))

