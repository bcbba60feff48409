import re
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from shortlinks.models import CODE_ALPHABET, ShortLink
from shortlinks.services import build_target_url, link_get_or_create, links_ensure_for_posts
from tests.factories import CampaignFactory, ShortLinkFactory, SuggestedPostFactory, UserFactory


def test_utm_tags_keep_the_existing_query_and_fragment():
    url = build_target_url(
        url="https://example.com/blog/launch?ref=home&q=a%20b+c#top", network="x", utm_campaign="spring", post_id=7
    )
    parts = urlsplit(url)
    assert parts.fragment == "top"
    assert parts.query.startswith("ref=home&q=a%20b+c&")  # the original query, byte for byte
    assert parse_qs(parts.query)["utm_source"] == ["x"]
    assert parse_qs(parts.query)["utm_medium"] == ["employee_advocacy"]
    assert parse_qs(parts.query)["utm_campaign"] == ["spring"]
    assert parse_qs(parts.query)["utm_content"] == ["post-7"]


def test_utm_tags_replace_existing_ones_instead_of_duplicating_them():
    url = build_target_url(
        url="https://example.com/?utm_source=newsletter&UTM_MEDIUM=mail&utm_term=keep&x=1",
        network="linkedin",
        utm_campaign="c",
        post_id=1,
    )
    query = parse_qs(urlsplit(url).query)
    assert query["utm_source"] == ["linkedin"]
    assert "UTM_MEDIUM" not in query
    assert query["utm_term"] == ["keep"]
    assert query["x"] == ["1"]


def test_utm_tags_on_a_bare_domain_and_a_fragment_only_url():
    assert build_target_url(url="https://example.com", network="x", utm_campaign="c", post_id=1).startswith(
        "https://example.com/?utm_source=x&"
    )
    url = build_target_url(url="https://example.com/page#section", network="x", utm_campaign="c", post_id=1)
    assert url.endswith("#section") and "?utm_source=x" in url


def test_the_target_carries_no_employee_name_or_email(db):
    employee = UserFactory(email="secret.person@example.com", first_name="Secretname", last_name="Surnamey")
    link = ShortLinkFactory(user=employee)
    lowered = link.target_url.lower()
    assert "secret" not in lowered and "surnamey" not in lowered and "%40" not in lowered and "@" not in lowered
    assert "utm_campaign=" + link.post.campaign.utm_campaign in link.target_url


def test_a_link_is_created_once_per_employee_post_and_network(employee):
    post = SuggestedPostFactory()
    first = link_get_or_create(user=employee, post=post, network="linkedin")
    again = link_get_or_create(user=employee, post=post, network="linkedin")
    other_network = link_get_or_create(user=employee, post=post, network="x")
    assert first.pk == again.pk
    assert other_network.pk != first.pk
    assert ShortLink.objects.count() == 2


def test_codes_are_short_url_safe_and_not_sequential(employee):
    post = SuggestedPostFactory(campaign=CampaignFactory())
    codes = [link_get_or_create(user=employee, post=post, network=n).code for n in ("linkedin", "x", "mastodon")]
    codes += [ShortLinkFactory().code for _ in range(5)]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert re.fullmatch(f"[{CODE_ALPHABET}]{{8}}", code)
    assert sorted(codes) != codes or sorted(codes, reverse=True) != codes


def test_a_database_constraint_forbids_a_second_link_for_the_same_triple(employee):
    link = ShortLinkFactory(user=employee)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ShortLink.objects.create(user=employee, post=link.post, network=link.network, target_url="https://e.com/")


@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_yields_one_link():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL (DATABASE_URL)")
    employee = UserFactory()
    post = SuggestedPostFactory()
    barrier = threading.Barrier(8)
    results, errors = [], []

    def create():
        try:
            barrier.wait()
            results.append(link_get_or_create(user=employee, post=post, network="linkedin").pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(results)) == 1 and len(results) == 8
    assert ShortLink.objects.filter(user=employee, post=post, network="linkedin").count() == 1


def test_links_for_a_page_of_posts_are_created_in_a_constant_number_of_queries(employee, django_assert_max_num_queries):
    posts = [SuggestedPostFactory() for _ in range(6)]
    from campaigns.models import SuggestedPost

    posts = list(SuggestedPost.objects.filter(pk__in=[p.pk for p in posts]).prefetch_related("variants"))
    posts = [p for p in posts]
    for post in posts:
        post.campaign  # noqa: B018 (load before counting queries)
    with django_assert_max_num_queries(3):
        links = links_ensure_for_posts(user=employee, posts=posts)
    assert len(links) == 18  # 6 posts x (linkedin, x, generic)
    with django_assert_max_num_queries(1):
        again = links_ensure_for_posts(user=employee, posts=posts)
    assert {k: v.pk for k, v in again.items()} == {k: v.pk for k, v in links.items()}


_param = st.text(alphabet="abcxyz_-.~%20+", min_size=1, max_size=8)


@hypothesis_settings(max_examples=150, deadline=None)
@given(
    params=st.lists(st.tuples(_param, st.text(alphabet="abc123%+=/", max_size=8)), max_size=5),
    fragment=st.text(alphabet="abc-_/?=&", max_size=10),
    path=st.sampled_from(["", "/", "/blog/post", "/a%20b/"]),
)
def test_utm_building_keeps_every_other_parameter_and_the_fragment(params, fragment, path):
    query = "&".join(f"{k}={v}" for k, v in params)
    url = f"https://example.com{path}" + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")
    built = build_target_url(url=url, network="mastodon", utm_campaign="c-1", post_id=9)
    parts = urlsplit(built)
    assert parts.fragment == fragment
    original_segments = [segment for segment in query.split("&") if segment]
    assert parts.query.split("&")[: len(original_segments)] == original_segments
    tags = parse_qs(parts.query)
    assert tags["utm_source"][-1] == "mastodon" and tags["utm_content"][-1] == "post-9"
