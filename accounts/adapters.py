import hashlib
import hmac

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal.ratelimit import get_ip, truncate_ip
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.http import Http404


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return settings.ACCOUNT_ALLOW_SIGNUP

    def get_client_ip(self, request) -> str:
        """The client address as allauth sees it (rate limits): a keyed hash, never the address.

        The rate-limit counts are cache keys made from it, and Advocacy stores no raw IP, not even
        for the minutes a count lives. Truncated first, so an IPv6 /64 still counts as one client.
        """
        address = truncate_ip(super().get_client_ip(request))
        digest = hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()
        return f"h-{digest[:32]}"

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """The "key" of allauth's login_failed limit: the client address *and* the account.

        allauth's default keys it on the account alone, so five wrong passwords from anywhere
        lock the employee out. Keyed on both, failures count against the address that made them;
        the per-address part of the limit still stops one address from trying many accounts.
        A successful password reset clears this count (allauth, for the resetting address).
        """
        return f"{get_ip(request)}:{super()._get_login_attempts_cache_key(request, **credentials)}"


class ProviderNotConfigured(SocialApp.DoesNotExist, Http404):
    """No SocialApp for the provider: still a DoesNotExist for allauth, and a 404 for Django."""


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_app(self, request, provider, client_id=None):
        # allauth's OAuth2 views (X's twitter_oauth2 login and callback) let SocialApp.DoesNotExist
        # escape as a 500 when the network is not set up here; answer 404 instead.
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise ProviderNotConfigured(f"{provider} is not configured.") from None
