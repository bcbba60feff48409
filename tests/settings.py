"""Settings for the test suite: production's module, with what only tests need.

Everything here used to be a `TESTING` branch inside advocacy/settings.py. Tests may
override any of it per test with pytest-django's `settings` fixture.
"""

import os
from urllib.parse import urlsplit, urlunsplit

# Each pytest-xdist worker gets a Redis database of its own (CI: 15, 14, …), so flushes do not collide.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
if os.environ.get("REDIS_URL") and _worker != "gw0":
    _parts = urlsplit(os.environ["REDIS_URL"])
    _base = int(_parts.path.strip("/") or 0)
    _db = (_base - int(_worker.removeprefix("gw"))) % 16
    os.environ["REDIS_URL"] = urlunsplit(_parts._replace(path=f"/{_db}"))

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-" + "x" * 40)
os.environ.setdefault("TOKEN_ENCRYPTION_KEYS", "uZDqDqQ2f0HtxTz9ZyhoxhiLR6Q4K5gdx5ZCWUIPc9w=")
os.environ.setdefault("CELERY_BROKER_DIR", "/tmp/advocacy-tests-celery-broker")

from advocacy.settings import *  # noqa: E402, F403

ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]
# Tasks run in-process; on-commit callbacks are executed by the tests that need them.
CELERY_TASK_ALWAYS_EAGER = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The test client speaks plain http; the deploy check runs production settings in tests/test_project.py.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
SECURE_HSTS_PRELOAD = False
# No test reaches the internet: cards are built from the post unless a test serves a page.
SHARE_FETCH_OPEN_GRAPH = False
# The network fakes speak http on 127.0.0.1; tests that prove refusals set both back to False.
OUTBOUND_HTTP_ALLOW_HTTP = True
OUTBOUND_HTTP_ALLOW_LOOPBACK = True
# One XADD inside each redirect, so a test sees the click in Redis when the response is back
# (tests/shortlinks/test_click_batch.py covers the batching thread).
SHORTLINK_CLICK_BATCH_MS = 0

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # The test database is thrown away: no commit needs to wait for the disk.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"  # noqa: F405
