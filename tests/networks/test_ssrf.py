"""Issue 9 §1: no request to our own network on anyone's behalf, through the app's own flows.

Every finding of the issue, reproduced through the views and services and refused. The
"internal network" is a listener on 127.0.0.1 that counts TCP connections (it must see
none); the "public internet" is 127.0.0.2, trusted through OUTBOUND_HTTP_ALLOWED_NETWORKS,
while loopback itself stays disallowed, as in production. The address forms themselves
are covered one by one in tests/infra/test_outbound_http.py.
"""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from pytest_httpserver import HTTPServer

from campaigns.forms import SuggestedPostAdminForm
from infra.outbound_http import REFUSED_MESSAGE
from networks.models import ConnectedAccount, MastodonApp
from networks.opengraph import page_preview_fetch
from networks.services.sharing import link_card_build
from tests.fakes.base import json_response
from tests.fakes.bluesky import FakeBluesky

PUBLIC_IP = "127.0.0.2"
SECRET = "INTERNAL-ADMIN-SECRET"


class Listener:
    """An internal service on 127.0.0.1: counts connections, answers every request with SECRET."""

    def __init__(self, *, status: int = 403, content_type: str = "application/json", body: bytes | None = None):
        self.connections = 0
        self.bodies: list[bytes] = []
        outer = self
        payload = body if body is not None else json.dumps({"error": "Forbidden", "message": SECRET}).encode()

        class Handler(BaseHTTPRequestHandler):
            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                outer.bodies.append(self.rfile.read(length) if length else b"")
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = answer

            def log_message(self, *args):
                pass

        class Httpd(ThreadingHTTPServer):
            daemon_threads = True

            def verify_request(self, request, client_address):
                outer.connections += 1
                return True

        self.httpd = Httpd(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def internal():
    listener = Listener()
    yield listener
    listener.close()


@pytest.fixture
def lab(settings):
    """Production's policy, except plain http is allowed and 127.0.0.2 plays a public address."""
    settings.OUTBOUND_HTTP_ALLOW_HTTP = True
    settings.OUTBOUND_HTTP_ALLOW_LOOPBACK = False
    settings.OUTBOUND_HTTP_ALLOWED_NETWORKS = [f"{PUBLIC_IP}/32"]
    return settings


@pytest.fixture
def public_server():
    server = HTTPServer(host=PUBLIC_IP, port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


# --- Bluesky connect: the DID document names the server the app password goes to ------------


class InternalPdsBluesky(FakeBluesky):
    """A Bluesky whose DID document names an internal service as the account's PDS."""

    pds_endpoint = ""

    def route_plc(self, request, did):
        return json_response(
            {
                "id": did,
                "service": [
                    {"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": self.pds_endpoint}
                ],
            }
        )


def test_bluesky_connect_never_sends_the_app_password_to_an_internal_pds(
    client, employee, lab, public_server, internal
):
    bluesky = InternalPdsBluesky(public_server)
    bluesky.pds_endpoint = internal.url("/internal-admin")
    lab.BLUESKY_RESOLVER_URL = bluesky.resolver_url
    lab.BLUESKY_PLC_URL = bluesky.plc_url
    client.force_login(employee)
    response = client.post(
        reverse("networks:bluesky_connect"), {"handle": bluesky.handle, "app_password": bluesky.app_password}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert REFUSED_MESSAGE in page
    assert SECRET not in page
    assert internal.connections == 0
    assert not any(bluesky.app_password.encode() in body for body in internal.bodies)
    assert bluesky.count("plc") == 1  # the document was read; only the PDS was refused
    assert not ConnectedAccount.objects.exists()


def test_bluesky_connect_shows_no_word_of_what_a_pds_answered(client, employee, lab, public_server):
    """A public PDS that refuses with its own text: fixed words in the form, the text only in the log."""
    bluesky = InternalPdsBluesky(public_server)
    bluesky.pds_endpoint = bluesky.url()
    bluesky.fail("create_session", 400, {"error": "InvalidRequest", "message": SECRET})
    lab.BLUESKY_RESOLVER_URL = bluesky.resolver_url
    lab.BLUESKY_PLC_URL = bluesky.plc_url
    client.force_login(employee)
    response = client.post(
        reverse("networks:bluesky_connect"), {"handle": bluesky.handle, "app_password": bluesky.app_password}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert SECRET not in page
    assert "did not accept that handle and app password" in page
    bluesky.fail("create_session", 502, raw=f"<h1>{SECRET}</h1>")
    response = client.post(
        reverse("networks:bluesky_connect"), {"handle": bluesky.handle, "app_password": bluesky.app_password}
    )
    assert SECRET not in response.content.decode()
    assert "could not be reached" in response.content.decode()


# --- Mastodon connect: the instance is whatever the employee typed -----------------------------


@pytest.mark.parametrize(
    "instance",
    [
        "127.0.0.1:{port}",  # the 127.0.0.1:6379, on a port we can watch
        "2130706433:{port}",  # 127.0.0.1 as one decimal number
        "0x7f000001:{port}",  # 127.0.0.1 in hex
        "169.254.169.254",  # cloud metadata
        "10.0.0.1",  # private
        "localhost:{port}",
    ],
)
def test_mastodon_connect_refuses_internal_instances_without_contacting_them(client, employee, lab, internal, instance):
    client.force_login(employee)
    response = client.post(reverse("networks:mastodon_connect"), {"instance": instance.format(port=internal.port)})
    assert response.status_code == 400
    assert REFUSED_MESSAGE in response.content.decode()
    assert internal.connections == 0
    assert not MastodonApp.objects.exists()


def test_mastodon_connect_does_not_tell_a_closed_port_from_a_silent_one(client, employee, lab, settings):
    """The issue's port scanner: "did not answer in time" vs "could not connect". Now one message."""
    settings.NETWORK_HTTP_TIMEOUT = 0.3
    silent = socket.socket()
    silent.bind((PUBLIC_IP, 0))
    silent.listen(8)  # accepts, never answers: a read timeout
    closed = socket.socket()
    closed.bind((PUBLIC_IP, 0))  # bound, not listening: connection refused
    instances = [f"{PUBLIC_IP}:{sock.getsockname()[1]}" for sock in (silent, closed)]
    client.force_login(employee)
    try:
        pages = [client.post(reverse("networks:mastodon_connect"), {"instance": name}) for name in instances]
    finally:
        silent.close()
        closed.close()
    assert [page.status_code for page in pages] == [400, 400]
    errors = [
        page.context["mastodon_form"].errors["instance"][0].replace(name, "INSTANCE")
        for page, name in zip(pages, instances, strict=True)
    ]
    assert errors == ["INSTANCE did not answer as a Mastodon server."] * 2


def test_mastodon_connect_never_reflects_the_instances_answer(client, employee, lab, public_server):
    public_server.expect_request("/api/v1/apps", method="POST").respond_with_data(
        f"<h1>{SECRET}</h1>", status=422, content_type="text/html"
    )
    client.force_login(employee)
    response = client.post(reverse("networks:mastodon_connect"), {"instance": f"{PUBLIC_IP}:{public_server.port}"})
    assert response.status_code == 400
    assert SECRET not in response.content.decode()
    assert "refused to register the app" in response.content.decode()


# --- Open Graph card: the target page, and every redirect from it ------------------------------


def test_card_fetch_does_not_follow_an_external_redirect_into_our_network(lab, public_server, settings, post):
    internal = Listener(
        status=200, content_type="text/html", body=f'<meta property="og:title" content="{SECRET}">'.encode()
    )
    try:
        public_server.expect_request("/article").respond_with_data(
            "", status=302, headers={"Location": internal.url("/admin")}
        )
        external = public_server.url_for("/article")
        assert page_preview_fetch(url=external).title == ""
        settings.SHARE_FETCH_OPEN_GRAPH = True
        post.target_url = external
        card = link_card_build(post=post, link="https://go.example.com/s/Ab3dEf9h", image=None)
        assert card.title == post.title
        assert SECRET not in card.title + card.description
        assert page_preview_fetch(url=internal.url("/admin")).title == ""  # a literal internal target too
        assert internal.connections == 0
    finally:
        internal.close()


def test_card_fetch_still_reads_a_public_page(lab, public_server):
    public_server.expect_request("/article").respond_with_data(
        '<html><head><meta property="og:title" content="Launch day"></head></html>', content_type="text/html"
    )
    assert page_preview_fetch(url=public_server.url_for("/article")).title == "Launch day"


# --- A post's target URL: refused where it is saved -------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "https://2130706433/",
        "https://10.0.0.1/intranet",
        "http://[::ffff:127.0.0.1]/",
    ],
)
def test_a_post_target_url_on_our_own_network_is_refused_by_the_form(settings, db, url):
    settings.OUTBOUND_HTTP_ALLOW_LOOPBACK = False
    form = SuggestedPostAdminForm(data={"target_url": url, "title": "Launch"})
    assert not form.is_valid()
    assert (
        "This address points to a private or local network; enter a public web address." in (form.errors["target_url"])
    )


@pytest.mark.parametrize("url", ["https://example.com/launch", "http://blog.example.org/2026/launch?utm=x"])
def test_a_public_target_url_is_accepted_by_the_form(settings, db, url):
    settings.OUTBOUND_HTTP_ALLOW_LOOPBACK = False
    form = SuggestedPostAdminForm(data={"target_url": url, "title": "Launch"})
    form.is_valid()
    assert "target_url" not in form.errors
