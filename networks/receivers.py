"""Receivers the networks app connects in NetworksConfig.ready()."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError

logger = logging.getLogger(__name__)


def store_allauth_tokens(sender, *, request, sociallogin, signal=None, **kwargs) -> None:
    """allauth's LinkedIn/X callback connected (social_account_added) or signed in again
    (social_account_updated): keep the tokens only in the encrypted ConnectedAccount.

    Not when the social account belongs to someone other than the signed-in employee: allauth
    refuses that connect right after this signal, and their tokens must not change.
    A network account already connected by a colleague: on a new connection allauth's connect
    flow shows its "connected to another account" message; on a sign-in it is only logged.
    """
    from allauth.socialaccount.signals import social_account_added

    from .services.connections import account_store_from_allauth

    user = sociallogin.account.user if sociallogin.account.user_id else sociallogin.user
    current = getattr(request, "user", None)
    if user is None or (current is not None and current.is_authenticated and current.pk != user.pk):
        return
    if sociallogin.token is None:
        return
    try:
        account_store_from_allauth(user=user, social=sociallogin.account, token=sociallogin.token)
    except ValidationError:
        if signal is social_account_added:
            raise
        logger.warning(
            "Tokens of %s account %s not stored: connected by someone else.",
            sociallogin.account.provider,
            sociallogin.account.pk,
        )
