"""A worker that dies, or a database that restarts, between the claim and the recorded result: the post exists
once on the network, and the share ends published with its id (never failed, never posted twice)."""

import datetime as dt

import pytest
import time_machine
from django.db import OperationalError, connection, connections
from django.urls import reverse
from django.utils import timezone

from networks.models import Share
from networks.providers.mastodon import MastodonProvider
from networks.providers.x import XProvider
from networks.services.publishing import STUCK_AFTER, share_publish, shares_publish_due
from networks.services.sharing import share_direct_create


class WorkerKilled(BaseException):
    """What SIGKILL looks like from inside: nothing after it runs, no `except Exception` catches it."""


def die_after_the_network_answered(monkeypatch, provider_class):
    real_publish = provider_class.publish

    def publish_then_die(self, *args, **kwargs):
        real_publish(self, *args, **kwargs)
        raise WorkerKilled

    monkeypatch.setattr(provider_class, "publish", publish_then_die)
    return lambda: monkeypatch.setattr(provider_class, "publish", real_publish)


def recover_later(minutes: int) -> None:
    """Beat's every-minute job, run as it would be once the stuck claim is old enough, then again."""
    later = timezone.now() + STUCK_AFTER + dt.timedelta(minutes=minutes)
    with time_machine.travel(later):
        shares_publish_due()
    with time_machine.travel(later + dt.timedelta(minutes=5)):
        shares_publish_due()


@pytest.mark.django_db
def test_a_worker_killed_after_x_made_the_post_ends_published_once(monkeypatch, x_account, employee, x_api, post):
    share = share_direct_create(user=employee, post=post, network="x")
    restore = die_after_the_network_answered(monkeypatch, XProvider)
    with pytest.raises(WorkerKilled):
        share_publish(share_id=share.pk)
    restore()
    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHING  # the claim was committed; the result never was
    assert len(x_api.tweets) == 1

    recover_later(minutes=1)

    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHED
    assert share.external_id == x_api.tweets[0]["id"]
    assert len(x_api.tweets) == 1  # found on X, never sent again


@pytest.mark.django_db
def test_a_worker_killed_after_mastodon_made_the_post_is_retried_with_the_same_key(
    monkeypatch, client, employee, mastodon, post
):
    client.force_login(employee)
    response = client.post(reverse("networks:mastodon_connect"), {"instance": f"http://{mastodon.instance}/"})
    client.get(reverse("networks:mastodon_callback"), mastodon.approve(response["Location"]))
    share = share_direct_create(user=employee, post=post, network="mastodon")
    restore = die_after_the_network_answered(monkeypatch, MastodonProvider)
    with pytest.raises(WorkerKilled):
        share_publish(share_id=share.pk)
    restore()
    assert len(mastodon.statuses) == 1

    recover_later(minutes=1)  # stuck → queued again (Mastodon keeps the Idempotency-Key for an hour)
    share.refresh_from_db()
    assert share.status == Share.Status.QUEUED
    share_publish(share_id=share.pk)

    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHED
    assert len(mastodon.statuses) == 1
    assert share.external_id == mastodon.statuses[0]["status"]["id"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="restarts a PostgreSQL session")
def test_postgresql_restarting_between_claim_and_result_ends_published_once(
    monkeypatch, x_account, employee, x_api, post
):
    """The server drops our session right after X made the post: the result cannot be written."""
    monkeypatch.setattr("networks.services.sharing.share_enqueue", lambda share_id: None)  # the worker below
    share = share_direct_create(user=employee, post=post, network="x")
    real_publish = XProvider.publish

    def publish_then_lose_the_database(self, *args, **kwargs):
        published = real_publish(self, *args, **kwargs)
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        import psycopg

        db = connections["default"].settings_dict
        with psycopg.connect(
            dbname=db["NAME"],
            user=db["USER"],
            password=db["PASSWORD"],
            host=db["HOST"],
            port=db["PORT"],
            autocommit=True,
        ) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        return published

    monkeypatch.setattr(XProvider, "publish", publish_then_lose_the_database)
    with pytest.raises(OperationalError, match="terminat|closed"):
        share_publish(share_id=share.pk)
    monkeypatch.setattr(XProvider, "publish", real_publish)
    connections["default"].close()  # what a restarted worker starts with: a new session

    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHING
    assert len(x_api.tweets) == 1

    recover_later(minutes=1)

    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHED
    assert share.external_id == x_api.tweets[0]["id"]
    assert len(x_api.tweets) == 1
