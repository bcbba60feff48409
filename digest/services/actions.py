"""What the links in a digest do: a one-click share, a one-click unsubscribe, the preferences form."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import EmployeeProfile
from campaigns.models import SuggestedPost
from campaigns.selectors import posts_for_today
from networks.models import Share
from networks.services.sharing import direct_account_for, share_direct_create, share_initial_text

from ..models import UsedShareToken
from ..tokens import ShareGrant, TokenError, share_token_read, unsubscribe_token_read

DIGEST_SOURCE = "digest"


@dataclass
class ShareOffer:
    """What the confirmation page shows for a valid, unused share link."""

    grant: ShareGrant
    user: object
    post: SuggestedPost
    network: str
    text: str
    account_label: str


def share_offer_get(*, token: str, viewer=None) -> ShareOffer:
    """Check a share link (signature, age, single use, person, post, account) without changing anything.

    Raises TokenError with the sentence to show. `viewer` is whoever is signed in (if anyone): a link
    made for someone else is refused, so a forwarded email cannot be used by a colleague who is signed in.
    """
    grant = share_token_read(token)
    if viewer is not None and getattr(viewer, "is_authenticated", False) and viewer.pk != grant.user_id:
        raise TokenError("This share link was made for someone else: only they can use it.")
    if UsedShareToken.objects.filter(token_id=grant.token_id).exists():
        raise TokenError("This share link has already been used; each link shares once. See My shares.")
    user = get_user_model().objects.filter(pk=grant.user_id, is_active=True).first()
    if user is None:
        raise TokenError("This share link is not valid any more.")
    post = SuggestedPost.objects.filter(pk=grant.post_id).first()
    if post is None:
        raise TokenError("This post has been withdrawn since the email was sent; there is nothing to share.")
    if not posts_for_today(user=user).filter(pk=post.pk).exists():
        raise TokenError("This post is no longer available to share (it has expired or been withdrawn).")
    account = direct_account_for(user=user, network=grant.network)
    if account is None:
        raise TokenError(
            "The connected account for this network cannot post right now: reconnect it on the "
            "Connected accounts page, or share from the Today page."
        )
    return ShareOffer(
        grant=grant,
        user=user,
        post=post,
        network=grant.network,
        text=share_initial_text(post=post, network=grant.network),
        account_label=str(account),
    )


def share_from_digest(*, token: str, text: str | None, viewer=None) -> Share:
    """Share through the normal path (networks.services.sharing), marking the link used in the same transaction.

    Either both happen or neither: a refused text (ValidationError) leaves the link usable; a replay
    (TokenError) or a second POST racing the first finds the used-token row and shares nothing.
    """
    offer = share_offer_get(token=token, viewer=viewer)
    with transaction.atomic():
        try:
            with transaction.atomic():
                UsedShareToken.objects.create(
                    token_id=offer.grant.token_id,
                    employee_id=offer.grant.user_id,
                    post_id=offer.grant.post_id,
                    network=offer.network,
                    used_at=timezone.now(),
                )
        except IntegrityError:
            raise TokenError("This share link has already been used; each link shares once.") from None
        return share_direct_create(
            user=offer.user,
            post=offer.post,
            network=offer.network,
            text=text if offer.post.employees_may_edit else None,
            source=DIGEST_SOURCE,
        )


def digest_unsubscribe(*, token: str) -> tuple[EmployeeProfile, bool]:
    """Turn the digest off for the link's person (RFC 8058 one-click). Idempotent; returns (profile, changed).

    Only the digest: account-security mail is sent regardless.
    """
    user_id = unsubscribe_token_read(token)
    profile = EmployeeProfile.objects.filter(user_id=user_id).select_related("user").first()
    if profile is None:
        raise TokenError("This unsubscribe link is not valid any more.")
    changed = EmployeeProfile.objects.filter(pk=profile.pk, digest_opt_in=True).update(digest_opt_in=False) == 1
    profile.digest_opt_in = False
    return profile, changed
