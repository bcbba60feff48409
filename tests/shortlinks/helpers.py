"""Fixtures and helpers shared by the short-link and click tests."""

import os

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
