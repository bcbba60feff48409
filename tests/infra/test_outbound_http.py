"""infra.outbound_http: no request reaches our own network on anyone's behalf (issue 9, §1).

No test touches the internet. Host names resolve through a fake resolver; every server
listens on 127.0.0.1 or 127.0.0.2 (both loopback on Linux). 127.0.0.2 plays the "public"
internet: it is trusted through OUTBOUND_HTTP_ALLOWED_NETWORKS, while 127.0.0.1 is the
internal network that must never be reached (loopback stays disallowed).
"""

import datetime as dt
import gzip
import ipaddress
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from infra import outbound_http
from infra.outbound_http import (
    FAILED_MESSAGE,
    REFUSED_MESSAGE,
    OutboundError,
    OutboundFailed,
    OutboundRefused,
    address_allowed,
    check_url,
    outbound_request,
)

PUBLIC_IP = "127.0.0.2"  # stands in for a public address (explicitly allowed below)
INTERNAL_IP = "127.0.0.1"  # stands in for our own network


# --- Helpers ---------------------------------------------------------------------------------


class Server:
    """A small HTTP(S) server that counts every accepted TCP connection."""

    def __init__(self, host: str, tls: ssl.SSLContext | None = None) -> None:
        self.connections = 0
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self.routes: dict = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                outer.requests.append((self.command, self.path, dict(self.headers), body))
                route = outer.routes.get(self.path.split("?")[0])
                if route is None:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", "5")
                    self.end_headers()
                    self.wfile.write(b"hello")
                else:
                    route(self)

            do_GET = do_POST = do_HEAD = handle_any

            def log_message(self, *args):
                pass

        class Httpd(ThreadingHTTPServer):
            daemon_threads = True

            def verify_request(self, request, client_address):
                outer.connections += 1
                return True

            def handle_error(self, request, client_address):
                pass  # clients that give up mid-answer are expected here

        self.httpd = Httpd((host, 0), Handler)
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.host = host
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, path: str = "/", *, host: str | None = None, scheme: str = "http") -> str:
        return f"{scheme}://{host or self.host}:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def redirect_to(location: str, status: int = 302):
    def route(handler):
        handler.send_response(status)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return route


def body(data: bytes, *, length: bool = True, headers: dict | None = None):
    def route(handler):
        handler.send_response(200)
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        if length:
            handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    return route


@pytest.fixture
def strict(settings):
    """Production's policy: https only, no loopback (the app's test settings may relax both)."""
    settings.OUTBOUND_HTTP_ALLOW_HTTP = False
    settings.OUTBOUND_HTTP_ALLOW_LOOPBACK = False
    settings.OUTBOUND_HTTP_ALLOWED_NETWORKS = []
    return settings


@pytest.fixture
def lab(strict):
    """Like production, but plain http is allowed and 127.0.0.2 counts as a public address."""
    strict.OUTBOUND_HTTP_ALLOW_HTTP = True
    strict.OUTBOUND_HTTP_ALLOWED_NETWORKS = [f"{PUBLIC_IP}/32"]
    return strict


@pytest.fixture
def resolver(monkeypatch):
    """Host name -> addresses (a list, or a callable returning one). Unknown names do not resolve."""
    names: dict = {}
    calls: list[str] = []

    def fake_getaddrinfo(host, port):
        calls.append(host)
        try:
            ipaddress.ip_address(host)
        except ValueError:
            pass
        else:
            return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
        if host not in names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        answer = names[host]
        addresses = answer() if callable(answer) else answer
        return [
            (socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
            for ip in addresses
        ]

    monkeypatch.setattr(outbound_http, "_getaddrinfo", fake_getaddrinfo)
    names["calls"] = calls  # type: ignore[assignment]
    return names


@pytest.fixture
def internal():
    server = Server(INTERNAL_IP)
    yield server
    server.close()


@pytest.fixture
def public():
    server = Server(PUBLIC_IP)
    yield server
    server.close()


# --- Every address form is refused, before any lookup or connection --------------------------

REFUSED_URLS = [
    # IPv4, canonical and the forms inet_aton also accepts
    "https://127.0.0.1:6379/",
    "https://127.0.0.1/",
    "https://127.8.9.10/",
    "https://2130706433/",
    "https://0x7f000001/",
    "https://0x7F.0.0.1/",
    "https://0177.0.0.1/",
    "https://127.1/",
    "https://017700000001/",
    "https://134744072/",  # 8.8.8.8 in decimal: a non-canonical form is refused whatever it names
    "https://0.0.0.0/",
    "https://0/",
    "https://169.254.169.254/latest/meta-data/",
    "https://10.1.2.3/",
    "https://172.16.0.1/",
    "https://172.31.255.254/",
    "https://192.168.1.1/",
    "https://100.64.0.1/",  # CGNAT
    "https://100.127.255.254/",
    "https://198.18.0.1/",  # benchmarking
    "https://192.0.0.8/",
    "https://192.0.2.1/",
    "https://203.0.113.7/",
    "https://192.88.99.1/",
    "https://224.0.0.1/",  # multicast
    "https://239.255.255.250/",
    "https://240.0.0.1/",  # reserved
    "https://255.255.255.255/",
    # IPv6
    "https://[::1]/",
    "https://[::1]:6379/",
    "https://[::]/",
    "https://[0:0:0:0:0:0:0:1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:7f00:1]/",
    "https://[::ffff:a9fe:a9fe]/",  # 169.254.169.254, mapped
    "https://[::ffff:8.8.8.8]/",  # mapped forms are refused whatever they name
    "https://[::127.0.0.1]/",  # IPv4-compatible
    "https://[64:ff9b::7f00:1]/",  # NAT64
    "https://[64:ff9b::a9fe:a9fe]/",
    "https://[64:ff9b:1::a00:1]/",
    "https://[2002:7f00:1::1]/",  # 6to4
    "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",  # Teredo
    "https://[2001:db8::1]/",
    "https://[fe80::1]/",
    "https://[fe80::1%25eth0]/",
    "https://[fc00::1]/",
    "https://[fd12:3456:789a::1]/",
    "https://[fec0::1]/",  # site-local
    "https://[ff02::1]/",  # multicast
    "https://[100::1]/",
    # Names that are loopback by definition
    "https://localhost/",
    "https://localhost:8000/",
    "https://LOCALHOST./",
    "https://admin.localhost/",
    # Not an https URL of a host
    "http://example.com/",
    "HTTP://example.com/",
    "ftp://example.com/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_INFO",
    "dict://127.0.0.1:11211/",
    "//example.com/",
    "example.com",
    "https:///path",
    "https://exa mple.com/",
    "https://example.com\\@127.0.0.1/",
    "https://example.com\n.evil/",
    # Credentials in the URL (and the classic confusion)
    "https://user:secret@example.com/",
    "https://example.com@127.0.0.1/",
    "https://example.com:443@169.254.169.254/",
]


@pytest.fixture
def no_dns(monkeypatch):
    def refuse(host, port):
        raise AssertionError(f"looked up {host!r}: a refusal must come before any lookup")

    monkeypatch.setattr(outbound_http, "_getaddrinfo", refuse)


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_check_url_refuses_every_address_form(strict, no_dns, url):
    with pytest.raises(OutboundRefused) as caught:
        check_url(url)
    assert str(caught.value) == REFUSED_MESSAGE


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_outbound_request_refuses_every_address_form(strict, no_dns, url):
    with pytest.raises(OutboundRefused) as caught:
        outbound_request("GET", url)
    assert str(caught.value) == REFUSED_MESSAGE


@pytest.mark.parametrize(
    "addresses",
    [
        ["127.0.0.1"],
        ["10.0.0.5"],
        ["169.254.169.254"],
        ["100.64.1.1"],
        ["::1"],
        ["::ffff:127.0.0.1"],
        ["64:ff9b::7f00:1"],
        ["fd00::1"],
        ["0.0.0.0"],
        ["8.8.8.8", "10.0.0.1"],  # one bad answer is enough: the name is refused
        ["2606:4700::1111", "::1"],
    ],
)
def test_a_name_resolving_to_a_non_public_address_is_refused(strict, resolver, addresses):
    resolver["intranet.example"] = addresses
    with pytest.raises(OutboundRefused):
        check_url("https://intranet.example/")
    with pytest.raises(OutboundRefused):
        outbound_request("GET", "https://intranet.example/admin")


@pytest.mark.parametrize("ip", ["8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700::1111", "2a00:1450:4001:82a::200e"])
def test_public_addresses_are_allowed(ip):
    assert address_allowed(ipaddress.ip_address(ip))


def test_loopback_allowance_covers_loopback_only_never_its_mapped_forms():
    assert address_allowed(ipaddress.ip_address("127.0.0.1"), allow_loopback=True)
    assert address_allowed(ipaddress.ip_address("::1"), allow_loopback=True)
    assert not address_allowed(ipaddress.ip_address("::ffff:127.0.0.1"), allow_loopback=True)
    assert not address_allowed(ipaddress.ip_address("10.0.0.1"), allow_loopback=True)
    assert not address_allowed(ipaddress.ip_address("127.0.0.1"))


def test_check_url_accepts_a_public_https_url_and_can_skip_dns(strict, resolver):
    resolver["example.org"] = ["93.184.215.14"]
    assert check_url(" https://example.org/page?x=1 ") == "https://example.org/page?x=1"
    assert check_url("https://unresolvable.example/", resolve=False) == "https://unresolvable.example/"
    with pytest.raises(OutboundFailed):
        check_url("https://unresolvable.example/")  # does not resolve: a failure, not a refusal


# --- No connection reaches the internal listener --------------------------------------------


def test_no_connection_reaches_a_loopback_listener(lab, resolver, internal):
    resolver["intranet.example"] = [INTERNAL_IP]
    for url in [
        internal.url(),
        internal.url(scheme="https"),
        internal.url(host="intranet.example"),
        internal.url(host="localhost"),
        internal.url(host="2130706433"),
        internal.url(host="[::ffff:127.0.0.1]"),
    ]:
        with pytest.raises(OutboundRefused):
            outbound_request("GET", url)
    assert internal.connections == 0


def test_the_listener_is_reachable_when_loopback_is_allowed(lab, internal):
    """Control for the test above: the same listener answers once loopback is allowed (as in tests)."""
    lab.OUTBOUND_HTTP_ALLOW_LOOPBACK = True
    assert outbound_request("GET", internal.url()).content == b"hello"
    assert internal.connections == 1


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:{port}/secret",
        "http://localhost:{port}/secret",
        "http://2130706433:{port}/secret",
        "http://[::ffff:7f00:1]:{port}/secret",
        "http://intranet.example:{port}/secret",
        "//intranet.example:{port}/secret",  # scheme-relative
    ],
)
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_from_a_public_server_to_the_internal_listener_is_refused(
    lab, resolver, public, internal, location, status
):
    resolver["public.example"] = [PUBLIC_IP]
    resolver["intranet.example"] = [INTERNAL_IP]
    public.routes["/go"] = redirect_to(location.format(port=internal.port), status)
    with pytest.raises(OutboundRefused) as caught:
        outbound_request("GET", public.url("/go", host="public.example"))
    assert str(caught.value) == REFUSED_MESSAGE
    assert public.connections == 1
    assert internal.connections == 0


def test_redirects_between_public_addresses_are_followed_and_capped(lab, resolver, public):
    resolver["public.example"] = [PUBLIC_IP]
    public.routes["/a"] = redirect_to("/b")
    public.routes["/b"] = redirect_to(public.url("/c", host="public.example"), 307)
    response = outbound_request("GET", public.url("/a", host="public.example"))
    assert response.status_code == 200 and response.content == b"hello"
    assert [r.status_code for r in response.history] == [302, 307]
    assert response.url.endswith("/c")

    public.routes["/loop"] = redirect_to("/loop")
    before = len(public.requests)
    with pytest.raises(OutboundFailed) as caught:
        outbound_request("GET", public.url("/loop", host="public.example"), max_redirects=3)
    assert caught.value.reason == "redirects"
    assert len(public.requests) - before == 4  # the first request and three redirects

    response = outbound_request("GET", public.url("/loop", host="public.example"), allow_redirects=False)
    assert response.status_code == 302


def test_a_redirect_to_another_host_drops_credentials_and_a_303_drops_the_body(lab, resolver, public):
    resolver["public.example"] = [PUBLIC_IP]
    resolver["other.example"] = [PUBLIC_IP]
    public.routes["/login"] = redirect_to(public.url("/landing", host="other.example"), 303)
    outbound_request(
        "POST",
        public.url("/login", host="public.example"),
        data={"password": "hunter2"},
        headers={"Authorization": "Bearer token"},
    )
    (_, _, first_headers, first_body), (method, path, headers, second_body) = public.requests
    assert first_headers["Authorization"] == "Bearer token" and b"hunter2" in first_body
    assert (method, path, second_body) == ("GET", "/landing", b"")
    assert "Authorization" not in headers


def test_dns_rebinding_between_check_and_connect_is_refused_at_connect_time(lab, resolver, internal):
    """The name answers a public address to the check, then 127.0.0.1 to the connection."""
    answers = iter([[PUBLIC_IP], [INTERNAL_IP], [INTERNAL_IP]])
    resolver["rebind.example"] = lambda: next(answers)
    with pytest.raises(OutboundRefused):
        outbound_request("GET", internal.url(host="rebind.example"))
    assert resolver["calls"].count("rebind.example") == 2  # the check, then the connection's own lookup
    assert internal.connections == 0


def test_environment_proxies_are_ignored_and_proxies_are_not_accepted(lab, resolver, public, internal, monkeypatch):
    resolver["public.example"] = [PUBLIC_IP]
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, internal.url())
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert outbound_request("GET", public.url(host="public.example")).content == b"hello"
    assert internal.connections == 0
    with pytest.raises(TypeError):
        outbound_request("GET", public.url(host="public.example"), proxies={"http": internal.url()})


# --- https only, and never downgraded ------------------------------------------------------


def test_plain_http_is_refused_outside_tests_before_connecting(strict, resolver, public):
    strict.OUTBOUND_HTTP_ALLOWED_NETWORKS = [f"{PUBLIC_IP}/32"]
    resolver["public.example"] = [PUBLIC_IP]
    with pytest.raises(OutboundRefused):
        outbound_request("GET", public.url(host="public.example"))
    assert public.connections == 0
    strict.OUTBOUND_HTTP_ALLOW_HTTP = True  # read at call time
    assert outbound_request("GET", public.url(host="public.example")).status_code == 200


@pytest.fixture
def tls(tmp_path):
    """A self-signed certificate for public.example: (server context, CA file for `verify`)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "public.example")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("public.example")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context, str(cert_file)


@pytest.fixture
def tls_public(tls):
    server = Server(PUBLIC_IP, tls=tls[0])
    yield server
    server.close()


def test_https_keeps_sni_and_certificate_checks_on_the_host_name(strict, resolver, tls, tls_public):
    strict.OUTBOUND_HTTP_ALLOWED_NETWORKS = [f"{PUBLIC_IP}/32"]
    resolver["public.example"] = [PUBLIC_IP]
    resolver["other.example"] = [PUBLIC_IP]
    ca_file = tls[1]
    response = outbound_request("GET", tls_public.url(host="public.example", scheme="https"), verify=ca_file)
    assert response.content == b"hello"
    assert tls_public.requests[0][2]["Host"] == f"public.example:{tls_public.port}"
    with pytest.raises(OutboundFailed) as caught:  # same address, a name the certificate does not carry
        outbound_request("GET", tls_public.url(host="other.example", scheme="https"), verify=ca_file)
    assert caught.value.request_sent is False


def test_a_redirect_from_https_to_http_is_refused_even_where_http_is_allowed(lab, resolver, tls, tls_public, public):
    resolver["public.example"] = [PUBLIC_IP]
    tls_public.routes["/down"] = redirect_to(public.url("/x", host="public.example"))
    with pytest.raises(OutboundRefused):
        outbound_request("GET", tls_public.url("/down", host="public.example", scheme="https"), verify=tls[1])
    assert public.connections == 0


# --- Size and time --------------------------------------------------------------------------


def test_the_body_is_capped_with_or_without_content_length(lab, resolver, public):
    resolver["public.example"] = [PUBLIC_IP]
    big = b"x" * 300_000
    public.routes["/declared"] = body(big)
    public.routes["/undeclared"] = body(big, length=False)
    public.routes["/gzip"] = body(gzip.compress(b"\0" * 5_000_000), headers={"Content-Encoding": "gzip"})
    for path in ("/declared", "/undeclared", "/gzip"):
        with pytest.raises(OutboundFailed) as caught:
            outbound_request("GET", public.url(path, host="public.example"), max_bytes=100_000)
        assert caught.value.reason == "too-large"
    response = outbound_request(
        "GET", public.url("/undeclared", host="public.example"), max_bytes=100_000, truncate=True
    )
    assert response.content == big[:100_000]
    response = outbound_request("GET", public.url("/gzip", host="public.example"), max_bytes=1000, truncate=True)
    assert response.content == b"\0" * 1000
    assert outbound_request("GET", public.url("/declared", host="public.example")).content == big  # 1 MB default


def drip(handler):
    handler.send_response(200)
    handler.send_header("Content-Length", "1000000")
    handler.end_headers()
    try:
        for _ in range(100):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(0.2)
    except OSError:
        pass


def silent(handler):
    time.sleep(3)


@pytest.mark.real_time
def test_a_total_deadline_stops_a_slow_drip_and_a_silent_server(lab, resolver, public):
    resolver["public.example"] = [PUBLIC_IP]
    public.routes["/drip"] = drip
    public.routes["/silent"] = silent
    for path, sent in (("/drip", True), ("/silent", True)):
        started = time.monotonic()
        with pytest.raises(OutboundFailed) as caught:
            outbound_request("GET", public.url(path, host="public.example"), timeout=(1, 1), deadline=1.0)
        assert time.monotonic() - started < 1.8
        assert str(caught.value) == FAILED_MESSAGE
        assert caught.value.request_sent is sent


def test_a_refused_connection_is_a_failure_that_was_never_sent(lab, resolver):
    probe = socket.socket()
    probe.bind((PUBLIC_IP, 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    resolver["public.example"] = [PUBLIC_IP]
    with pytest.raises(OutboundFailed) as caught:
        outbound_request("GET", f"http://public.example:{port}/")
    assert str(caught.value) == FAILED_MESSAGE
    assert caught.value.request_sent is False


# --- One message, one timing class, no upstream text -----------------------------------------


def test_every_refusal_has_the_same_message_and_is_fast(lab, resolver):
    resolver["intranet.example"] = ["10.0.0.1"]
    messages = set()
    for url in [
        "http://10.255.255.1:6379/",  # would hang on connect: refused before trying
        "http://169.254.169.254/",
        "http://intranet.example:5432/",
        "http://[::1]:22/",
        "ftp://example.com/",
        "http://localhost:8080/",
        "http://0x7f000001/",
    ]:
        started = time.monotonic()
        with pytest.raises(OutboundRefused) as caught:
            outbound_request("GET", url, timeout=(5, 5))
        assert time.monotonic() - started < 0.5
        messages.add(str(caught.value))
        assert caught.value.args == (REFUSED_MESSAGE,)
    assert messages == {REFUSED_MESSAGE}


def test_the_upstream_body_never_appears_in_an_error(lab, resolver, public):
    resolver["public.example"] = [PUBLIC_IP]
    secret = b"INTERNAL-ADMIN-SECRET " * 10_000
    public.routes["/big"] = body(secret)
    public.routes["/broken"] = lambda h: (
        h.send_response(200),
        h.send_header("Content-Length", "999999"),
        h.end_headers(),
        h.wfile.write(secret[:5000]),
    )
    for path in ("/big", "/broken"):
        with pytest.raises(OutboundError) as caught:
            outbound_request("GET", public.url(path, host="public.example"), max_bytes=1000)
        error = caught.value
        assert str(error) == FAILED_MESSAGE and error.args == (FAILED_MESSAGE,)
        assert "SECRET" not in repr(error) and "SECRET" not in error.reason
    # A non-2xx answer is a Response (capped), not an error: the caller must not show its body either.
    public.routes["/500"] = lambda h: (
        h.send_response(500),
        h.send_header("Content-Length", "6"),
        h.end_headers(),
        h.wfile.write(b"secret"),
    )
    assert outbound_request("GET", public.url("/500", host="public.example")).status_code == 500
