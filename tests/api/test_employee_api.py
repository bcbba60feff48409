# ruff: noqa: F811 - the network fakes' fixtures are imported from tests/networks/conftest.py
"""Employees through the API: the same sharing services, rules and errors as the share page."""

import datetime as dt

import pytest
from django.utils import timezone

from analytics.models import Click
from leaderboard.services.awards import points_award_share
from networks.models import Share
from tests.factories import ConnectedAccountFactory, SuggestedPostFactory, make_share
from tests.networks.conftest import _servers, fresh_publish_budgets, mastodon, network_settings, post  # noqa: F401

from .conftest import bearer

TEXT = "Our new release is out. 🎉\n\n#employee"


@pytest.fixture
def account(employee, mastodon):
    mastodon.tokens["tok"] = {"scope": "read write:statuses write:media"}
    return ConnectedAccountFactory(user=employee, network="mastodon", instance=mastodon.instance, access_token="tok")


def test_share_now_posts_through_the_same_service_as_the_page(
    api,
    employee,
    account,
    post,
    mastodon,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/shares/", {"post": post.pk, "network": "mastodon", "text": TEXT}, format="json", **bearer(employee)
        )
    assert response.status_code == 201, response.content
    share = Share.objects.get()
    assert share.status == Share.Status.PUBLISHED and share.source == "api"
    assert len(mastodon.statuses) == 1
    assert response.json()["id"] == share.pk and response.json()["short_url"].startswith("https://go.example.com/s/")


def test_a_second_live_share_is_refused_like_on_the_page(api, employee, account, post):
    api.force_login(employee)
    when = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    body = {"post": post.pk, "network": "mastodon", "scheduled_for": when}
    assert api.post("/api/v1/shares/", body, format="json").status_code == 201
    again = api.post("/api/v1/shares/", body, format="json")
    assert again.status_code == 400
    assert "already shared this post" in again.json()["message"]
    assert Share.objects.count() == 1


def test_a_schedule_in_the_past_is_a_field_error_and_nothing_is_stored(api, employee, account, post):
    api.force_login(employee)
    past = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    response = api.post(
        "/api/v1/shares/", {"post": post.pk, "network": "mastodon", "scheduled_for": past}, format="json"
    )
    assert response.status_code == 400
    assert "past" in response.json()["fields"]["scheduled_for"][0]
    assert not Share.objects.exists()


def test_direct_without_an_account_says_to_connect_or_use_the_dialog(api, employee, post):
    api.force_login(employee)
    response = api.post("/api/v1/shares/", {"post": post.pk, "network": "linkedin"}, format="json")
    assert response.status_code == 400
    assert "connect an account or use the share dialog" in response.json()["message"]


def test_an_intent_share_records_the_dialog_and_returns_its_url(api, employee, post):
    api.force_login(employee)
    response = api.post("/api/v1/shares/", {"post": post.pk, "network": "linkedin", "route": "intent"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "opened" and body["dialog_url"].startswith("https://www.linkedin.com/")
    assert Share.objects.get().route == Share.Route.INTENT


def test_a_post_not_aimed_at_me_is_refused(api, employee):
    hidden = SuggestedPostFactory(status="draft")
    api.force_login(employee)
    response = api.post("/api/v1/shares/", {"post": hidden.pk, "network": "linkedin", "route": "intent"}, format="json")
    assert response.status_code == 400 and "not available" in response.json()["fields"]["post"][0]
    assert not Share.objects.exists()


def test_cancel_a_scheduled_share_then_too_late_to_cancel_again(api, employee, account, post):
    api.force_login(employee)
    when = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    share_id = api.post(
        "/api/v1/shares/", {"post": post.pk, "network": "mastodon", "scheduled_for": when}, format="json"
    ).json()["id"]
    response = api.post(f"/api/v1/shares/{share_id}/cancel/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    again = api.post(f"/api/v1/shares/{share_id}/cancel/", {}, format="json")
    assert again.status_code == 400 and "Too late" in again.json()["message"]


def test_retry_a_failed_share_posts_it_once_and_refuses_others(
    api,
    employee,
    account,
    post,
    mastodon,
    django_capture_on_commit_callbacks,
):
    failed = make_share(user=employee, post=post, network="mastodon", account=account, status=Share.Status.FAILED)
    api.force_login(employee)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/shares/{failed.pk}/retry/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["id"] == failed.pk, "the same share, keeping its idempotency key"
    again = Share.objects.get(pk=failed.pk)
    assert again.status == Share.Status.PUBLISHED
    assert Share.objects.filter(post=post, user=employee).count() == 1
    refused = api.post(f"/api/v1/shares/{again.pk}/retry/", {}, format="json")
    assert refused.status_code == 400 and "Only a failed post can be tried again" in refused.json()["message"]


def test_my_shares_lists_only_mine_and_filters_by_status(api, employee, colleague, post):
    mine = make_share(user=employee, post=post, network="x")
    make_share(user=colleague, post=post, network="x")
    make_share(user=employee, post=SuggestedPostFactory(), network="x", status=Share.Status.FAILED)
    api.force_login(employee)
    listed = api.get("/api/v1/shares/?status=published").json()["results"]
    assert [s["id"] for s in listed] == [mine.pk]
    theirs = Share.objects.exclude(user=employee).get()
    assert api.get(f"/api/v1/shares/{theirs.pk}/").status_code == 404
    assert api.post(f"/api/v1/shares/{theirs.pk}/cancel/", {}, format="json").status_code == 404


def test_my_links_with_click_totals_and_their_counted_clicks(api, employee, colleague, post):
    share = make_share(user=employee, post=post, network="x")
    now = timezone.now()
    Click.objects.create(link=share.short_link, event_id="a", clicked_at=now, is_unique=True, referrer_host="t.co")
    Click.objects.create(link=share.short_link, event_id="b", clicked_at=now, is_unique=True, is_self_click=True)
    other = make_share(user=colleague, post=post, network="x")
    api.force_login(employee)
    links = api.get("/api/v1/links/").json()["results"]
    assert [link["id"] for link in links] == [share.short_link_id]
    clicks = api.get(f"/api/v1/links/{share.short_link_id}/clicks/").json()["results"]
    assert [c["referrer_host"] for c in clicks] == ["t.co"]  # my own click does not count
    assert api.get(f"/api/v1/links/{other.short_link_id}/clicks/").status_code == 404


def test_my_points_and_ledger(api, employee, post):
    share = make_share(user=employee, post=post, network="x")
    points_award_share(share_id=share.pk)
    api.force_login(employee)
    points = api.get("/api/v1/me/points/").json()
    assert points["total"] > 0
    assert {p["period"] for p in points["positions"]} >= {"week", "all"}
    ledger = api.get("/api/v1/me/points/ledger/").json()["results"]
    assert sum(entry["points"] for entry in ledger) == points["total"]


def test_my_impact_period_errors_are_400s(api, employee):
    api.force_login(employee)
    assert api.get("/api/v1/me/impact/").status_code == 200
    response = api.get("/api/v1/me/impact/?period=custom&start=2026-05-01&end=2026-04-01")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert api.get("/api/v1/me/impact/?period=decade").status_code == 400


def test_leaderboards_i_may_see(api, employee):
    api.force_login(employee)
    board = api.get("/api/v1/leaderboard/?period=month&scope=all").json()
    assert board["me"]["period"] == "month"
    assert api.get("/api/v1/leaderboard/?scope=teams").json()["me"] is None
    no_team = api.get("/api/v1/leaderboard/?scope=team")
    assert no_team.status_code == 400 and "not in a team" in no_team.json()["fields"]["scope"][0]
    assert api.get("/api/v1/leaderboard/?period=decade").status_code == 400
