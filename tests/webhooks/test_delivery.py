"""Sending webhooks: signed per Standard Webhooks, retried for a day with one id, in order per share, claimed
once, never to a private address, and switched off (owner told) when an endpoint keeps failing."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from werkzeug import Response

from infra.outbound_http import REFUSED_MESSAGE
from networks.models import Share
from tests.factories import UserFactory, make_account, make_share
from webhooks import services
from webhooks.models import Delivery, DeliveryAttempt, Endpoint, Event, EventType
from webhooks.services import MAX_ATTEMPTS, deliveries_send_due, delivery_send

from .conftest import bodies, make_endpoint, verified

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def publish(share: Share) -> bool:
    """The publisher's own move: PUBLISHING → PUBLISHED (what the webhook is announced by)."""
    Share.objects.filter(pk=share.pk).update(status=Share.Status.PUBLISHING)
    return Share.objects.move(share.pk, to=Share.Status.PUBLISHED, from_=[Share.Status.PUBLISHING])


def queued_share(**kwargs) -> Share:
    user = UserFactory()
    return make_share(user=user, account=make_account(user=user), status=Share.Status.QUEUED, **kwargs)


def send_all(now=None) -> int:
    """What the workers do: send every due delivery (queued tasks run eagerly in tests)."""
    return deliveries_send_due(now=now)


def test_a_published_share_reaches_the_receiver_signed_as_the_spec_says(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    share = queued_share(external_id="1790")
    with django_capture_on_commit_callbacks(execute=True):  # the task is queued after the commit
        assert publish(share)
    ((request, response),) = receiver.log
    assert response.status_code == 204
    body = verified(request, endpoint.secret)  # the reference implementation accepts id, timestamp, signature
    assert body["type"] == "share.published"
    assert body["data"]["share"]["id"] == share.pk and body["data"]["share"]["status"] == "published"
    assert body["data"]["share"]["employee"]["email"] == share.user.email
    event = Event.objects.get()
    assert request.headers["webhook-id"] == event.message_id and event.message_id.startswith("msg_")
    assert abs(int(request.headers["webhook-timestamp"]) - timezone.now().timestamp()) < 5
    assert request.headers["webhook-signature"].startswith("v1,")
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.DELIVERED and delivery.last_status_code == 204


def test_a_wrong_secret_does_not_verify(endpoint, receiver):
    publish(queued_share())
    send_all()
    ((request, _),) = receiver.log
    from standardwebhooks.webhooks import WebhookVerificationError

    other = make_endpoint("https://example.org/hook")
    with pytest.raises(WebhookVerificationError):
        verified(request, other.secret)


def test_a_receiver_answering_500_three_times_gets_the_event_on_the_fourth_try_exactly_once(advocacy_admin, httpserver):
    for _ in range(3):
        httpserver.expect_oneshot_request("/hook", method="POST").respond_with_data("down", status=500)
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok", status=200)
    endpoint = make_endpoint(httpserver.url_for("/hook"), "share.published", owner=advocacy_admin)
    with time_machine.travel(START, tick=False) as clock:
        publish(queued_share())
        send_all()
        waits = []
        for _ in range(3):
            delivery = Delivery.objects.get()
            waits.append(delivery.next_attempt_at - timezone.now())
            assert send_all() == 0  # not due yet: nothing is sent early
            clock.move_to(delivery.next_attempt_at)
            send_all()
        assert send_all(now=timezone.now() + dt.timedelta(days=3)) == 0  # delivered: nothing more, ever
    statuses = [response.status_code for _, response in httpserver.log]
    assert statuses == [500, 500, 500, 200]
    ids = {request.headers["webhook-id"] for request, _ in httpserver.log}
    assert len(ids) == 1  # the same id on every try: a receiver can drop repeats
    assert len({request.get_data() for request, _ in httpserver.log}) == 1  # and the same bytes
    for request, _ in httpserver.log:  # each try signed afresh, with its own timestamp
        with time_machine.travel(int(request.headers["webhook-timestamp"])):
            verified(request, endpoint.secret)
    assert waits[0] == dt.timedelta(seconds=5)
    assert dt.timedelta(minutes=5) <= waits[1] <= dt.timedelta(minutes=5.5)
    assert dt.timedelta(minutes=30) <= waits[2] <= dt.timedelta(minutes=33)
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.DELIVERED and delivery.attempts == 4
    assert list(DeliveryAttempt.objects.order_by("at").values_list("status_code", flat=True)) == [500, 500, 500, 200]
    assert Endpoint.objects.get().failing_since is None  # a success clears the failure record


def test_retries_span_about_a_day_then_the_delivery_is_failed_and_kept_for_a_resend(advocacy_admin, httpserver):
    httpserver.expect_request("/hook").respond_with_data("no", status=503)
    make_endpoint(httpserver.url_for("/hook"), "share.published", owner=advocacy_admin)
    with time_machine.travel(START, tick=False) as clock:
        publish(queued_share())
        send_all()
        for _ in range(MAX_ATTEMPTS + 2):  # bounded: a delivery stuck PENDING fails the test, never hangs it
            delivery = Delivery.objects.get()
            if delivery.status != Delivery.Status.PENDING:
                break
            clock.move_to(delivery.next_attempt_at)
            send_all()
    assert len(httpserver.log) == MAX_ATTEMPTS == 8
    last = DeliveryAttempt.objects.order_by("-at").first()
    assert dt.timedelta(hours=27) <= last.at - START <= dt.timedelta(hours=31)  # "about a day"
    assert delivery.status == Delivery.Status.FAILED and delivery.last_error == "HTTP 503"


def test_a_receiver_on_a_private_address_is_refused_before_any_connection(settings, advocacy_admin, httpserver):
    settings.OUTBOUND_HTTP_ALLOW_LOOPBACK = False
    httpserver.expect_request("/hook").respond_with_data("", status=204)
    make_endpoint(httpserver.url_for("/hook"), "share.published", owner=advocacy_admin)  # 127.0.0.1, made before
    publish(queued_share())
    send_all()
    assert httpserver.log == []  # never reached
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.PENDING and delivery.last_status_code is None
    assert delivery.last_error == REFUSED_MESSAGE
    assert DeliveryAttempt.objects.get().error == REFUSED_MESSAGE


def test_events_of_one_share_reach_an_endpoint_in_order(advocacy_admin, httpserver, django_capture_on_commit_callbacks):
    httpserver.expect_oneshot_request("/hook").respond_with_data("", status=500)
    httpserver.expect_request("/hook").respond_with_data("", status=204)
    endpoint = make_endpoint(httpserver.url_for("/hook"), owner=advocacy_admin)
    share = queued_share()
    with time_machine.travel(START, tick=False) as clock:
        services.events_record(
            event_type=EventType.SHARE_FAILED,
            events=[services.NewEvent(data={"n": 1}, ordering_key=f"share:{share.pk}")],
        )
        services.events_record(
            event_type=EventType.SHARE_PUBLISHED,
            events=[services.NewEvent(data={"n": 2}, ordering_key=f"share:{share.pk}")],
        )
        services.events_record(event_type=EventType.EMPLOYEE_JOINED, events=[services.NewEvent(data={"n": 3})])
        send_all()  # the first fails; the second waits behind it; the unordered one goes
        assert [body["data"]["n"] for body in bodies(httpserver)] == [1, 3]
        second = Delivery.objects.get(event__type=EventType.SHARE_PUBLISHED)
        assert delivery_send(delivery_id=second.pk) is None  # a task for it now sends nothing
        clock.shift(dt.timedelta(seconds=5))
        with django_capture_on_commit_callbacks(execute=True):
            send_all()  # the first goes, then (queued as it settles) the second
    assert [body["data"]["n"] for body in bodies(httpserver)] == [1, 3, 1, 2]
    assert set(endpoint.deliveries.values_list("status", flat=True)) == {Delivery.Status.DELIVERED}


def test_two_workers_never_send_the_same_attempt(endpoint, receiver):
    publish(queued_share())
    delivery = Delivery.objects.get()
    # A worker claimed it and is sending right now:
    assert Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.SENDING, claimed_at=timezone.now())
    assert delivery_send(delivery_id=delivery.pk) is None
    assert send_all() == 0
    assert receiver.log == []


def test_a_worker_that_died_mid_send_has_its_claim_released_and_the_same_id_sent_again(endpoint, receiver):
    publish(queued_share())
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENDING, claimed_at=timezone.now() - dt.timedelta(minutes=6), attempts=1
    )
    send_all()
    ((request, _),) = receiver.log
    assert request.headers["webhook-id"] == delivery.event.message_id
    assert Delivery.objects.get().status == Delivery.Status.DELIVERED


def test_an_endpoint_failing_for_a_day_is_switched_off_and_its_owner_is_told(
    advocacy_admin, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook").respond_with_data("", status=500)
    endpoint = make_endpoint(httpserver.url_for("/hook"), "share.published", owner=advocacy_admin, description="CRM")
    with time_machine.travel(START, tick=False) as clock:
        publish(queued_share())
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(MAX_ATTEMPTS + 2):  # bounded: never hangs the suite
                delivery = Delivery.objects.get()
                if delivery.status != Delivery.Status.PENDING:
                    break
                endpoint.refresh_from_db()
                if not endpoint.is_active:
                    break
                clock.move_to(delivery.next_attempt_at)
                send_all()
        endpoint.refresh_from_db()
        assert not endpoint.is_active
        assert endpoint.disabled_at - START >= dt.timedelta(hours=24)
        assert "No successful delivery for over 24 hours" in endpoint.disabled_reason
        # a later event is not even recorded for it, and pending ones wait
        publish(queued_share())
        assert send_all(now=timezone.now() + dt.timedelta(days=2)) == 0
    (message,) = mail.outbox
    assert message.to == [advocacy_admin.email]
    assert message.subject == "Webhook endpoint switched off: CRM"
    assert endpoint.url in message.body and "HTTP 500" in message.body
    assert f"/admin/webhooks/endpoint/{endpoint.pk}/change/" in message.body
    assert endpoint.url in message.alternatives[0][0]
    assert len(httpserver.log) == MAX_ATTEMPTS  # the first failing attempt past 24 h is the last retry


def test_switching_an_endpoint_on_again_sends_what_waited(
    advocacy_admin, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook").respond_with_data("", status=204)
    endpoint = make_endpoint(httpserver.url_for("/hook"), "share.published", owner=advocacy_admin)
    publish(queued_share())
    services.endpoint_disable(endpoint_id=endpoint.pk, reason="test")
    assert send_all() == 0
    endpoint.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.endpoint_update(endpoint=endpoint, fields={"is_active": True})
    assert len(httpserver.log) == 1
    endpoint.refresh_from_db()
    assert endpoint.disabled_at is None and endpoint.disabled_reason == ""


def test_an_endpoint_only_gets_the_events_it_chose(receiver, advocacy_admin):
    make_endpoint(receiver.url_for("/hook"), "post.published", owner=advocacy_admin)
    publish(queued_share())
    assert Event.objects.count() == 0  # nobody listens: nothing is stored
    assert send_all() == 0


def test_a_redirect_is_not_followed_and_counts_as_a_failure(advocacy_admin, httpserver):
    httpserver.expect_request("/hook").respond_with_response(Response("", status=302, headers={"Location": "/x"}))
    make_endpoint(httpserver.url_for("/hook"), "share.published", owner=advocacy_admin)
    publish(queued_share())
    send_all()
    assert len(httpserver.log) == 1
    assert Delivery.objects.get().last_error == "HTTP 302"


def test_retry_after_from_the_receiver_is_honoured(advocacy_admin, httpserver):
    httpserver.expect_request("/hook").respond_with_response(Response("", status=429, headers={"Retry-After": "600"}))
    make_endpoint(httpserver.url_for("/hook"), "share.published", owner=advocacy_admin)
    with time_machine.travel(START, tick=False):
        publish(queued_share())
        send_all()
        assert Delivery.objects.get().next_attempt_at - timezone.now() == dt.timedelta(seconds=600)


def test_a_short_retry_is_queued_with_its_countdown_not_left_to_the_minute_sweep(
    advocacy_admin, httpserver, monkeypatch, django_capture_on_commit_callbacks
):
    from webhooks.tasks import delivery_send_task

    httpserver.expect_request("/hook").respond_with_data("", status=500)
    make_endpoint(httpserver.url_for("/hook"), "share.published", owner=advocacy_admin)
    queued = []
    real = delivery_send_task.apply_async

    def apply_async(args, kwargs=None, countdown=None, **options):
        queued.append((args, countdown))
        return None if countdown else real(args, kwargs, **options)

    monkeypatch.setattr(delivery_send_task, "apply_async", apply_async)
    publish(queued_share())
    with django_capture_on_commit_callbacks(execute=True):
        send_all()
    delivery = Delivery.objects.get()
    assert queued == [((delivery.pk,), None), ((delivery.pk,), 5.0)]  # sent at once; the retry in 5 s
