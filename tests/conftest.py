import asyncio
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


@pytest.fixture(scope="session", autouse=True)
def _roles_synced_once_per_post_migrate():
    """A transactional test ends with a flush, which sends post_migrate once per app, and accounts re-syncs the
    roles after each (about 2 s a flush). Here they are synced once, after the last app's signal: the same groups
    and permissions, as every app's permissions exist by then."""
    from django.apps import apps
    from django.db.models.signals import post_migrate

    from accounts.roles import sync_roles_after_migrate

    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]

    def sync_roles_after_the_last_app(sender, **kwargs):
        if sender is last:
            sync_roles_after_migrate(sender=sender, **kwargs)

    post_migrate.disconnect(dispatch_uid="accounts.sync_roles")
    post_migrate.connect(sync_roles_after_the_last_app, weak=False, dispatch_uid="tests.sync_roles")
    yield
    post_migrate.disconnect(dispatch_uid="tests.sync_roles")
    post_migrate.connect(sync_roles_after_migrate, dispatch_uid="accounts.sync_roles")


@pytest.fixture(scope="session", autouse=True)
def _flush_by_delete_on_postgresql():
    """A transactional test ends with a flush. PostgreSQL's TRUNCATE gives every table and index new files (seconds
    for the whole schema); the tests leave a few rows, which DELETE removes in milliseconds. The foreign keys are
    deferred, so the order does not matter; sequences are reset only when asked, by the original."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade or not tables:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return ["SET CONSTRAINTS ALL DEFERRED"] + [f"DELETE FROM {self.quote_name(table)}" for table in tables]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = truncate


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


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class WorkerChromium:
    """One Playwright driver and one Chromium per pytest-xdist worker (launching them costs a second or more);
    started by the first browser test on the worker, relaunched if the browser went away."""

    def __init__(self):
        from playwright.sync_api import sync_playwright

        self.playwright = sync_playwright().start()
        # Playwright's sync API marks its event loop as running in this thread after every call; Django refuses
        # ORM calls while one runs, so the loop is only marked during browser tests (see `chromium`).
        self.loop = asyncio.get_running_loop()
        self.browser = None

    def launch(self):
        if self.browser is None or not self.browser.is_connected():
            self.browser = self.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        return self.browser

    def stop(self):
        asyncio._set_running_loop(self.loop)
        if self.browser is not None and self.browser.is_connected():
            self.browser.close()
        self.playwright.stop()
        asyncio._set_running_loop(None)


class BrowserForOneTest:
    """The worker's Chromium as one test sees it: `new_context` and `new_page` (each page in a fresh context, so no
    cookie or storage crosses from another test) and `browser_type`; whatever the test opens is closed after it."""

    def __init__(self, browser):
        self._browser = browser
        self._opened = []
        self.browser_type = self
        self.version = browser.version

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        self._opened.append(context)
        return context

    def new_page(self, **options):
        return self.new_context(**options).new_page()

    def launch_persistent_context(self, user_data_dir, **options):
        context = self._browser.browser_type.launch_persistent_context(user_data_dir, **options)
        self._opened.append(context)
        return context

    def close(self):
        for context in reversed(self._opened):
            try:
                context.close()
            except Exception:  # noqa: BLE001 - already closed by the test, or its browser went away
                pass


@pytest.fixture(scope="session")
def _worker_chromium():
    if not shutil.which(CHROMIUM) and os.environ.get("ADVOCACY_REQUIRE_SERVICES") != "1":
        pytest.skip("Debian's chromium is not installed")
    chromium = WorkerChromium()
    asyncio._set_running_loop(None)
    yield chromium
    chromium.stop()


@pytest.fixture
def chromium(_worker_chromium, monkeypatch):
    """Debian's Chromium driven by Playwright; skipped where it is not installed (never in CI)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    asyncio._set_running_loop(_worker_chromium.loop)
    browser = BrowserForOneTest(_worker_chromium.launch())
    yield browser
    browser.close()
    # Connections opened inside Playwright's context would keep PostgreSQL from dropping the test database.
    connections.close_all()
    asyncio._set_running_loop(None)


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
