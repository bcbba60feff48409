"""The one outbound HTTP client for URLs that a user or a remote document chose.

Use it for every request whose host we did not write ourselves: a Mastodon instance an
employee typed, a Bluesky PDS endpoint from a DID document, a post's target URL (Open Graph
card), metrics hosts from stored accounts, and later feed imports and webhooks.

    response = outbound_request("GET", url, max_bytes=500_000)   # body already read, capped
    check_url(url)                                               # validate a form value first

What it guarantees
------------------
* **Public addresses only.** The host is resolved and *every* address it resolves to must
  be public: loopback, private (RFC 1918), link-local (169.254/16, fe80::/10, cloud
  metadata), CGNAT (100.64/10), benchmarking, documentation, multicast, reserved,
  unspecified, IPv6 unique-local and site-local, IPv4-mapped / -compatible / NAT64 / 6to4 /
  Teredo forms are refused. Non-canonical numeric hosts (`2130706433`, `0x7f000001`,
  `0177.0.0.1`, `127.1`), `localhost`, user-info in the URL and proxies are refused too.
* **Checked where it counts.** Besides the check before each request, the urllib3
  connection itself resolves the host, checks each address and connects only to a checked
  one (`_GuardedConnectionMixin._new_conn`), so a DNS answer that changes between the check
  and the connect (DNS rebinding) cannot reach an internal address. The URL keeps its host
  name, so TLS SNI, certificate verification and the Host header stay those of the name.
* **Every redirect hop** is followed by hand (at most `max_redirects`), re-checked as
  above; a redirect from https to http is always refused; credentials, cookies and the
  body are dropped as browsers and requests do.
* **https only**, unless the Django setting `OUTBOUND_HTTP_ALLOW_HTTP` is true (tests).
* **Time and size caps.** Connect and read timeouts per hop, a total `deadline` over all
  hops and the body, and a `max_bytes` cap on the (decoded) body, read as a stream.
* **No oracle.** Every refusal raises `OutboundRefused` with one message, before any
  connection is attempted (so it is always fast); every network failure raises
  `OutboundFailed` with one other message. Neither carries any upstream text: the upstream
  body only ever reaches the caller in a returned `Response`.

Settings (read at call time, so tests may flip them per test)
------------------------------------------------------------
* `OUTBOUND_HTTP_ALLOW_HTTP` (default False): allow plain http (never an https→http redirect).
* `OUTBOUND_HTTP_ALLOW_LOOPBACK` (default False): allow 127.0.0.0/8 and ::1; the test
  settings turn it on because the network fakes listen on 127.0.0.1.
* `OUTBOUND_HTTP_ALLOWED_NETWORKS` (default empty): CIDRs an operator explicitly trusts,
  e.g. a self-hosted Mastodon on `10.20.0.0/16`. Checked before the blocklist.

Why our own adapter and not a library
-------------------------------------
* `advocate` (the classic requests SSRF guard) is unmaintained since 2020 and predates
  urllib3 2.
* `requests-hardened` 1.3.0 (Saleor, maintained) was read in full (about 300 lines). Its
  design is sound and we follow it: resolve once per connection and connect to the checked
  address, keep SNI and certificate checks on the name, re-check each redirect hop because
  the check lives in the adapter. But against our list it misses: site-local `fec0::/10`
  and IPv4-compatible `::a.b.c.d` are allowed (it relies on `is_private` plus a short extra
  list); it checks only the first getaddrinfo answer; there is no size cap, no total
  deadline, no https-only switch and no refusal of an https→http redirect; its refusal
  errors differ by cause (`InvalidIPAddress(ip)` vs `ConnectionError("Failed to resolve
  domain")`) and carry the address; the policy is fixed when the session is built and
  has no operator allow-list; it overrides `build_connection_pool_key_attributes`, a
  requests hook that only exists since 2.32.2. We would wrap and patch most of it, so the
  small adapter below (requests + urllib3 only, both already dependencies) is simpler to
  audit than a dependency plus patches.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urljoin

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3 import PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    LocationParseError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
)
from urllib3.util import parse_url

__all__ = [
    "FAILED_MESSAGE",
    "REFUSED_MESSAGE",
    "OutboundError",
    "OutboundFailed",
    "OutboundRefused",
    "address_allowed",
    "check_url",
    "outbound_request",
]

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

REFUSED_MESSAGE = "This address cannot be used: only public https addresses are allowed."
FAILED_MESSAGE = "The server could not be reached or did not answer properly. Try again later."

DEFAULT_TIMEOUT = (3.0, 10.0)
DEFAULT_DEADLINE = 20.0
DEFAULT_MAX_BYTES = 1_000_000
DEFAULT_MAX_REDIRECTS = 3

# Ranges refused whatever the Python version's ipaddress flags say (they changed across
# 3.11/3.12/3.13 patch releases, and some of these are "global" to every one of them).
_BLOCKED_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(cidr)
    for cidr in (
        # IPv4
        "0.0.0.0/8",  # "this network", 0.0.0.0
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # CGNAT: often routes to internal workloads
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, cloud metadata (169.254.169.254)
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
        # IPv6
        "::/96",  # unspecified, ::1 and IPv4-compatible ::a.b.c.d (deprecated)
        "::ffff:0:0/96",  # IPv4-mapped
        "64:ff9b::/96",  # NAT64 well-known prefix
        "64:ff9b:1::/48",  # NAT64 local-use
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments: Teredo 2001::/32, benchmarking, ORCHID
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4: embeds an IPv4 address
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing
        "fc00::/7",  # unique-local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated, still routable on some networks)
        "ff00::/8",  # multicast
    )
)

# The last label of a host name "ends in a number" (WHATWG URL): an inet_aton-style IPv4
# literal such as 2130706433, 0x7f000001, 0177.0.0.1 or 127.1. Never a real DNS name.
_NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|[0-9]+)")
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_FORBIDDEN_KWARGS = frozenset({"proxies", "stream", "hooks"})


# --- Errors ------------------------------------------------------------------------------


class OutboundError(Exception):
    """Base of both errors. `message` is fit to show anyone; `reason` is a short code for logs.

    Neither carries upstream text: no body, no reason phrase, no resolved address.
    """

    message: ClassVar[str] = FAILED_MESSAGE

    def __init__(self, reason: str, *, request_sent: bool = False) -> None:
        super().__init__(self.message)
        self.reason = reason
        # True when the request may have reached the server (read timeout, connection broken
        # after sending): a request with a side effect must then be reconciled, not retried.
        self.request_sent = request_sent


class OutboundRefused(OutboundError):
    """The URL is not one we fetch (scheme, host form, non-public address, downgrade).

    Always raised before any connection to the refused address; the message is the same
    for every cause. Not worth retrying.
    """

    message = REFUSED_MESSAGE


class OutboundFailed(OutboundError):
    """A public server could not be reached, timed out, answered too much or redirected too often.

    One message for every cause. Retrying later may help.
    """

    message = FAILED_MESSAGE


# --- Policy ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Policy:
    allow_http: bool
    allow_loopback: bool
    allowed_networks: tuple[IPNetwork, ...]
    deadline: float  # time.monotonic() value after which nothing more is attempted
    # A duplicate of every socket this call connected, so the deadline watchdog can shut the
    # connection down whatever urllib3, http.client or ssl wrapped around it; closed by the call.
    sockets: list[socket.socket] = field(default_factory=list, compare=False)

    @classmethod
    def from_settings(cls, *, deadline: float) -> _Policy:
        return cls(
            allow_http=bool(getattr(settings, "OUTBOUND_HTTP_ALLOW_HTTP", False)),
            allow_loopback=bool(getattr(settings, "OUTBOUND_HTTP_ALLOW_LOOPBACK", False)),
            allowed_networks=tuple(
                ipaddress.ip_network(str(cidr), strict=False)
                for cidr in getattr(settings, "OUTBOUND_HTTP_ALLOWED_NETWORKS", ()) or ()
            ),
            deadline=deadline,
        )

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


def address_allowed(ip: IPAddress, *, allow_loopback: bool = False, allowed: Iterable[IPNetwork] = ()) -> bool:
    """True when `ip` is a public unicast address (or explicitly allowed)."""
    if any(ip.version == net.version and ip in net for net in allowed):
        return True
    if allow_loopback and ip.is_loopback:  # 127/8 and ::1 themselves; never a mapped form
        return True
    if any(ip.version == net.version and ip in net for net in _BLOCKED_NETWORKS):
        return False
    if isinstance(ip, ipaddress.IPv6Address) and (ip.ipv4_mapped or ip.sixtofour or ip.teredo or ip.is_site_local):
        return False
    return ip.is_global and not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified
    )


def _refuse(reason: str, detail: str = "") -> OutboundRefused:
    logger.info("Outbound request refused (%s) %s", reason, detail)
    return OutboundRefused(reason)


def _fail(reason: str, detail: str = "", *, request_sent: bool = False) -> OutboundFailed:
    logger.info("Outbound request failed (%s) %s", reason, detail)
    return OutboundFailed(reason, request_sent=request_sent)


def _getaddrinfo(host: str, port: int) -> list[tuple[Any, ...]]:
    """The resolver (tests monkeypatch this, or socket.getaddrinfo)."""
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


def _resolve_checked(host: str, port: int, policy: _Policy) -> list[tuple[Any, ...]]:
    """getaddrinfo answers for host, all of them allowed; OutboundRefused if any is not.

    Raises socket.gaierror when the name does not resolve.
    """
    infos = [info for info in _getaddrinfo(host, port) if info[0] in (socket.AF_INET, socket.AF_INET6)]
    if not infos:
        raise socket.gaierror(socket.EAI_NONAME, "no IPv4 or IPv6 address")
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if not address_allowed(ip, allow_loopback=policy.allow_loopback, allowed=policy.allowed_networks):
            raise _refuse("address", f"{host} -> {ip}")
    return infos


# --- URL checks --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # without brackets, lower case, no trailing dot
    port: int
    ip: IPAddress | None  # when the host is an IP literal


def _parse(url: str, policy: _Policy) -> _Target:
    """Scheme, host and port of url, refusing every form we never fetch. No DNS."""
    if not isinstance(url, str):
        raise _refuse("syntax")
    url = url.strip()
    if any(c in url for c in "\\ ") or any(ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise _refuse("syntax")
    try:
        parsed = parse_url(url)
    except (LocationParseError, ValueError):
        raise _refuse("syntax")
    scheme = (parsed.scheme or "").lower()
    if scheme == "http" and not policy.allow_http:
        raise _refuse("scheme", scheme)
    if scheme not in ("http", "https"):
        raise _refuse("scheme", scheme)
    if parsed.auth is not None:
        raise _refuse("userinfo")
    host = (parsed.host or "").lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    host = host.rstrip(".")
    if not host:
        raise _refuse("host")
    port = parsed.port or (443 if scheme == "https" else 80)
    try:
        ip: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is None:
        if ":" in host or "%" in host or _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
            raise _refuse("numeric-host", host)
        if host == "localhost" or host.endswith(".localhost"):
            if not policy.allow_loopback:
                raise _refuse("localhost", host)
        try:
            host.encode("idna")
        except UnicodeError:
            raise _refuse("host", host)
    elif not address_allowed(ip, allow_loopback=policy.allow_loopback, allowed=policy.allowed_networks):
        raise _refuse("address", host)
    return _Target(scheme=scheme, host=host, port=port, ip=ip)


def _check(url: str, policy: _Policy, *, resolve: bool) -> _Target:
    target = _parse(url, policy)
    if resolve and target.ip is None:
        try:
            _resolve_checked(target.host, target.port, policy)
        except (socket.gaierror, UnicodeError, OSError) as exc:
            raise _fail("dns", target.host) from exc
    return target


def check_url(url: str, *, resolve: bool = True) -> str:
    """Raise OutboundRefused unless `url` is one outbound_request may fetch; return it stripped.

    For form values before saving (a post's target URL, a Mastodon instance as
    `f"https://{instance}"`, a PDS endpoint). With `resolve` (default) the host name is
    looked up and every address checked; a name that does not resolve raises
    OutboundFailed(reason="dns"), which a form may accept (the site may be down today:
    the fetch checks again anyway) or refuse. `resolve=False` checks only scheme, host form
    and IP literals, without any network access.
    """
    policy = _Policy.from_settings(deadline=time.monotonic() + DEFAULT_DEADLINE)
    _check(url, policy, resolve=resolve)
    return url.strip()


# --- The guarded urllib3 connection --------------------------------------------------------


class _GuardedConnectionMixin:
    """Resolve, check every address, connect only to a checked one: no window for DNS rebinding."""

    _outbound_policy: _Policy
    # Provided by urllib3's HTTPConnection:
    host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any

    def _new_conn(self) -> socket.socket:
        policy = self._outbound_policy
        host = self.host.strip("[]").rstrip(".")
        try:
            infos = _resolve_checked(host, self.port, policy)  # OutboundRefused passes straight through urllib3
        except (socket.gaierror, UnicodeError) as exc:
            raise NameResolutionError(self.host, self, exc) from exc  # type: ignore[arg-type]
        error: OSError | None = None
        for family, socktype, proto, _canonname, sockaddr in infos:
            remaining = policy.remaining()
            if remaining <= 0:
                raise ConnectTimeoutError(self, f"Connection to {self.host} passed the deadline.")
            timeout = self.timeout if isinstance(self.timeout, int | float) else remaining
            sock = socket.socket(family, socktype, proto)
            try:
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                sock.settimeout(min(float(timeout), remaining))
                if self.source_address:
                    sock.bind(self.source_address)
                sock.connect(sockaddr)
            except OSError as exc:  # TimeoutError included
                sock.close()
                error = exc
                continue
            sys.audit("http.client.connect", self, self.host, self.port)
            policy.sockets.append(sock.dup())
            return sock
        if isinstance(error, TimeoutError):
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out.") from error
        raise NewConnectionError(self, f"Failed to establish a new connection: {error}") from error  # type: ignore[arg-type]


class _GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    def __init__(self, *args: Any, outbound_policy: _Policy, **kwargs: Any) -> None:
        self._outbound_policy = outbound_policy
        super().__init__(*args, **kwargs)


class _GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    def __init__(self, *args: Any, outbound_policy: _Policy, **kwargs: Any) -> None:
        self._outbound_policy = outbound_policy
        super().__init__(*args, **kwargs)


class _GuardedPoolManager(PoolManager):
    def __init__(self, policy: _Policy, **kwargs: Any) -> None:
        self._outbound_policy = policy
        super().__init__(**kwargs)

    def _new_pool(
        self, scheme: str, host: str, port: int, request_context: dict[str, Any] | None = None
    ) -> HTTPConnectionPool:
        pool = super()._new_pool(scheme, host, port, request_context)
        pool.ConnectionCls = _GuardedHTTPSConnection if scheme == "https" else _GuardedHTTPConnection
        pool.conn_kw["outbound_policy"] = self._outbound_policy
        return pool


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, policy: _Policy) -> None:
        self._outbound_policy = policy
        super().__init__(max_retries=0)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        self.poolmanager = _GuardedPoolManager(
            self._outbound_policy, num_pools=connections, maxsize=maxsize, block=block, **pool_kwargs
        )

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        raise _refuse("proxy")


# --- The request ---------------------------------------------------------------------------


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request cannot have left: DNS, refused connect, connect timeout, TLS handshake."""
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    if isinstance(exc.args[0] if exc.args else None, MaxRetryError) and isinstance(
        reason, NewConnectionError | NameResolutionError | ConnectTimeoutError
    ):
        return True
    return False


def _read_body(response: requests.Response, *, policy: _Policy, max_bytes: int, truncate: bool) -> None:
    """Read the (decoded) body into response.content, at most max_bytes, within the deadline.

    A socket read only times out when nothing arrives, and a buffered read waits for a whole
    chunk, so a server dripping a byte a second would outlive any read timeout: a watchdog
    shuts the socket down at the deadline instead, which ends a blocked read at once.
    """
    chunks: list[bytes] = []
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        for sock in policy.sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    watchdog = threading.Timer(max(0.0, policy.remaining()), expire)
    watchdog.daemon = True
    watchdog.start()
    try:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > max_bytes and not truncate:
            raise _fail("too-large", declared, request_sent=True)
        total = 0
        for chunk in response.iter_content(chunk_size=64 * 1024):
            if expired.is_set():
                break
            if total + len(chunk) > max_bytes:
                if not truncate:
                    raise _fail("too-large", request_sent=True)
                chunks.append(chunk[: max_bytes - total])
                break
            total += len(chunk)
            chunks.append(chunk)
    except requests.RequestException as exc:
        reason = "deadline" if expired.is_set() else "read"
        raise _fail(reason, exc.__class__.__name__, request_sent=True) from exc
    finally:
        watchdog.cancel()
        response.close()
    if expired.is_set():  # a body without a length may look complete after the shutdown
        raise _fail("deadline", request_sent=True)
    response._content = b"".join(chunks)
    response._content_consumed = True


def _same_origin(a: str, b: str) -> bool:
    pa, pb = parse_url(a), parse_url(b)
    return (pa.scheme, pa.host, pa.port or pa.scheme) == (pb.scheme, pb.host, pb.port or pb.scheme)


def _without_headers(headers: Any, names: Iterable[str]) -> dict[str, Any]:
    drop = {name.lower() for name in names}
    return {key: value for key, value in dict(headers or {}).items() if key.lower() not in drop}


def outbound_request(
    method: str,
    url: str,
    *,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    deadline: float = DEFAULT_DEADLINE,
    max_bytes: int = DEFAULT_MAX_BYTES,
    truncate: bool = False,
    allow_redirects: bool = True,
    max_redirects: int = DEFAULT_MAX_REDIRECTS,
    **kwargs: Any,
) -> requests.Response:
    """Send one request to a user-chosen URL and return the final response, body read.

    `timeout` is (connect, read) seconds per hop; `deadline` bounds the whole call (every
    hop, every connect attempt and the body); `max_bytes` caps the decoded body: beyond it
    OutboundFailed("too-large") is raised, or with `truncate=True` the body is cut there
    (enough for an Open Graph <head>). Any status is returned as a Response (the caller
    decides what a 4xx means, and must not show its body to users); redirects are followed
    by hand up to `max_redirects`, each hop checked again.

    Other keyword arguments go to requests (headers, params, data, json, files, auth,
    cookies, verify, cert); `proxies`, `stream` and `hooks` are not accepted.

    Raises OutboundRefused (never connected) or OutboundFailed (network, deadline, size,
    too many redirects; `request_sent` says whether the server may have acted on it).
    """
    forbidden = _FORBIDDEN_KWARGS & kwargs.keys()
    if forbidden:
        raise TypeError(f"outbound_request does not accept {', '.join(sorted(forbidden))}")
    policy = _Policy.from_settings(deadline=time.monotonic() + deadline)
    connect_timeout, read_timeout = timeout
    method = method.upper()
    history: list[requests.Response] = []
    session = requests.Session()
    session.trust_env = False  # no proxies or .netrc from the environment
    adapter = _GuardedAdapter(policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    try:
        current = url.strip()
        previous: _Target | None = None
        for _hop in range(max_redirects + 1):
            if previous is not None and previous.scheme == "https" and _parse(current, policy).scheme != "https":
                raise _refuse("downgrade", current)
            target = _check(current, policy, resolve=True)
            remaining = policy.remaining()
            if remaining <= 0:
                raise _fail("deadline")
            try:
                response = session.request(
                    method,
                    current,
                    stream=True,
                    allow_redirects=False,
                    timeout=(min(connect_timeout, remaining), min(read_timeout, remaining)),
                    **kwargs,
                )
            except OutboundError:
                raise
            except requests.RequestException as exc:
                raise _fail(exc.__class__.__name__, target.host, request_sent=not _never_sent(exc)) from exc
            location = response.headers.get("Location")
            if not (allow_redirects and response.status_code in _REDIRECT_CODES and location):
                _read_body(response, policy=policy, max_bytes=max_bytes, truncate=truncate)
                response.history = history
                return response
            response.close()
            history.append(response)
            following = urljoin(response.url or current, location.strip())
            if (
                response.status_code == 303
                and method != "HEAD"
                or (response.status_code in (301, 302) and method == "POST")
            ):
                method = "GET"
                for key in ("data", "json", "files"):
                    kwargs.pop(key, None)
                kwargs["headers"] = _without_headers(kwargs.get("headers"), ("Content-Type", "Content-Length"))
            if not _same_origin(current, following):
                for key in ("auth", "cookies"):
                    kwargs.pop(key, None)
                kwargs["headers"] = _without_headers(kwargs.get("headers"), ("Authorization", "Cookie"))
                session.cookies.clear()
            kwargs.pop("params", None)  # the Location is the whole next URL
            previous, current = target, following
        raise _fail("redirects", url, request_sent=True)
    finally:
        session.close()
        for sock in policy.sockets:
            sock.close()
