"""What operators see of the click buffer: backlog, age, persistence (admin page and start-up check)."""

import pytest
import time_machine
from django.core.management import call_command

from shortlinks import buffer
from shortlinks.checks import NO_PERSISTENCE, click_buffer_persists
from shortlinks.selectors import click_buffer_status
from tests.factories import ShortLinkFactory
from tests.shortlinks import helpers
from tests.shortlinks.helpers import visit

fresh_link_caches = helpers.fresh_link_caches  # shared autouse fixture
private_redis = helpers.private_redis

pytestmark = pytest.mark.django_db

PAGE = "/admin/analytics/click/buffer/"


@pytest.fixture
def root(django_user_model):
    return django_user_model.objects.create_superuser(email="root@example.com", password="x")


def test_the_page_shows_backlog_age_and_persistence(client, root, employee, private_redis):
    link = ShortLinkFactory(user=employee)
    for _ in range(3):
        visit(client, link)
    [(oldest, _)] = private_redis.client().xrange(buffer.STREAM, count=1)
    client.force_login(root)
    with time_machine.travel(int(oldest.split(b"-")[0]) / 1000 + 42.5, tick=False):  # Redis's clock made the id
        page = client.get(PAGE).content.decode()
    assert "Backlog (clicks not yet drained)</th><td>3<" in page
    assert "42.5 s old" in page
    assert "Persistence (append-only file)</th><td>on<" in page
    assert "no persistence" not in page


def test_the_page_and_the_changelist_warn_when_redis_does_not_persist(client, root, private_redis):
    private_redis.client().config_set("appendonly", "no")
    client.force_login(root)
    assert "This Redis has no persistence" in client.get(PAGE).content.decode()
    assert "has no persistence: see the" in client.get("/admin/analytics/click/").content.decode()


def test_persistence_is_unknown_where_config_and_info_are_refused(private_redis, monkeypatch):
    import redis

    def refused(*args, **kwargs):
        raise redis.ResponseError("unknown command 'CONFIG'")

    monkeypatch.setattr(redis.Redis, "config_get", refused)
    monkeypatch.setattr(redis.Redis, "info", refused)
    assert click_buffer_status().persistence is None
    monkeypatch.setattr(redis.Redis, "info", lambda self, section=None: {"aof_enabled": 1})
    assert click_buffer_status().persistence is True  # managed Redis: INFO answers where CONFIG does not


def test_the_page_says_so_when_redis_does_not_answer(client, root, private_redis):
    private_redis.stop()
    client.force_login(root)
    page = client.get(PAGE).content.decode()
    assert "Redis is not answering" in page and "unknown" in page


def test_without_a_buffer_the_page_says_clicks_go_to_the_database(client, root, settings):
    settings.SHORTLINK_REDIS_URL = ""
    buffer.reset()
    client.force_login(root)
    assert "No click buffer" in client.get(PAGE).content.decode()


def test_the_page_is_for_staff_only(client, employee, private_redis):
    assert client.get(PAGE).status_code == 302  # to the admin login
    client.force_login(employee)
    assert client.get(PAGE).status_code == 302


def test_the_start_up_check_warns_without_persistence_and_never_fails(private_redis):
    assert click_buffer_persists(databases=["default"]) == []
    private_redis.client().config_set("appendonly", "no")
    [warning] = click_buffer_persists(databases=["default"])
    assert warning.id == NO_PERSISTENCE and warning.level == 30  # a warning, not an error
    assert "appendonly yes" in warning.hint
    assert click_buffer_persists(databases=None) == []  # plain `check` (and `check --deploy`) asks no Redis
    call_command("check", "--database", "default", "--fail-level", "ERROR")  # does not raise


def test_the_start_up_check_is_quiet_when_redis_is_down_or_absent(private_redis, settings):
    private_redis.stop()
    assert click_buffer_persists(databases=["default"]) == []
    settings.SHORTLINK_REDIS_URL = ""
    buffer.reset()
    assert click_buffer_persists(databases=["default"]) == []


def test_the_drain_warns_once_per_process_when_redis_does_not_persist(private_redis, caplog, monkeypatch):
    from analytics import services

    monkeypatch.setattr(services, "_persistence_checked", [False])
    private_redis.client().config_set("appendonly", "no")
    services.clicks_drain()
    services.clicks_drain()
    assert caplog.text.count("has no persistence") == 1
