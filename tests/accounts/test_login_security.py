"""Login rate limits count in a cache every web process shares; a stranger cannot lock an employee
out; the password-reset email names SITE_URL's host, and provider routes without an app answer 404."""

import random
import re

import pytest
from asgiref.local import Local
from django.core import mail
from django.core.cache import caches
from django.core.cache.backends import locmem

from accounts.services import site_sync_from_settings

LOGIN = "/accounts/login/"


@pytest.fixture
def addresses():
    """Two client addresses of this test's own (with Redis the counts outlive the test's transaction)."""
    net = random.randint(0, 255)
    return f"198.51.{net}.10", f"198.51.{net}.20"


def another_process():
    """What a second gunicorn worker would see: nothing of this process's caches survives.

    With LocMemCache the counts lived in these module dicts, so each worker counted alone.
    """
    locmem._caches.clear()
    locmem._expire_info.clear()
    locmem._locks.clear()
    caches.close_all()
    caches._connections = Local(caches.thread_critical)


def attempt(client, email, password, ip):
    return client.post(LOGIN, {"login": email, "password": password}, REMOTE_ADDR=ip)


def refused_for_too_many(response) -> bool:
    return response.status_code == 429 or "Too many failed login attempts" in response.content.decode()


def test_failed_logins_are_refused_after_the_limit_even_when_each_lands_on_another_worker(
    client, employee, password, addresses
):
    stranger, _ = addresses
    for _ in range(5):
        response = attempt(client, employee.email, "wrong password", stranger)
        assert response.status_code == 200 and not refused_for_too_many(response)
        another_process()
    response = attempt(client, employee.email, "wrong password", stranger)
    assert refused_for_too_many(response)
    # Not even the right password gets through from that address until the window passes.
    another_process()
    assert refused_for_too_many(attempt(client, employee.email, password, stranger))


def test_a_stranger_cannot_lock_the_employee_out(client, employee, password, addresses):
    stranger, owner = addresses
    for _ in range(8):
        attempt(client, employee.email, "guess", stranger)
    assert refused_for_too_many(attempt(client, employee.email, "guess", stranger))

    response = attempt(client, employee.email, password, owner)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(employee.pk)


def test_a_password_reset_still_works_from_the_locked_address(client, employee, addresses):
    stranger, _ = addresses
    for _ in range(8):
        attempt(client, employee.email, "guess", stranger)
    response = client.post("/accounts/password/reset/", {"email": employee.email}, REMOTE_ADDR=stranger)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [employee.email]


def _cache_keys() -> list[str]:
    from django.core.cache import cache
    from django.db import connection

    if settings_redis():
        return [key.decode() for key in cache._cache.get_client(None).keys("*")]
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM advocacy_cache")
        return [row[0] for row in cursor.fetchall()]


def settings_redis() -> bool:
    from django.conf import settings

    return settings.CACHES["default"]["BACKEND"].endswith("RedisCache")


def test_the_counts_keep_no_client_address(client, employee, addresses):
    stranger, _ = addresses
    attempt(client, employee.email, "guess", stranger)
    keys = [key for key in _cache_keys() if ":rl:" in key]
    assert keys, "the failed login was counted"
    assert not [key for key in keys if stranger in key]


def test_the_cache_is_shared_by_processes_without_redis(settings):
    if settings.REDIS_URL:
        assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    else:
        assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"


# The Site and the password-reset email ------------------------------------------------------------


def test_password_reset_email_names_and_links_the_site_url_host(client, employee, settings):
    settings.SITE_URL = "https://advocacy.acme.test"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "advocacy.acme.test"]
    site_sync_from_settings()
    response = client.post(
        "/accounts/password/reset/", {"email": employee.email}, HTTP_HOST="advocacy.acme.test", secure=True
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    body = message.body + message.subject
    assert "example.com" not in body.replace(employee.email, "")
    assert "advocacy.acme.test" in message.subject
    links = re.findall(r"https?://[^\s]+", message.body)
    assert links and all(link.startswith("https://advocacy.acme.test/accounts/password/reset/key/") for link in links)


def test_migrate_sets_the_site_from_site_url(db, settings):
    from urllib.parse import urlsplit

    from django.contrib.sites.models import Site

    # The test database was made by migrate, whose post_migrate set the Site.
    assert Site.objects.get_current().domain == urlsplit(settings.SITE_URL).netloc
    settings.SITE_URL = "https://people.acme.test"
    site_sync_from_settings()
    site = Site.objects.get_current()
    assert (site.domain, site.name) == ("people.acme.test", "people.acme.test")


# Provider routes without a configured app -----------------------------------------------------------

PROVIDER_ROUTES = [
    ("get", "/accounts/twitter_oauth2/login/"),
    ("post", "/accounts/twitter_oauth2/login/"),
    ("get", "/accounts/twitter_oauth2/login/callback/?code=abc&state=xyz"),
    ("get", "/accounts/oidc/linkedin/login/"),
    ("post", "/accounts/oidc/linkedin/login/"),
    ("get", "/accounts/oidc/linkedin/login/callback/?code=abc&state=xyz"),
]


@pytest.mark.parametrize(("method", "path"), PROVIDER_ROUTES)
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "employee"])
def test_provider_routes_answer_404_when_the_network_is_not_configured(client, employee, method, path, signed_in):
    if signed_in:
        client.force_login(employee)
    response = getattr(client, method)(path)
    assert response.status_code == 404


def test_every_allauth_provider_route_is_covered():
    from django.urls import get_resolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    provider_routes = {
        route
        for route in walk(get_resolver().url_patterns)
        if route.startswith("accounts/")
        and route.endswith(("/login/", "/login/callback/"))
        and route != "accounts/login/"
    }
    # A new provider (or route) must be added to PROVIDER_ROUTES above.
    assert provider_routes == {
        "accounts/twitter_oauth2/login/",
        "accounts/twitter_oauth2/login/callback/",
        "accounts/oidc/^(?P<provider_id>[^/]+)/login/",
        "accounts/oidc/^(?P<provider_id>[^/]+)/login/callback/",
    }
