"""Builders for every test: factory_boy factories, and plain functions for rows that other code leaves behind."""

import datetime as dt
import itertools

import factory
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.utils import timezone

from accounts.models import EmployeeProfile, Location, Team, User
from accounts.roles import EMPLOYEE
from analytics.models import Click
from campaigns.models import Campaign, PostStatus, PostVariant, SuggestedPost
from leaderboard.models import Action
from leaderboard.services import ledger
from networks.models import ConnectedAccount, Share

PASSWORD = "correct-horse-battery"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Location {n}")
    time_zone = "Europe/Berlin"


class UserFactory(factory.django.DjangoModelFactory):
    """A person with a profile and a role (Employee unless `role=` says otherwise)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if not create:
            return
        from accounts.services import user_set_role

        self.save()
        EmployeeProfile.objects.get_or_create(user=self)
        user_set_role(user=self, role=extracted or EMPLOYEE)


class CampaignFactory(factory.django.DjangoModelFactory):
    """A launched campaign that is active now."""

    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    narrative = "We shipped something our customers asked for. Tell your network why it matters."
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=30))
    utm_campaign = factory.Sequence(lambda n: f"campaign-{n}")
    owner = factory.SubFactory(UserFactory)
    launched_at = factory.LazyFunction(timezone.now)
    hashtags = "#Launch"


class SuggestedPostFactory(factory.django.DjangoModelFactory):
    """An approved post, current now, with LinkedIn, X and generic copy."""

    class Meta:
        model = SuggestedPost
        skip_postgeneration_save = True

    campaign = factory.SubFactory(CampaignFactory)
    title = factory.Sequence(lambda n: f"Post {n}")
    target_url = "https://example.com/blog/launch?ref=home#top"
    publish_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    status = PostStatus.APPROVED

    @factory.post_generation
    def variants(self, create, extracted, **kwargs):
        if not create:
            return
        texts = (
            extracted
            if extracted is not None
            else {
                "linkedin": "Proud of the team: our new release is out.",
                "x": "Our new release is out!",
                "generic": "Our new release is out.",
            }
        )
        for network, text in texts.items():
            PostVariant.objects.create(post=self, network=network, text=text)


class PostVariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PostVariant

    post = factory.SubFactory(SuggestedPostFactory, variants={})
    network = "linkedin"
    text = "Have a look at what we built."


class ShortLinkFactory(factory.django.DjangoModelFactory):
    """An employee's short link for a post on LinkedIn, built by the real service (UTM target included)."""

    class Meta:
        model = "shortlinks.ShortLink"

    user = factory.SubFactory(UserFactory)
    post = factory.SubFactory(SuggestedPostFactory)
    network = "linkedin"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from shortlinks.services import link_get_or_create

        return link_get_or_create(user=kwargs["user"], post=kwargs["post"], network=kwargs["network"])


class ConnectedAccountFactory(factory.django.DjangoModelFactory):
    """An employee's connected network account with (encrypted) tokens; Mastodon unless told otherwise."""

    class Meta:
        model = "networks.ConnectedAccount"

    user = factory.SubFactory(UserFactory)
    network = "mastodon"
    handle = factory.Sequence(lambda n: f"@person{n}@mastodon.example")
    external_id = factory.Sequence(lambda n: str(100000 + n))
    instance = "mastodon.example"
    access_token = factory.Sequence(lambda n: f"token-{n}")


# --- Rows as the sharing, click and ledger code leave them ------------------------------------
_events = itertools.count(1)


def make_share(
    *,
    user=None,
    post=None,
    network: str = "x",
    published_at: dt.datetime | None = None,
    external_id: str | None = None,
    account: ConnectedAccount | None = None,
    status: str = Share.Status.PUBLISHED,
) -> Share:
    user = user or UserFactory()
    post = post or SuggestedPostFactory()
    link = ShortLinkFactory(user=user, post=post, network=network)
    return Share.objects.create(
        user=user,
        post=post,
        network=network,
        account=account,
        short_link=link,
        route=Share.Route.DIRECT,
        status=status,
        text="Our new release is out!",
        published_at=published_at or timezone.now(),
        external_id=external_id if external_id is not None else str(next(_events) + 1000),
    )


def make_account(*, user, network: str = "x", instance: str = "", token: str = "token") -> ConnectedAccount:
    return ConnectedAccount.objects.create(
        user=user,
        network=network,
        handle=f"{user.email.split('@')[0]}",
        external_id=f"ext-{next(_events)}",
        instance=instance,
        access_token=token,
        scopes="r_member_postAnalytics w_member_social" if network == "linkedin" else "",
    )


def make_click(*, link, at: dt.datetime | None = None, unique: bool = True, self_click: bool = False) -> Click:
    return Click.objects.create(
        link=link,
        event_id=f"evt-{next(_events)}",
        clicked_at=at or timezone.now(),
        is_unique=unique,
        is_self_click=self_click,
    )


_sources = itertools.count(1)


def award(user, points: int, at: dt.datetime) -> None:
    """A ledger entry straight through the ledger service, for board tests."""
    ledger.entry_create(
        user_id=user.id,
        action=Action.SHARE,
        points=points,
        source_type="test",
        source_id=next(_sources),
        occurred_at=at,
        reason="test award",
    )


def allauth_connection(user, *, provider: str, uid: str, token: str, refresh: str = "", expires_in=None, extra=None):
    """What django-allauth leaves behind after its OAuth flow with SOCIALACCOUNT_STORE_TOKENS on."""
    app, _ = SocialApp.objects.get_or_create(
        provider="openid_connect" if provider == "linkedin" else provider,
        provider_id=provider if provider == "linkedin" else "",
        defaults={"name": provider, "client_id": f"{provider}-client", "secret": "secret"},
    )
    account = SocialAccount.objects.create(user=user, provider=provider, uid=uid, extra_data=extra or {})
    expires_at = timezone.now() + expires_in if isinstance(expires_in, dt.timedelta) else None
    return SocialToken.objects.create(
        app=app, account=account, token=token, token_secret=refresh, expires_at=expires_at
    )
