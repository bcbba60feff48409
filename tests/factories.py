import datetime as dt

import factory
from django.utils import timezone

from accounts.models import EmployeeProfile, Location, Team, User
from accounts.roles import EMPLOYEE
from campaigns.models import Campaign, PostStatus, PostVariant, SuggestedPost

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
