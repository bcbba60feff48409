"""Writes for connected accounts and shares.

Publishing is exactly-once by construction: a share is claimed with a conditional
update (QUEUED → PUBLISHING) that only one worker can win, the network is called
once per claim, and an answer lost after sending makes the share UNKNOWN (or, for
networks with idempotent publishing, re-queues it with the same key) instead of
re-sending blindly. Retries are rows in the SCHEDULED state with a time, picked up
by the beat-driven `shares_publish_due`, so they survive restarts.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html.parser
import logging
import random
import secrets
import uuid
from dataclasses import dataclass
from typing import cast

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from campaigns.images import RENDITIONS, inspect_image, rendition_bytes
from campaigns.models import SuggestedPost
from campaigns.networks import Network, compose_share_text, over_limit_message
from campaigns.selectors import posts_for_today
from shortlinks.services import link_get_or_create

from .models import ConnectedAccount, MastodonApp, Share
from .providers import (
    AuthExpired,
    ImageUpload,
    LinkCard,
    OutcomeUnknown,
    Permanent,
    ProviderError,
    QuotaExhausted,
    RateLimited,
    Transient,
    get_provider,
)
from .providers.bluesky import ACCESS_LIFETIME, BlueskyProvider, normalise_handle, record_key
from .providers.mastodon import MastodonProvider, normalise_instance

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE_SECONDS = 30
STUCK_AFTER = dt.timedelta(minutes=15)
REQUEUE_AFTER = dt.timedelta(minutes=5)
RECONCILE_AFTER = dt.timedelta(minutes=2)
RECONCILE_GIVE_UP = dt.timedelta(minutes=20)
RECONCILE_BLIND_AFTER = dt.timedelta(hours=24)
DIRECT_NETWORKS = (Network.LINKEDIN, Network.X, Network.MASTODON, Network.BLUESKY)
INTENT_NETWORKS = (
    Network.LINKEDIN,
    Network.X,
    Network.MASTODON,
    Network.BLUESKY,
    Network.FACEBOOK,
    Network.THREADS,
    Network.WHATSAPP,
    Network.EMAIL,
)
ALLAUTH_PROVIDERS = {"linkedin": Network.LINKEDIN, "twitter_oauth2": Network.X}
LINKEDIN_TOKEN_LIFETIME = dt.timedelta(days=60)


# --- Share text and image ------------------------------------------------------------------


def _mastodon() -> MastodonProvider:
    return cast(MastodonProvider, get_provider(Network.MASTODON))


def _bluesky() -> BlueskyProvider:
    return cast(BlueskyProvider, get_provider(Network.BLUESKY))


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
    limits = get_provider(network).limits
    rendition = post.renditions.filter(network=network).first()
    if rendition is not None:
        with rendition.image.open("rb") as fh:
            data = fh.read()
        width, height = rendition.width, rendition.height
    else:
        with post.image.open("rb") as fh:
            source = inspect_image(fh.read())
        spec = RENDITIONS.get(network, RENDITIONS["generic"])
        data, width, height = rendition_bytes(source, spec)
    label = Network(network).label
    if len(data) > limits.image_max_bytes:
        raise ValidationError(
            {"image": f"The image is {len(data):,} bytes; {label} accepts at most {limits.image_max_bytes:,}."}
        )
    if width * height > limits.image_max_pixels:
        raise ValidationError({"image": f"The image is {width}×{height} pixels; too large for {label}."})
    return ImageUpload(data=data, mime_type="image/jpeg", alt=post.image_alt, width=width, height=height)


class _OpenGraph(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "meta":
            return
        values = dict(attrs)
        key = values.get("property") or values.get("name") or ""
        if key.startswith(("og:", "twitter:")) and values.get("content") and key not in self.tags:
            self.tags[key] = values["content"] or ""


def link_card_build(*, post: SuggestedPost, link: str, image: ImageUpload | None) -> LinkCard:
    """Title and description from the target page's Open Graph tags (falling back to the post)."""
    tags: dict[str, str] = {}
    if not settings.SHARE_FETCH_OPEN_GRAPH:
        return LinkCard(url=link, title=post.title, thumbnail=image)
    try:
        with requests.get(post.target_url, timeout=(3, 5), stream=True, headers={"User-Agent": "Advocacy"}) as page:
            if page.ok and "html" in page.headers.get("Content-Type", ""):
                parser = _OpenGraph()
                parser.feed(page.raw.read(512_000, decode_content=True).decode(page.encoding or "utf-8", "replace"))
                tags = parser.tags
    except (requests.RequestException, ValueError):
        logger.info("No Open Graph tags for %s", post.target_url)
    return LinkCard(
        url=link,
        title=tags.get("og:title") or tags.get("twitter:title") or post.title,
        description=tags.get("og:description") or tags.get("twitter:description") or "",
        thumbnail=image,
    )


# --- Creating shares -----------------------------------------------------------------------


def _shareable_post(*, user, post: SuggestedPost) -> None:
    if not posts_for_today(user=user).filter(pk=post.pk).exists():
        raise ValidationError("This post is not available to share (it may have expired or been withdrawn).")


def direct_account_for(*, user, network: str) -> ConnectedAccount | None:
    """The user's account that can publish on `network` now, when the network allows direct posting."""
    if network not in DIRECT_NETWORKS or not get_provider(network).is_configured():
        return None
    for account in ConnectedAccount.objects.filter(user=user, network=network).order_by("-updated_at"):
        if account.can_publish:
            return account
    return None


def _idempotency_key(network: str) -> str:
    if network == Network.BLUESKY:
        now = timezone.now()
        return record_key(micros=int(now.timestamp() * 1_000_000), clock_id=secrets.randbelow(1024))
    return uuid.uuid4().hex


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
) -> Share:
    """Record a direct share and enqueue its publishing (on commit). Nothing is sent here.

    Raises ValidationError (storing nothing) for a post the user may not share, a network
    without a usable account, text over the limit or without the disclaimer, an image the
    network cannot take, a schedule time in the past, or a second live share of the same post.
    """
    now = now or timezone.now()
    _shareable_post(user=user, post=post)
    account = direct_account_for(user=user, network=network)
    if account is None:
        raise ValidationError(
            f"Direct posting to {Network(network).label} is not available: connect an account or use the share dialog."
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
                idempotency_key=_idempotency_key(network),
            )
    except IntegrityError:
        raise ValidationError(f"You have already shared this post on {Network(network).label}.") from None
    if share.status == Share.Status.QUEUED:
        _enqueue(share.pk)
    return share


def share_intent_create(*, user, post: SuggestedPost, network: str, instance: str = "") -> tuple[Share, str]:
    """Record that the employee opened the network's share dialog; return it and the dialog URL.

    The URL always carries the employee's short link. Raises ValidationError for an unknown
    network or (Mastodon) an instance name that is not a host.
    """
    if network not in INTENT_NETWORKS:
        raise ValidationError(f"“{network}” has no share dialog.")
    _shareable_post(user=user, post=post)
    if network == Network.MASTODON:
        try:
            instance = normalise_instance(instance)
        except Permanent as exc:
            raise ValidationError({"instance": exc.message}) from None
    link = link_get_or_create(user=user, post=post, network=network)
    text = compose_share_text(share_initial_text(post=post, network=network), link=link.short_url)
    url = get_provider(network).intent_url(text=text, link=link.short_url, instance=instance)
    share = Share.objects.create(
        user=user,
        post=post,
        network=network,
        short_link=link,
        route=Share.Route.INTENT,
        status=Share.Status.OPENED,
        text=text,
    )
    return share, url


@transaction.atomic
def share_cancel(*, share: Share) -> bool:
    """Cancel a scheduled share that no worker has claimed yet. Returns whether it was cancelled."""
    return bool(
        Share.objects.filter(pk=share.pk, status=Share.Status.SCHEDULED).update(
            status=Share.Status.FAILED, error="Cancelled by you.", updated_at=timezone.now()
        )
    )


def _enqueue(share_id: int) -> None:
    from .tasks import share_publish_task

    transaction.on_commit(lambda: share_publish_task.delay(share_id))


# --- Publishing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishOutcome:
    status: str
    message: str = ""


def _finish(share_id: int, **fields) -> None:
    """Record the result of a claimed share (only while it is still ours, i.e. PUBLISHING)."""
    Share.objects.filter(pk=share_id, status=Share.Status.PUBLISHING).update(updated_at=timezone.now(), **fields)


def _retry_later(share: Share, error: ProviderError, now: dt.datetime) -> PublishOutcome:
    if share.attempts >= MAX_ATTEMPTS:
        _finish(share.pk, status=Share.Status.FAILED, error=f"{error.message} (gave up after {share.attempts} tries)")
        return PublishOutcome(Share.Status.FAILED, error.message)
    retry_after = getattr(error, "retry_after", None)
    backoff = BACKOFF_BASE_SECONDS * 2 ** (share.attempts - 1) * (1 + random.random() / 4)  # noqa: S311
    delay = max(retry_after or 0, backoff)
    when = now + dt.timedelta(seconds=delay)
    _finish(
        share.pk,
        status=Share.Status.SCHEDULED,
        scheduled_for=when,
        error=f"{error.message} Trying again at {when:%H:%M} UTC.",
    )
    return PublishOutcome(Share.Status.SCHEDULED, error.message)


def share_publish(*, share_id: int, now: dt.datetime | None = None) -> PublishOutcome | None:
    """Publish one queued share exactly once. Returns None when another worker has it (or it is gone).

    Claims the row (QUEUED → PUBLISHING) before any network call. Outcomes: PUBLISHED with the
    external id and URL; SCHEDULED again for 429/5xx/connection errors (honouring the network's
    reset header); FAILED with the network's message for 4xx, quota caps and expired tokens (the
    account is then flagged for reconnection); UNKNOWN when the answer was lost after sending on a
    network without idempotent publishing. Never raises for network errors.
    """
    now = now or timezone.now()
    claimed = Share.objects.filter(pk=share_id, status=Share.Status.QUEUED, route=Share.Route.DIRECT).update(
        status=Share.Status.PUBLISHING, attempts=F("attempts") + 1, updated_at=now
    )
    if not claimed:
        return None
    share = Share.objects.select_related("account", "post", "short_link").get(pk=share_id)
    account = share.account
    network_label = Network(share.network).label
    if account is None or account.health_at(now) == ConnectedAccount.Health.NEEDS_RECONNECT:
        message = f"Your {network_label} account needs reconnecting. Reconnect it, then share again."
        _finish(share.pk, status=Share.Status.FAILED, error=message)
        return PublishOutcome(Share.Status.FAILED, message)
    try:
        return _publish_claimed(share, account, now, renew_on_auth_error=account.refreshable)
    except AuthExpired as exc:
        account_flag_reconnect(account_id=account.pk, reason=exc.message)
        message = f"{network_label} no longer accepts your sign-in ({exc.message}). Reconnect it, then share again."
        _finish(share.pk, status=Share.Status.FAILED, error=message)
        return PublishOutcome(Share.Status.FAILED, message)


def _publish_claimed(
    share: Share, account: ConnectedAccount, now: dt.datetime, *, renew_on_auth_error: bool
) -> PublishOutcome:
    """Call the network for a claimed share and record the outcome. Raises AuthExpired only."""
    provider = get_provider(share.network)
    try:
        expires = account.token_expires_at
        if account.refreshable and expires and expires <= now + dt.timedelta(minutes=5):
            account = account_refresh(account_id=account.pk, force=True) or account
            if account.health == ConnectedAccount.Health.NEEDS_RECONNECT:
                raise AuthExpired(account.health_reason or "The sign-in could not be renewed.")
        image = share_image(post=share.post, network=share.network) if share.with_image else None
        card = (
            link_card_build(post=share.post, link=share.short_link.short_url, image=image)
            if share.network in (Network.BLUESKY, Network.LINKEDIN)
            else None
        )
        published = provider.publish(
            account=account,
            text=share.text,
            link=share.short_link.short_url,
            image=image,
            card=card,
            idempotency_key=share.idempotency_key,
        )
    except AuthExpired:
        if not renew_on_auth_error:
            raise
        # The network calls the token stale before our clock does: renew once, then try again.
        renewed = account_refresh(account_id=account.pk, always=True)
        if renewed is None or renewed.health == ConnectedAccount.Health.NEEDS_RECONNECT:
            raise
        return _publish_claimed(share, renewed, now, renew_on_auth_error=False)
    except QuotaExhausted as exc:
        _finish(share.pk, status=Share.Status.FAILED, error=f"{exc.message} Use the share dialog meanwhile.")
        return PublishOutcome(Share.Status.FAILED, exc.message)
    except (RateLimited, Transient) as exc:
        return _retry_later(share, exc, now)
    except OutcomeUnknown as exc:
        if provider.idempotent_publish:
            return _retry_later(share, exc, now)  # same key: the network returns the post it already has
        _finish(share.pk, status=Share.Status.UNKNOWN, error=exc.message)
        return PublishOutcome(Share.Status.UNKNOWN, exc.message)
    except (Permanent, ValidationError) as exc:
        message = exc.message if isinstance(exc, Permanent) else " ".join(exc.messages)
        _finish(share.pk, status=Share.Status.FAILED, error=message)
        return PublishOutcome(Share.Status.FAILED, message)
    _finish(
        share.pk,
        status=Share.Status.PUBLISHED,
        external_id=published.external_id,
        external_url=published.url[:1000],
        published_at=timezone.now(),
        error="",
    )
    return PublishOutcome(Share.Status.PUBLISHED)


def shares_publish_due(*, now: dt.datetime | None = None) -> int:
    """Queue scheduled shares whose time has come (and re-queue stale ones). Idempotent; returns how many.

    Also recovers from lost work: QUEUED shares whose task vanished are enqueued again (the claim
    makes duplicates harmless); PUBLISHING shares stuck past STUCK_AFTER (a worker died mid-call)
    become UNKNOWN, or are re-queued on networks whose publishing is idempotent.
    """
    now = now or timezone.now()
    queued = 0
    for share_id in list(Share.objects.due(now).values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            if Share.objects.filter(pk=share_id, status=Share.Status.SCHEDULED).update(
                status=Share.Status.QUEUED, updated_at=now
            ):
                _enqueue(share_id)
                queued += 1
    stale = Share.objects.filter(status=Share.Status.QUEUED, updated_at__lte=now - REQUEUE_AFTER)
    for share_id in list(stale.values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            Share.objects.filter(pk=share_id, status=Share.Status.QUEUED).update(updated_at=now)
            _enqueue(share_id)
            queued += 1
    shares_reconcile_unknown(now=now)
    stuck = Share.objects.filter(status=Share.Status.PUBLISHING, updated_at__lte=now - STUCK_AFTER)
    for share in stuck.only("pk", "network"):
        if get_provider(share.network).idempotent_publish:
            Share.objects.filter(pk=share.pk, status=Share.Status.PUBLISHING).update(
                status=Share.Status.QUEUED, updated_at=now
            )
        else:
            Share.objects.filter(pk=share.pk, status=Share.Status.PUBLISHING).update(
                status=Share.Status.UNKNOWN,
                error="The worker stopped while publishing; check your profile before sharing again.",
                updated_at=now,
            )
    return queued


def shares_reconcile_unknown(*, now: dt.datetime | None = None) -> int:
    """Settle shares whose publish answer was lost, by asking the network. Returns how many settled.

    Found on the network → PUBLISHED. Not found RECONCILE_GIVE_UP after the attempt → FAILED (the
    employee may share again). Networks that cannot be asked (LinkedIn without read scopes) are
    settled as FAILED with a "check your profile" message after RECONCILE_BLIND_AFTER.
    """
    now = now or timezone.now()
    settled = 0
    candidates = Share.objects.filter(
        status=Share.Status.UNKNOWN, updated_at__lte=now - RECONCILE_AFTER, account__isnull=False
    ).select_related("account", "short_link")
    for share in candidates[:200]:
        provider = get_provider(share.network)
        age = now - share.updated_at
        found = None
        if provider.can_reconcile:
            try:
                found = provider.find_published(
                    account=share.account, link=share.short_link.short_url, since=share.created_at - RECONCILE_AFTER
                )
            except (ProviderError, NotImplementedError) as exc:
                logger.info("Reconciling share %s failed: %s", share.pk, exc)
                continue
            message = "It was not posted (checked on the network). Share it again."
            give_up = age >= RECONCILE_GIVE_UP
        else:
            message = (
                f"We could not confirm whether it was posted. Check your {Network(share.network).label} profile; "
                "if the post is missing, share it again."
            )
            give_up = age >= RECONCILE_BLIND_AFTER
        if found:
            Share.objects.filter(pk=share.pk, status=Share.Status.UNKNOWN).update(
                status=Share.Status.PUBLISHED,
                external_id=found.external_id,
                external_url=found.url[:1000],
                published_at=now,
                error="",
                updated_at=now,
            )
            settled += 1
        elif give_up:
            Share.objects.filter(pk=share.pk, status=Share.Status.UNKNOWN).update(
                status=Share.Status.FAILED, error=message, updated_at=now
            )
            settled += 1
    return settled


# --- Accounts ------------------------------------------------------------------------------


def account_flag_reconnect(*, account_id: int, reason: str) -> None:
    ConnectedAccount.objects.filter(pk=account_id).update(
        health=ConnectedAccount.Health.NEEDS_RECONNECT, health_reason=reason[:500], updated_at=timezone.now()
    )


def account_refresh(
    *, account_id: int, force: bool = False, always: bool = False, now: dt.datetime | None = None
) -> ConnectedAccount | None:
    """Renew the account's tokens when they are due. Returns the account, or None if it is gone.

    Holds the row lock for the whole exchange, so a single-use refresh token (X) is never spent
    twice: a second caller waits, then sees fresh tokens and does nothing. The new refresh token is
    always stored. A refusal flags the account NEEDS_RECONNECT (and returns it). Transient errors raise.
    """
    now = now or timezone.now()
    with transaction.atomic():
        account = ConnectedAccount.objects.select_for_update().filter(pk=account_id).first()
        if account is None:
            return None
        horizon = now + (dt.timedelta(minutes=5) if force else dt.timedelta(days=settings.TOKEN_REFRESH_AHEAD_DAYS))
        if not always and account.token_expires_at and account.token_expires_at > horizon:
            return account  # someone else refreshed it meanwhile
        try:
            tokens = get_provider(account.network).refresh(account=account)
        except AuthExpired as exc:
            account.health = ConnectedAccount.Health.NEEDS_RECONNECT
            account.health_reason = exc.message[:500]
            account.save(update_fields=["health", "health_reason", "updated_at"])
            return account
        if tokens is None:
            return account
        account.access_token = tokens.access_token
        if tokens.refresh_token:
            account.refresh_token = tokens.refresh_token
        account.token_expires_at = tokens.expires_at
        account.refreshed_at = now
        account.health = ConnectedAccount.Health.OK
        account.health_reason = ""
        account.save()
        return account


def accounts_refresh_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The daily pass: refresh tokens that expire soon; flag those that cannot be refreshed.

    Idempotent. Returns counts {'refreshed', 'flagged', 'errors'}.
    """
    now = now or timezone.now()
    horizon = now + dt.timedelta(days=settings.TOKEN_REFRESH_AHEAD_DAYS)
    counts = {"refreshed": 0, "flagged": 0, "errors": 0}
    due = ConnectedAccount.objects.exclude(health=ConnectedAccount.Health.NEEDS_RECONNECT).filter(
        token_expires_at__lte=horizon
    )
    for account in due:
        if not account.refreshable:
            if account.token_expires_at and account.token_expires_at <= now:
                account_flag_reconnect(account_id=account.pk, reason="The sign-in expired; reconnect the account.")
                counts["flagged"] += 1
            continue
        try:
            refreshed = account_refresh(account_id=account.pk, now=now)
        except ProviderError as exc:
            logger.warning("Token refresh for account %s failed: %s", account.pk, exc.message)
            counts["errors"] += 1
            continue
        if refreshed and refreshed.health == ConnectedAccount.Health.NEEDS_RECONNECT:
            counts["flagged"] += 1
        elif refreshed:
            counts["refreshed"] += 1
    return counts


def _account_save(*, user, network: str, external_id: str, instance: str = "", **fields) -> ConnectedAccount:
    """Create or update the connection; refuse an account already connected by someone else."""
    existing = ConnectedAccount.objects.filter(network=network, instance=instance, external_id=external_id).first()
    if existing and existing.user_id != user.pk:
        raise ValidationError(f"This {Network(network).label} account is already connected by another employee.")
    account = existing or ConnectedAccount(user=user, network=network, instance=instance, external_id=external_id)
    for name, value in fields.items():
        setattr(account, name, value)
    account.health = ConnectedAccount.Health.OK
    account.health_reason = ""
    account.save()
    return account


def account_disconnect(*, account: ConnectedAccount) -> None:
    """Forget the connection and its tokens (and allauth's record of it). Past shares stay.

    Mastodon tokens are also revoked on the instance (best effort: never blocks the disconnect).
    """
    from allauth.socialaccount.models import SocialAccount

    provider = {Network.LINKEDIN.value: "linkedin", Network.X.value: "twitter_oauth2"}.get(account.network)
    if account.network == Network.MASTODON:
        app = MastodonApp.objects.filter(instance=account.instance).first()
        if app and account.access_token:
            try:  # best effort: the local copy is deleted whatever the instance says
                _mastodon().revoke(
                    instance=account.instance,
                    client_id=app.client_id,
                    client_secret=app.client_secret,
                    token=account.access_token,
                )
            except ProviderError as exc:
                logger.info("Revoking the Mastodon token of account %s failed: %s", account.pk, exc.message)
    with transaction.atomic():
        if provider:
            uid = account.external_id.removeprefix("urn:li:person:")
            SocialAccount.objects.filter(user=account.user, provider=provider, uid=uid).delete()
        account.delete()


# Bluesky: handle + app password -------------------------------------------------------------


def bluesky_connect(*, user, handle: str, app_password: str) -> ConnectedAccount:
    """Resolve the handle to its DID and PDS, open a session, store its tokens (not the app password).

    Raises ValidationError with a clear message for a malformed or unknown handle, a wrong
    password or an unreachable server; nothing is stored then.
    """
    provider = _bluesky()
    if not app_password.strip():
        raise ValidationError({"app_password": "Paste an app password (Settings → Privacy and security)."})
    try:
        handle = normalise_handle(handle)
        did = provider.resolve_handle(handle=handle)
        pds = provider.resolve_pds(did=did)
        session = provider.create_session(pds=pds, identifier=handle, password=app_password.strip())
    except Permanent as exc:
        raise ValidationError(exc.message) from None
    except ProviderError as exc:
        raise ValidationError(f"Bluesky could not be reached ({exc.message}); try again shortly.") from None
    if session.get("did") != did:
        raise ValidationError("Bluesky answered for a different account than the handle names.")
    return _account_save(
        user=user,
        network=Network.BLUESKY,
        external_id=did,
        handle=session.get("handle") or handle,
        service_url=pds,
        access_token=session["accessJwt"],
        refresh_token=session["refreshJwt"],
        token_expires_at=timezone.now() + ACCESS_LIFETIME,
        refreshable=True,
    )


# Mastodon: per-instance app, OAuth with PKCE -------------------------------------------------


def mastodon_redirect_uri() -> str:
    return f"{settings.SITE_URL}{reverse('networks:mastodon_callback')}"


def mastodon_app_get_or_register(*, instance: str) -> MastodonApp:
    """Our app on `instance`, registered on first use and cached. Raises ValidationError."""
    redirect_uri = mastodon_redirect_uri()
    app = MastodonApp.objects.filter(instance=instance, redirect_uri=redirect_uri).first()
    if app:
        return app
    try:
        client_id, secret = _mastodon().register_app(instance=instance, redirect_uri=redirect_uri)
    except ProviderError as exc:
        raise ValidationError({"instance": exc.message}) from None
    app, _ = MastodonApp.objects.update_or_create(
        instance=instance, defaults={"client_id": client_id, "client_secret": secret, "redirect_uri": redirect_uri}
    )
    return app


def mastodon_connect_start(*, instance: str) -> tuple[str, dict]:
    """The instance's authorize URL, and the state to keep in the session until the callback."""
    try:
        instance = normalise_instance(instance)
    except Permanent as exc:
        raise ValidationError({"instance": exc.message}) from None
    app = mastodon_app_get_or_register(instance=instance)
    provider = _mastodon()
    state = secrets.token_urlsafe(24)
    verifier = secrets.token_urlsafe(48) if provider.supports_pkce(instance=instance) else ""
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode() if verifier else ""
    )
    url = provider.authorize_url(
        instance=instance, client_id=app.client_id, redirect_uri=app.redirect_uri, state=state, code_challenge=challenge
    )
    return url, {"instance": instance, "state": state, "verifier": verifier}


def mastodon_connect_finish(*, user, pending: dict | None, state: str, code: str) -> ConnectedAccount:
    """Exchange the callback's code for a token and store the connection. Raises ValidationError."""
    if not pending or not state or not secrets.compare_digest(str(pending.get("state", "")), state):
        raise ValidationError("The sign-in with Mastodon expired or did not start here; connect again.")
    if not code:
        raise ValidationError("Mastodon did not authorise the connection.")
    instance = pending["instance"]
    app = MastodonApp.objects.filter(instance=instance).first()
    if app is None:
        raise ValidationError("The sign-in with Mastodon expired; connect again.")
    provider = _mastodon()
    try:
        token = provider.exchange_code(
            instance=instance,
            client_id=app.client_id,
            client_secret=app.client_secret,
            code=code,
            redirect_uri=app.redirect_uri,
            code_verifier=pending.get("verifier", ""),
        )
        me = provider.verify_credentials(instance=instance, token=token)
    except ProviderError as exc:
        raise ValidationError(f"{instance} refused the connection: {exc.message}") from None
    return _account_save(
        user=user,
        network=Network.MASTODON,
        instance=instance,
        external_id=str(me["id"]),
        handle=f"@{me.get('acct') or me.get('username')}@{instance}",
        access_token=token,
        refresh_token="",
        token_expires_at=None,
        refreshable=False,
    )


# LinkedIn and X: connected through django-allauth --------------------------------------------


def accounts_sync_from_allauth(*, user) -> list[ConnectedAccount]:
    """Move tokens allauth stored for LinkedIn/X into encrypted ConnectedAccounts. Idempotent.

    allauth keeps SocialToken in plain text; after copying, the SocialToken row is deleted so
    the only copy of the token is the encrypted one.
    """
    from allauth.socialaccount.models import SocialToken

    synced = []
    tokens = SocialToken.objects.filter(account__user=user, account__provider__in=ALLAUTH_PROVIDERS).select_related(
        "account"
    )
    for token in tokens:
        social = token.account
        network = ALLAUTH_PROVIDERS[social.provider]
        extra = social.extra_data or {}
        with transaction.atomic():
            if network == Network.LINKEDIN:
                account = _account_save(
                    user=user,
                    network=network,
                    external_id=f"urn:li:person:{social.uid}",
                    handle=_linkedin_name(extra) or social.uid,
                    access_token=token.token,
                    refresh_token=token.token_secret or "",
                    token_expires_at=token.expires_at or timezone.now() + LINKEDIN_TOKEN_LIFETIME,
                    refreshable=False,
                )
            else:
                data = extra.get("data", extra)
                account = _account_save(
                    user=user,
                    network=network,
                    external_id=social.uid,
                    handle=data.get("username", "") if isinstance(data, dict) else "",
                    access_token=token.token,
                    refresh_token=token.token_secret or "",
                    token_expires_at=token.expires_at,
                    refreshable=bool(token.token_secret),
                )
            token.delete()
        synced.append(account)
    return synced


def _linkedin_name(extra: dict) -> str:
    """allauth's OpenID Connect extra_data is {'userinfo': {...}, 'id_token': {...}}."""
    for claims in (extra.get("userinfo"), extra.get("id_token"), extra):
        if isinstance(claims, dict) and (claims.get("name") or claims.get("email")):
            return str(claims.get("name") or claims.get("email"))
    return ""


def tokens_reencrypt() -> int:
    """Re-save every token with the newest key (after putting a new key first). Returns rows touched."""
    touched = 0
    for account in ConnectedAccount.objects.all():
        account.save(update_fields=["access_token", "refresh_token"])
        touched += 1
    for app in MastodonApp.objects.all():
        app.save(update_fields=["client_secret"])
        touched += 1
    return touched
