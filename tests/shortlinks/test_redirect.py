import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from analytics.models import Click, ClickRollup, DailyVisitor, FilteredHit, ParkedClick
from analytics.services import clicks_drain
from campaigns.models import SuggestedPost
from shortlinks import buffer
from tests.factories import ShortLinkFactory
from tests.shortlinks.helpers import CHROME, VISITOR_IP, visit


@pytest.fixture
def link(db):
    return ShortLinkFactory()


def test_redirect_is_a_302_to_the_utm_target_that_no_one_may_cache(client, link, capture_mode):
    response = visit(client, link)
    assert response.status_code == 302
    assert response["Location"] == link.target_url
    assert response["Cache-Control"] == "private, no-store"
    assert "utm_medium=employee_advocacy" in response["Location"]


def test_redirect_does_no_session_or_csrf_work(client, link, capture_mode):
    response = visit(client, link)
    assert not response.cookies  # no session, CSRF or messages cookie
    assert "Cookie" not in response.get("Vary", "")
    assert not hasattr(response.wsgi_request, "session")
    assert not hasattr(response.wsgi_request, "user")


def test_redirect_with_redis_touches_the_database_only_on_the_first_lookup(
    client, link, redis_client, settings, django_assert_num_queries
):
    import os

    settings.SHORTLINK_REDIS_URL = os.environ["REDIS_URL"]
    visit(client, link)  # fills the caches
    with django_assert_num_queries(0):
        for _ in range(3):
            assert visit(client, link).status_code == 302
    assert redis_client.xlen(buffer.STREAM) == 4
    assert Click.objects.count() == 0  # nothing written until the drain


def test_the_code_is_found_in_redis_when_the_process_cache_is_cold(client, link, redis_client, settings):
    import os

    from shortlinks.selectors import link_cache_clear

    settings.SHORTLINK_REDIS_URL = os.environ["REDIS_URL"]
    visit(client, link)
    link_cache_clear()
    target = link.target_url
    link.__class__.objects.filter(pk=link.pk).update(target_url="https://changed.example/")
    assert visit(client, link)["Location"] == target  # answered from Redis, not the database


def test_known_links_are_preloaded_so_clicks_need_no_lookup(client, db, settings, django_assert_num_queries):
    links = [ShortLinkFactory() for _ in range(3)]
    settings.SHORTLINK_REDIS_URL = "redis://127.0.0.1:1/0"  # no Redis: the preload alone must answer
    settings.SHORTLINK_PRELOAD = 10
    from shortlinks.selectors import link_resolve

    with django_assert_num_queries(1):  # one query loads them all
        resolved = [link_resolve(code=link.code) for link in links]
    assert [r.link_id for r in resolved] == [link.pk for link in links]
    assert resolved[0].location == links[0].target_url


def test_with_every_link_preloaded_a_new_link_still_resolves_and_unknown_codes_skip_redis(
    db, settings, django_assert_num_queries, monkeypatch
):
    from shortlinks import buffer
    from shortlinks.selectors import link_resolve

    old = ShortLinkFactory()
    settings.SHORTLINK_PRELOAD = 10
    link_resolve(code=old.code)  # the preload: one link, fewer than 10, so it held them all
    new = ShortLinkFactory()  # created after the preload, e.g. shared a second ago and clicked by a preview bot
    asked_redis = []
    settings.SHORTLINK_REDIS_URL = "redis://127.0.0.1:1/0"
    original = buffer.code_cache_get
    monkeypatch.setattr(buffer, "code_cache_get", lambda code: asked_redis.append(code) or original(code))
    with django_assert_num_queries(2):  # one lookup each: the new link, then the unknown code
        assert link_resolve(code=new.code).link_id == new.pk
        assert link_resolve(code="zzzzzzzz") is None
    with django_assert_num_queries(0):  # both answers are now cached in this process
        assert link_resolve(code=new.code).link_id == new.pk
        assert link_resolve(code="zzzzzzzz") is None
    assert asked_redis == []


@pytest.fixture
def every_link_loaded(db, settings, redis_client):
    """A process whose cache holds every link (fewer than SHORTLINK_PRELOAD), with Redis as the click buffer."""
    import os

    from shortlinks.selectors import link_resolve

    settings.SHORTLINK_REDIS_URL = os.environ["REDIS_URL"]
    settings.SHORTLINK_PRELOAD = 100
    old = ShortLinkFactory()
    assert link_resolve(code=old.code).link_id == old.pk  # the preload: one query, every link
    return old


def test_with_every_link_loaded_unknown_codes_cost_no_query_and_a_new_link_is_found_at_once(
    every_link_loaded, django_assert_num_queries
):
    from shortlinks.selectors import link_resolve

    with django_assert_num_queries(0):  # a scanner's random codes never reach the database
        assert link_resolve(code="zzzzzzz2") is None
        assert link_resolve(code="zzzzzzz3") is None
    new = ShortLinkFactory()  # shared a second ago and clicked by a preview bot now
    with django_assert_num_queries(1):  # the links created since the last load, once for this process
        assert link_resolve(code=new.code).link_id == new.pk
        assert link_resolve(code="zzzzzzz4") is None
        assert link_resolve(code=every_link_loaded.code).link_id == every_link_loaded.pk


def test_links_made_in_bulk_for_a_digest_are_found_at_once(every_link_loaded, employee):
    from shortlinks.selectors import link_resolve
    from shortlinks.services import links_ensure_many
    from tests.factories import SuggestedPostFactory

    post = SuggestedPostFactory()
    made = links_ensure_many(wanted=[(employee.pk, post, "linkedin"), (employee.pk, post, "mastodon")])
    for link in made.values():
        assert link_resolve(code=link.code).link_id == link.pk


def test_a_link_made_while_redis_was_down_is_found_after_the_next_drain(every_link_loaded, monkeypatch):
    from shortlinks.selectors import link_resolve
    from shortlinks.services import links_version_reconcile

    assert links_version_reconcile()  # Redis learns which link is the newest…
    assert not links_version_reconcile()  # …and nothing changes while no link is made
    assert link_resolve(code="zzzzzzz6") is None  # this process has caught up with that
    with monkeypatch.context() as down:
        down.setattr(buffer, "links_version_bump", lambda: None)  # the announcement is lost
        new = ShortLinkFactory()
    assert link_resolve(code=new.code) is None  # this process was never told
    assert links_version_reconcile()  # what every click drain runs first
    assert link_resolve(code=new.code).link_id == new.pk


def test_with_redis_down_an_unknown_code_is_looked_up_in_the_database(every_link_loaded, settings):
    from shortlinks.selectors import link_resolve

    settings.SHORTLINK_REDIS_URL = "redis://127.0.0.1:1/0"
    buffer.reset()
    new = ShortLinkFactory()  # its announcement fails: Redis is unreachable
    assert link_resolve(code=new.code).link_id == new.pk
    assert link_resolve(code="zzzzzzz5") is None


def test_unknown_code_answers_a_friendly_404_page(client, db, capture_mode):
    response = client.get("/s/zzzzzzzz")
    assert response.status_code == 404
    assert b"This link does not exist" in response.content
    assert Click.objects.count() == 0 and FilteredHit.objects.count() == 0


@pytest.mark.parametrize(
    "path",
    [
        "/s/",
        "/s/" + "a" * 17,
        "/s/" + "b" * 5000,
        "/s/abc%00def",
        "/s/%E2%9C%93%E2%9C%93",
        "/s/abc'--",
        "/s/<script>",
        "/s/O0Il1",  # characters the code alphabet leaves out
        "/s/abc def",
        "/s/..%2F..%2Fetc",
    ],
)
def test_malformed_codes_get_the_404_page_never_a_500(client, db, path):
    response = client.get(path)
    assert response.status_code == 404
    assert b"<h1>" in response.content


def test_links_keep_working_after_the_post_expires(client, link, capture_mode):
    with time_machine.travel(timezone.now() + dt.timedelta(days=400)):
        response = visit(client, link)
    assert response.status_code == 302
    assert response["Location"] == link.target_url


def test_links_keep_working_after_the_post_is_deleted(client, link, capture_mode):
    target = link.target_url
    SuggestedPost.objects.filter(pk=link.post_id).delete()
    response = visit(client, link)
    assert response.status_code == 302
    assert response["Location"] == target
    capture_mode.drain()
    assert Click.objects.filter(link=link).count() == 1


def test_head_request_is_redirected_but_not_a_click(client, link, capture_mode):
    response = visit(client, link, method="head")
    assert response.status_code == 302
    capture_mode.drain()
    assert Click.objects.count() == 0
    assert FilteredHit.objects.get().reason == "head"


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_USER_AGENT": "Mozilla/5.0 " + "A" * 20000},
        {"HTTP_USER_AGENT": "\x00\x01\x02\xff\xfe binary \x7f"},
        {"HTTP_USER_AGENT": ""},
        {"HTTP_REFERER": "https://" + "x" * 10000 + ".example/"},
        {"HTTP_REFERER": "http://[::1"},  # not a URL: urlsplit raises
        {"HTTP_REFERER": "\x00\x00https://evil\x00.example/"},
        {"HTTP_COOKIE": "sessionid=" + "s" * 5000},
        {"HTTP_COOKIE": "sessionid=../../etc/passwd; other=\x00"},
        {"HTTP_COOKIE": "sessionid=abcdefgh\x00ijklmnop"},
        {"HTTP_COOKIE": "sessionid=caf\xe9\xff\xfe12345678"},
        {"HTTP_X_FORWARDED_FOR": "not an ip, 1.2.3.4"},
    ],
)
def test_huge_or_binary_headers_still_redirect_and_store_no_raw_ip(client, link, capture_mode, headers):
    headers = {"HTTP_USER_AGENT": CHROME, "REMOTE_ADDR": VISITOR_IP, **headers}
    response = client.get(f"/s/{link.code}", **headers)
    assert response.status_code == 302
    capture_mode.drain()
    assert Click.objects.count() + FilteredHit.objects.count() == 1
    for click in Click.objects.all():
        assert len(click.referrer_host) <= 255 and "\x00" not in click.referrer_host
    _assert_no_raw_ip_stored(VISITOR_IP)


def _assert_no_raw_ip_stored(ip: str) -> None:
    for model in (Click, FilteredHit, DailyVisitor, ClickRollup):
        for row in model.objects.values():
            assert ip not in " ".join(str(v) for v in row.values()), model


def test_redis_down_still_redirects_and_stores_the_click(client, link, settings):
    settings.SHORTLINK_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    buffer.reset()
    response = visit(client, link)
    assert response.status_code == 302
    assert response["Location"] == link.target_url
    # Parked raw, unclassified: the redirect stays cheap while Redis is down.
    assert ParkedClick.objects.get().link_id == link.pk
    assert not Click.objects.exists()
    # The breaker now skips Redis for a moment: the next click goes straight to the database too.
    assert visit(client, link).status_code == 302
    assert ParkedClick.objects.count() == 2
    assert clicks_drain() == 2  # the drain classifies them without Redis
    first, second = Click.objects.order_by("clicked_at", "pk")
    assert first.link == link and first.is_unique and not first.is_self_click and not second.is_unique
    assert not ParkedClick.objects.exists()  # and no raw IP stays behind


def test_redis_failing_mid_flight_falls_back_to_the_database(client, link, redis_client, settings, monkeypatch):
    import os

    import redis

    settings.SHORTLINK_REDIS_URL = os.environ["REDIS_URL"]
    visit(client, link)  # warm caches, one buffered click

    class ResetConnection:
        def pack_commands(self, commands):
            return b""

        def send_packed_command(self, *args, **kwargs):
            raise redis.ConnectionError("Connection reset by peer")

    monkeypatch.setattr(buffer, "_hot_connection", lambda client: ResetConnection())
    assert visit(client, link).status_code == 302
    assert ParkedClick.objects.count() == 1  # the fallback click; the buffered one waits for the drain
    assert clicks_drain() == 2
    assert Click.objects.count() == 2


def test_the_redirect_survives_the_database_failing_too(client, link, settings, monkeypatch, caplog):
    settings.SHORTLINK_REDIS_URL = ""
    visit(client, link)  # warm the code cache

    def broken(**kwargs):
        raise RuntimeError("database is gone")

    monkeypatch.setattr("analytics.services.clicks_record_now", broken)
    response = visit(client, link)
    assert response.status_code == 302
    assert f"1 clicks (links [{link.pk}]) lost" in caplog.text


def test_the_redirect_without_redis_does_not_import_analytics():
    """The no-Redis path reaches analytics through shortlinks' own signal, never by import."""
    import ast
    from pathlib import Path

    import shortlinks

    HIGHER_APPS = {"networks", "analytics", "leaderboard", "dashboard", "demo"}
    for path in Path(shortlinks.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            assert not {name.split(".")[0] for name in names} & HIGHER_APPS, path


@pytest.mark.parametrize("method", ["post", "put", "delete", "options", "patch"])
def test_other_methods_get_405_and_are_not_recorded(client, link, capture_mode, method):
    response = getattr(client, method)(f"/s/{link.code}")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    capture_mode.drain()
    assert Click.objects.count() == 0 and FilteredHit.objects.count() == 0


def test_robots_txt_lets_crawlers_follow_short_links_only(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "User-agent: *" in body and "Allow: /s/" in body and "Disallow: /\n" in body


def test_the_fast_path_answers_without_the_url_conf(client, link, settings, capture_mode):
    # Also served by the URL conf when the middleware is not installed.
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "ShortLinkFastPath" not in m]
    response = visit(client, link)
    assert response.status_code == 302 and response["Location"] == link.target_url


def test_an_error_reply_from_redis_falls_back_to_the_database(client, link, redis_client, settings):
    import os

    settings.SHORTLINK_REDIS_URL = os.environ["REDIS_URL"]
    redis_client.set(buffer.STREAM, "not a stream")  # XADD now answers WRONGTYPE, as it would answer OOM
    response = visit(client, link)
    assert response.status_code == 302
    assert ParkedClick.objects.filter(link_id=link.pk, event_id__startswith="c-").count() == 1
