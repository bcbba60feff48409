"""Builders for shares and clicks as the sharing and short-link code leave them."""

import datetime as dt
import itertools

from django.utils import timezone

from analytics.models import Click
from networks.models import ConnectedAccount, Share
from tests.factories import ShortLinkFactory, SuggestedPostFactory, UserFactory

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
