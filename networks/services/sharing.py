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

from campaigns.images import inspect_image, rendition_bytes
from campaigns.models import SuggestedPost
from campaigns.networks import compose_share_text, over_limit_message
from campaigns.selectors import posts_for_today
from campaigns.services import Rendition, post_renditions_replace
from shortlinks.services import link_get_or_create

from ..models import ConnectedAccount, Share
from ..opengraph import page_preview_fetch
from ..providers import ImageUpload, LinkCard, Permanent, get_provider
from ..providers.base import GENERIC_RENDITION, GENERIC_RENDITION_NAME, providers
from ..selectors import intent_instance_for

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
) -> Share:
    """Record a direct share and enqueue its publishing (on commit). Nothing is sent here.

    Raises ValidationError (storing nothing) for a post the user may not share, a network
    without a usable account, text over the limit or without the disclaimer, an image the
    network cannot take, a schedule time in the past, or a second live share of the same post.
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
    share = Share.objects.create(
        user=user,
        post=post,
        network=network,
        short_link=link,
        route=Share.Route.INTENT,
        status=Share.Status.OPENED,
        text=text,
        source=source,
    )
    return share, url


def share_cancel(*, share: Share) -> bool:
    """Cancel a scheduled share that no worker has claimed yet. Returns whether it was cancelled."""
    return Share.objects.move(share.pk, to=Share.Status.CANCELLED, from_=[Share.Status.SCHEDULED], error="")


def share_enqueue(*, share_id: int) -> None:
    """Publish the share after the current transaction commits (the task claims it, so twice is harmless)."""
    from ..tasks import share_publish_task

    transaction.on_commit(lambda: share_publish_task.delay(share_id))


def share_retry(*, share: Share, now: dt.datetime | None = None) -> Share:
    """Share a failed direct share's post again on the same network, as a new share (a failed one stays failed,
    as its history). The same rules as a first share apply (the post still shareable, a usable account, no
    other live share). Raises ValidationError, storing nothing, otherwise."""
    if share.route != Share.Route.DIRECT or share.status != Share.Status.FAILED:
        raise ValidationError("Only a failed direct share can be tried again.")
    return share_direct_create(
        user=share.user,
        post=share.post,
        network=share.network,
        include_image=share.with_image,
        now=now,
        source=share.source,
    )
