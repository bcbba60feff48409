import os
import shutil
from pathlib import Path

import pytest
from django.db import connections

from accounts.roles import ADVOCACY_ADMIN, CONTENT_MANAGER
from tests.factories import PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def employee(db):
    return UserFactory(email="alice@example.com", first_name="Alice")


@pytest.fixture
def colleague(db):
    return UserFactory(email="bob@example.com", first_name="Bob")


@pytest.fixture
def content_manager(db):
    return UserFactory(email="carol@example.com", first_name="Carol", role=CONTENT_MANAGER)


@pytest.fixture
def advocacy_admin(db):
    return UserFactory(email="dana@example.com", first_name="Dana", role=ADVOCACY_ADMIN)


@pytest.fixture
def redis_client():
    """A real Redis connection (CI), flushed before and after; skipped where none is configured."""
    url = os.environ.get("REDIS_URL")
    required = os.environ.get("ADVOCACY_REQUIRE_SERVICES") == "1"  # set by .ci/run: CI never skips these
    if not url:
        if required:
            pytest.fail("ADVOCACY_REQUIRE_SERVICES=1 but REDIS_URL is not set")
        pytest.skip("needs REDIS_URL (CI runs against real Redis)")
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        if required:
            raise
        pytest.skip(f"Redis at {url} is not answering")
    client.flushdb()
    yield client
    client.flushdb()


CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def chromium(monkeypatch):
    """Debian's Chromium driven by Playwright; skipped where it is not installed (never in CI)."""
    if not shutil.which(CHROMIUM) and os.environ.get("ADVOCACY_REQUIRE_SERVICES") != "1":
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        # Connections opened inside Playwright's context would keep PostgreSQL from dropping the test database.
        connections.close_all()
        browser.close()


@pytest.fixture
def phone_page(chromium):
    return chromium.new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)


AXE_JS = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def axe():
    """Run axe-core (npm, injected into the page) and return its serious and critical violations.

    Usage: `assert axe(page) == []`. Each violation is `(rule id, impact, first offending targets)`.
    """
    if not AXE_JS.exists():
        if os.environ.get("ADVOCACY_REQUIRE_SERVICES") == "1":
            pytest.fail(f"axe-core is not installed ({AXE_JS}): run `npm ci`")
        pytest.skip("axe-core is not installed: run `npm ci`")
    source = AXE_JS.read_text()

    def serious_violations(page, *, exclude: list[str] | None = None) -> list[tuple[str, str, list]]:
        page.add_script_tag(content=source)
        context = {"exclude": [[selector] for selector in exclude]} if exclude else None
        result = page.evaluate("async (context) => await axe.run(context || document)", context)
        return [
            (v["id"], v["impact"], [node["target"] for node in v["nodes"][:3]])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    return serious_violations


def pytest_collection_modifyitems(items):
    """Tests that run a private redis-server stop, pause and restart it on real time."""
    for item in items:
        if "private_redis" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.real_time)
