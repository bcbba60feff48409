"""Fixtures and helpers shared by the short-link and click tests."""

import os
import shutil
import signal
import time

import pytest

from analytics.services import clicks_drain
from shortlinks import buffer
from shortlinks.selectors import link_cache_clear

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
VISITOR_IP = "203.0.113.77"


@pytest.fixture(autouse=True)
def fresh_link_caches(settings):
    settings.SHORTLINK_PRELOAD = 0  # tests look codes up one by one; test_redirect covers the preload
    link_cache_clear()
    buffer.reset()
    yield
    link_cache_clear()
    buffer.reset()


class Capture:
    """How clicks reach the database: 'direct' (no Redis: the redirect writes) or 'buffered' (stream + drain)."""

    def __init__(self, mode: str):
        self.mode = mode

    def drain(self) -> int:
        return clicks_drain()


@pytest.fixture(params=["direct", "buffered"])
def capture_mode(request, settings):
    if request.param == "buffered":
        request.getfixturevalue("redis_client")  # skips without REDIS_URL; flushes our Redis DB
        settings.SHORTLINK_REDIS_URL = os.environ["REDIS_URL"]
    else:
        settings.SHORTLINK_REDIS_URL = ""
    buffer.reset()
    return Capture(request.param)


def visit(client, link, *, method="get", ua=CHROME, ip=VISITOR_IP, **headers):
    return getattr(client, method)(f"/s/{link.code}", HTTP_USER_AGENT=ua, REMOTE_ADDR=ip, **headers)


class PrivateRedis:
    """A redis-server of the test's own on a free port, to pause (SIGSTOP), stop and restart at will."""

    def __init__(self, directory, *, appendonly: bool):
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.directory = directory
        self.appendonly = appendonly
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        import subprocess

        import redis

        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--dir",
                str(self.directory),
            ]
            + ["--appendonly", "yes" if self.appendonly else "no", "--appendfsync", "always"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # A server keeps real time even when the suite runs on a shifted clock (make test-shifted-clock).
            env={k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")},
        )
        probe = redis.Redis(port=self.port, socket_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                if probe.ping():
                    probe.close()
                    return
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def stop(self) -> None:
        """SIGTERM: a clean shutdown (with appendonly, everything written so far survives)."""
        self.process.terminate()
        self.process.wait(timeout=10)

    def restart(self, *, down_for: float = 0.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def client(self):
        import redis

        return redis.Redis(port=self.port, socket_timeout=5)


@pytest.fixture
def private_redis(tmp_path, settings):
    """A private redis-server (appendonly, as production must run it) used as the click buffer."""
    if not shutil.which("redis-server"):
        if os.environ.get("ADVOCACY_REQUIRE_SERVICES") == "1":
            pytest.fail("ADVOCACY_REQUIRE_SERVICES=1 but redis-server is not installed")
        pytest.skip("needs redis-server")
    server = PrivateRedis(tmp_path, appendonly=True)
    server.start()
    settings.SHORTLINK_REDIS_URL = server.url
    buffer.reset()
    yield server
    buffer.reset()
    if server.process.poll() is None:
        server.resume()
        server.process.kill()
        server.process.wait(timeout=10)
