"""Admins manage endpoints and read the delivery log in the Django admin; bad input gets a clear error."""

import pytest
from django.contrib.messages import get_messages

from infra.outbound_http import REFUSED_MESSAGE
from webhooks.models import Delivery, DeliveryAttempt, Endpoint, EventType
from webhooks.services import NewEvent, deliveries_send_due, events_record

from .conftest import make_endpoint, verified

pytestmark = pytest.mark.django_db

ADD = "/admin/webhooks/endpoint/add/"


@pytest.fixture
def admin_client(client, advocacy_admin):
    client.force_login(advocacy_admin)
    return client


def form(**values) -> dict:
    return {"url": "", "description": "", "events": [], "is_active": "on", "owner": "", **values}


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(admin_client, advocacy_admin, receiver):
    url = receiver.url_for("/hook")
    response = admin_client.post(
        ADD, form(url=url, description="CRM", events=["share.published", "clicks.counted"], owner=advocacy_admin.pk)
    )
    assert response.status_code == 302
    endpoint = Endpoint.objects.get()
    assert endpoint.events == ["clicks.counted", "share.published"] and endpoint.owner == advocacy_admin
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40
    (shown,) = [text for text in texts(response) if "whsec_" in text]
    assert endpoint.secret in shown and "not shown again" in shown
    admin_client.get(response.url)  # the page after saving shows it
    page = admin_client.get(f"/admin/webhooks/endpoint/{endpoint.pk}/change/").content.decode()
    assert endpoint.secret not in page  # never again
    assert endpoint.secret[:10] in page  # only a hint
    listing = admin_client.get("/admin/webhooks/endpoint/").content.decode()
    assert "CRM" in listing and endpoint.secret not in listing


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"url": "not a url"}, "url", "Enter a valid URL."),
        ({"url": "https://10.1.2.3/hook"}, "url", REFUSED_MESSAGE),  # private
        ({"url": "https://[::1]/hook"}, "url", REFUSED_MESSAGE),
        ({"url": "https://169.254.169.254/latest"}, "url", REFUSED_MESSAGE),  # cloud metadata
        ({"url": "ftp://example.org/hook"}, "url", REFUSED_MESSAGE),
        ({"url": "https://198.51.100.1/hook", "events": []}, "events", "Choose at least one event"),
        ({"url": "https://198.51.100.1/hook", "events": ["share.deleted"]}, "events", "Select a valid choice."),
    ],
)
def test_bad_input_gets_a_clear_error_and_stores_nothing(admin_client, settings, values, field, message):
    settings.OUTBOUND_HTTP_ALLOW_LOOPBACK = False
    values = {"events": ["share.published"], **values}
    response = admin_client.post(ADD, form(**values))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert any(message in error for error in errors[field]), errors
    assert not Endpoint.objects.exists()


def test_rotating_the_secret_shows_the_new_one_once_and_signs_with_it(admin_client, endpoint, receiver):
    old = endpoint.secret
    response = admin_client.post(f"/admin/webhooks/endpoint/{endpoint.pk}/rotate-secret/")
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert any(endpoint.secret in text for text in texts(response))
    events_record(event_type=EventType.EMPLOYEE_JOINED, events=[NewEvent(data={})])
    deliveries_send_due()
    ((request, _),) = receiver.log
    verified(request, endpoint.secret)


def test_a_content_manager_cannot_rotate_a_secret(client, content_manager, endpoint):
    client.force_login(content_manager)
    old = endpoint.secret
    client.post(f"/admin/webhooks/endpoint/{endpoint.pk}/rotate-secret/")
    endpoint.refresh_from_db()
    assert endpoint.secret == old


def test_the_delivery_log_shows_each_attempt_and_resend_sends_the_same_id_again(
    admin_client, advocacy_admin, httpserver
):
    httpserver.expect_oneshot_request("/hook").respond_with_data("", status=500)
    httpserver.expect_request("/hook").respond_with_data("", status=200)
    make_endpoint(httpserver.url_for("/hook"), owner=advocacy_admin)
    events_record(event_type=EventType.EMPLOYEE_JOINED, events=[NewEvent(data={"x": 1})])
    deliveries_send_due()
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.FAILED)  # as after a day of failures
    listing = admin_client.get("/admin/webhooks/delivery/?status=failed").content.decode()
    assert "employee.joined" in listing and delivery.event.message_id in listing
    page = admin_client.get(f"/admin/webhooks/delivery/{delivery.pk}/change/").content.decode()
    assert "HTTP 500" in page and "500" in page
    response = admin_client.post(
        "/admin/webhooks/delivery/", {"action": "resend", "_selected_action": [delivery.pk]}, follow=True
    )
    assert "1 delivery queued to be sent again." in response.content.decode()
    deliveries_send_due()
    assert [r.status_code for _, r in httpserver.log] == [500, 200]
    assert len({request.headers["webhook-id"] for request, _ in httpserver.log}) == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED
    assert DeliveryAttempt.objects.filter(delivery=delivery).count() == 2


def test_resend_leaves_a_delivery_that_is_being_sent_alone(admin_client, endpoint):
    events_record(event_type=EventType.EMPLOYEE_JOINED, events=[NewEvent(data={})])
    Delivery.objects.update(status=Delivery.Status.SENDING)
    response = admin_client.post(
        "/admin/webhooks/delivery/",
        {"action": "resend", "_selected_action": list(Delivery.objects.values_list("pk", flat=True))},
        follow=True,
    )
    assert "Nothing to resend" in response.content.decode()
    assert Delivery.objects.get().status == Delivery.Status.SENDING


def test_switching_an_endpoint_off_in_the_admin_stops_deliveries(admin_client, endpoint, receiver):
    values = form(url=endpoint.url, events=endpoint.events, owner=endpoint.owner_id)
    values.pop("is_active")
    assert admin_client.post(f"/admin/webhooks/endpoint/{endpoint.pk}/change/", values).status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    events_record(event_type=EventType.EMPLOYEE_JOINED, events=[NewEvent(data={})])
    assert deliveries_send_due() == 0 and receiver.log == []
