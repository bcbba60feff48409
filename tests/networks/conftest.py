import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pytest_httpserver import HTTPServer

from networks.models import ConnectedAccount
from tests.factories import SuggestedPostFactory, allauth_connection
from tests.fakes.bluesky import FakeBluesky
from tests.fakes.linkedin import FakeLinkedIn
from tests.fakes.mastodon import FakeMastodon
from tests.fakes.x import FakeX
from tests.networks.budgets import window_passes


@pytest.fixture(scope="session")
def _servers():
    """One loopback server per network, for the whole session (each test gets fresh fakes on them).

    Threaded: a reconcile must get its answer while the lost-answer handler is still sleeping.
    """
    names = ("mastodon", "bluesky", "linkedin", "x")
    servers = {name: HTTPServer(host="127.0.0.1", port=0, threaded=True) for name in names}
    for server in servers.values():
        server.start()
    yield servers
    for server in servers.values():
        server.clear()
        if server.is_running():
            server.stop()


@pytest.fixture(autouse=True)
def fresh_publish_budgets():
    """Every test starts with empty publish budgets (in-process, and in Redis when configured)."""
    window_passes()
    yield
    window_passes()


@pytest.fixture(autouse=True)
def network_settings(settings, monkeypatch):
    monkeypatch.setattr("networks.providers.mastodon.MEDIA_POLL_SECONDS", (0, 0, 0))
    settings.SITE_URL = "https://advocacy.example.com"
    settings.SHORTLINK_BASE_URL = "https://go.example.com"
    settings.MASTODON_SCHEME = "http"
    settings.NETWORK_HTTP_TIMEOUT = 0.5
    settings.SHARE_FETCH_OPEN_GRAPH = False
    settings.X_DIRECT_POSTING = False
    settings.X_CLIENT_ID = ""
    settings.X_CLIENT_SECRET = ""
    settings.LINKEDIN_CLIENT_ID = ""
    settings.LINKEDIN_CLIENT_SECRET = ""
    return settings


def _fresh(server, cls, **kwargs):
    server.clear()
    return cls(server, **kwargs)


@pytest.fixture
def mastodon(_servers):
    return _fresh(_servers["mastodon"], FakeMastodon)


@pytest.fixture
def bluesky(_servers, settings):
    fake = _fresh(_servers["bluesky"], FakeBluesky)
    settings.BLUESKY_RESOLVER_URL = fake.resolver_url
    settings.BLUESKY_PLC_URL = fake.plc_url
    return fake


@pytest.fixture
def linkedin(_servers, settings):
    fake = _fresh(_servers["linkedin"], FakeLinkedIn)
    settings.LINKEDIN_API_BASE = fake.url()
    settings.LINKEDIN_OAUTH_SERVER = fake.url("/oauth")
    settings.LINKEDIN_CLIENT_ID = "li-client"
    settings.LINKEDIN_CLIENT_SECRET = "li-secret"
    return fake


@pytest.fixture
def x_api(_servers, settings):
    fake = _fresh(_servers["x"], FakeX)
    settings.X_API_BASE = fake.url()
    settings.X_CLIENT_ID = FakeX.client_id
    settings.X_CLIENT_SECRET = FakeX.client_secret
    settings.X_DIRECT_POSTING = True
    return fake


def jpeg_with_exif(size=(2400, 1600)) -> bytes:
    image = Image.new("RGB", size, (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"  # Make
    exif[0x8825] = {2: (52.0, 31.0, 0.0)}  # GPS latitude
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=95)
    return out.getvalue()


@pytest.fixture
def post(db):
    return SuggestedPostFactory(
        disclaimer="#employee",
        employees_may_edit=True,
        variants={
            "linkedin": "Proud of the team: our new release is out.",
            "x": "Our new release is out!",
            "generic": "Our new release is out. 🎉",
        },
    )


@pytest.fixture
def post_with_image(post, django_capture_on_commit_callbacks):
    from campaigns.services import post_image_set

    with django_capture_on_commit_callbacks(execute=True):  # the renditions task runs after commit
        post_image_set(post=post, upload=SimpleUploadedFile("photo.jpg", jpeg_with_exif(), content_type="image/jpeg"))
    post.refresh_from_db()
    return post


@pytest.fixture
def x_account(client, employee, x_api):
    """Alice's X account, connected through allauth and moved into encrypted storage."""
    allauth_connection(
        employee,
        provider="twitter_oauth2",
        uid="2244994945",
        token="x-access-1",
        refresh="x-refresh-1",
        expires_in=dt.timedelta(hours=2),
        extra={"id": "2244994945", "name": "Alice", "username": "alice_x"},
    )
    client.force_login(employee)
    client.get(reverse("networks:accounts"))
    return ConnectedAccount.objects.get(user=employee, network="x")
