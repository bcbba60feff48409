import json

import pytest
from standardwebhooks import Webhook

from webhooks.models import EventType
from webhooks.services import endpoint_create


@pytest.fixture
def receiver(httpserver):
    """A local receiver (pytest-httpserver on 127.0.0.1) that answers 204 unless a test says otherwise."""
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=204)
    return httpserver


def make_endpoint(url: str, *events: str, owner=None, description: str = ""):
    return endpoint_create(url=url, events=list(events or EventType.values), owner=owner, description=description)


@pytest.fixture
def endpoint(receiver, advocacy_admin):
    return make_endpoint(receiver.url_for("/hook"), owner=advocacy_admin)


def verified(request, secret: str) -> dict:
    """The body of a received request, verified by the Standard Webhooks reference library (not our code)."""
    return Webhook(secret).verify(request.get_data(), dict(request.headers))


def bodies(server) -> list[dict]:
    return [json.loads(request.get_data()) for request, _ in server.log]
