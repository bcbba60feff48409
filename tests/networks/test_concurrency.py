"""Races that only a real database can show: run on PostgreSQL (CI sets DATABASE_URL), skipped on SQLite."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from networks.models import ConnectedAccount, Share
from networks.services.connections import account_refresh
from networks.services.publishing import share_publish
from networks.services.sharing import share_direct_create
from tests.factories import ConnectedAccountFactory, SuggestedPostFactory, UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def run_together(target, n=2):
    barrier = threading.Barrier(n)
    errors = []

    def worker():
        try:
            barrier.wait()
            target()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors


def test_two_workers_refreshing_the_same_x_account_spend_the_refresh_token_once(x_api):
    x_api.token_delay = 0.3
    user = UserFactory()
    account = ConnectedAccountFactory(
        user=user,
        network="x",
        instance="",
        external_id="42",
        access_token="x-access-1",
        refresh_token="x-refresh-1",
        refreshable=True,
        token_expires_at=timezone.now() - dt.timedelta(minutes=1),
    )
    run_together(lambda: account_refresh(account_id=account.pk, force=True))
    account.refresh_from_db()
    assert x_api.count("token") == 1
    assert account.health == ConnectedAccount.Health.OK
    assert account.refresh_token in x_api.refresh


def test_two_workers_publishing_the_same_share_post_once(mastodon):
    mastodon.tokens["tok"] = {"scope": "write"}
    user = UserFactory()
    account = ConnectedAccountFactory(user=user, network="mastodon", instance=mastodon.instance, access_token="tok")
    post = SuggestedPostFactory()
    share = share_direct_create(user=user, post=post, network="mastodon")
    run_together(lambda: share_publish(share_id=share.pk))
    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHED
    assert mastodon.count("statuses") == 1
    assert account.pk == share.account_id


def test_two_concurrent_opens_of_the_same_dialog_record_one_share():
    """Both requests pass the "is there one already?" update before either inserts: the partial unique
    index lets one insert win and the other refreshes the winner's row. Repeated to meet the race."""
    from networks.services.sharing import share_intent_create

    user = UserFactory()
    for _ in range(5):
        post = SuggestedPostFactory()
        run_together(lambda post=post: share_intent_create(user=user, post=post, network="linkedin"), n=3)
        assert Share.objects.filter(user=user, post=post, network="linkedin").count() == 1
