"""What every endpoint shares: tokens, cursor pages, the error body, ETags, strict input, throttling."""

import pytest
from django.core.cache import cache
from django.test import Client

from api.models import ApiToken
from api.services import token_hash
from campaigns.models import Campaign
from tests.factories import CampaignFactory, SuggestedPostFactory

from .conftest import bearer, revoked_bearer


def test_a_personal_token_signs_in_as_its_owner_and_records_its_use(api, employee):
    headers = bearer(employee, scope=ApiToken.Scope.READ)
    response = api.get("/api/v1/me/points/", **headers)
    assert response.status_code == 200
    token = ApiToken.objects.get(user=employee)
    assert token.last_used_at is not None


def test_only_a_hash_of_the_secret_is_stored(employee):
    from api.services import token_create

    created = token_create(user=employee, name="script", scope="read")
    secret = created.plain.split("_", 2)[2]
    row = ApiToken.objects.get(pk=created.token.pk)
    assert secret not in (row.secret_hash, row.prefix, row.name)
    assert row.secret_hash == token_hash(secret)


@pytest.mark.parametrize(
    "header",
    ["Bearer adv_nothing_here", "Bearer not-a-token", "Bearer adv_abcd1234_wrongsecret", "Bearer a b"],
)
def test_a_bad_token_is_a_401_with_the_error_body(api, db, header):
    response = api.get("/api/v1/today/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_and_a_deactivated_owner_stop_working_at_once(api, employee, colleague):
    assert api.get("/api/v1/today/", **revoked_bearer(employee)).status_code == 401
    headers = bearer(colleague)
    assert api.get("/api/v1/today/", **headers).status_code == 200
    colleague.is_active = False
    colleague.save()
    assert api.get("/api/v1/today/", **headers).status_code == 401


def test_a_read_token_never_writes_even_for_an_admin(api, advocacy_admin):
    response = api.post(
        "/api/v1/people/", {"email": "new@example.com"}, format="json", **bearer(advocacy_admin, scope="read")
    )
    assert response.status_code == 403
    assert "read-only" in response.json()["message"]
    from accounts.models import User

    assert not User.objects.filter(email="new@example.com").exists()


def test_a_token_grants_no_more_than_its_owners_role_now(api, content_manager):
    from accounts.roles import EMPLOYEE
    from accounts.services import user_set_role

    headers = bearer(content_manager)
    assert api.get("/api/v1/campaigns/", **headers).status_code == 200
    assert api.get("/api/v1/people/", **headers).status_code == 403  # admins only
    user_set_role(user=content_manager, role=EMPLOYEE)
    assert api.get("/api/v1/campaigns/", **headers).status_code == 403


def test_session_writes_need_the_csrf_token(employee):
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee)
    response = client.post("/api/v1/shares/", {"post": 1, "network": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]


def test_lists_page_with_a_cursor_and_the_next_link_works(api, content_manager):
    for _ in range(5):
        CampaignFactory()
    api.force_login(content_manager)
    first = api.get("/api/v1/campaigns/?page_size=2").json()
    assert len(first["results"]) == 2 and first["next"]
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()
    seen = [c["id"] for page in (first, second, third) for c in page["results"]]
    assert len(seen) == len(set(seen)) == 5
    assert third["next"] is None


@pytest.mark.parametrize("size", ["201", "1000000", "0", "-1", "many"])
def test_a_page_size_out_of_range_is_a_clear_400(api, content_manager, size):
    api.force_login(content_manager)
    response = api.get(f"/api/v1/campaigns/?page_size={size}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "1 to 200" in body["fields"]["page_size"][0]


@pytest.mark.parametrize("cursor", ["garbage", "cD1hYmM=", "cj0xJnA9bm90LWEtZGF0ZQ==", "%00%ff", "x" * 5000])
def test_a_bad_cursor_is_a_clear_400(api, content_manager, cursor):
    api.force_login(content_manager)
    response = api.get("/api/v1/campaigns/", {"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json()["fields"]


def test_filters_are_checked_like_input(api, content_manager):
    api.force_login(content_manager)
    response = api.get("/api/v1/campaigns/?status=sideways")
    assert response.status_code == 400
    assert "status" in response.json()["fields"]
    response = api.get("/api/v1/posts/?updated_since=yesterday")
    assert response.status_code == 400


def test_a_get_answers_304_when_nothing_changed_and_200_when_it_did(api, content_manager):
    campaign = CampaignFactory(name="Before")
    api.force_login(content_manager)
    first = api.get(f"/api/v1/campaigns/{campaign.pk}/")
    etag = first["ETag"]
    assert etag
    again = api.get(f"/api/v1/campaigns/{campaign.pk}/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    Campaign.objects.filter(pk=campaign.pk).update(name="After")
    changed = api.get(f"/api/v1/campaigns/{campaign.pk}/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed.json()["name"] == "After"
    listed = api.get("/api/v1/campaigns/")
    assert api.get("/api/v1/campaigns/", HTTP_IF_NONE_MATCH=listed["ETag"]).status_code == 304


def test_lists_filter_by_updated_since_for_sync(api, content_manager):
    import datetime as dt

    from django.utils import timezone

    old = CampaignFactory()
    Campaign.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=3))
    new = CampaignFactory()
    api.force_login(content_manager)
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    ids = [c["id"] for c in api.get("/api/v1/campaigns/", {"updated_since": since}).json()["results"]]
    assert ids == [new.pk]


def test_unknown_fields_in_a_write_are_refused_and_nothing_is_stored(api, content_manager):
    api.force_login(content_manager)
    body = {
        "name": "Spring",
        "narrative": "Tell it.",
        "starts_at": "2030-01-01T09:00:00Z",
        "ends_at": "2030-02-01T09:00:00Z",
        "utm_campaign": "spring",
        "launched_at": "2020-01-01T00:00:00Z",
        "colour": "red",
    }
    response = api.post("/api/v1/campaigns/", body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"colour": ["Unknown field."], "launched_at": ["Unknown field."]}
    assert not Campaign.objects.filter(name="Spring").exists()


@pytest.mark.parametrize(
    "body",
    [
        {"name": 5, "narrative": [], "starts_at": "soon", "ends_at": True, "utm_campaign": "no spaces!"},
        {
            "name": "x" * 500,
            "narrative": "n",
            "starts_at": "2030-01-01T00:00Z",
            "ends_at": "2029-01-01T00:00Z",
            "utm_campaign": "ok",
        },  # fmt: skip
        [1, 2, 3],
        "just a string",
    ],
)
def test_wrong_types_are_a_clear_400_and_nothing_is_stored(api, content_manager, body):
    api.force_login(content_manager)
    response = api.post("/api/v1/campaigns/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and response.json()["message"]
    assert not Campaign.objects.exists()


def test_malformed_json_is_a_400_with_the_error_body(api, content_manager):
    api.force_login(content_manager)
    response = api.generic("POST", "/api/v1/campaigns/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_an_unknown_api_url_and_a_missing_object_answer_the_error_body(api, content_manager):
    api.force_login(content_manager)
    for url in ("/api/v1/nothing-here/", "/api/v2/", "/api/v1/campaigns/999999/"):
        response = api.get(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


@pytest.fixture
def throttle_rates(settings, monkeypatch):
    """Set request budgets for one test (DRF reads them once, into SimpleRateThrottle), on an empty cache."""
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    def set_rates(**rates):
        cache.clear()
        merged = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates}
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": merged}
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", api_settings.DEFAULT_THROTTLE_RATES)

    yield set_rates
    cache.clear()


def test_too_many_requests_is_a_429_with_retry_after(api, employee, throttle_rates):
    throttle_rates(api_token="3/min")
    headers = bearer(employee)
    statuses = [api.get("/api/v1/me/points/", **headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get("/api/v1/me/points/", **headers)
    assert response.json()["code"] == "throttled" and int(response["Retry-After"]) > 0
    # Another token of the same person has its own budget.
    assert api.get("/api/v1/me/points/", **bearer(employee, name="other")).status_code == 200


def test_a_person_has_one_budget_across_their_tokens_and_session(api, employee, colleague, throttle_rates):
    throttle_rates(api_user="4/min")
    first, second = bearer(employee, name="laptop"), bearer(employee, name="phone")
    statuses = [api.get("/api/v1/me/points/", **headers).status_code for headers in (first, second, first, second)]
    assert statuses == [200, 200, 200, 200]
    assert api.get("/api/v1/me/points/", **bearer(employee, name="third")).status_code == 429
    api.force_login(employee)
    assert api.get("/api/v1/me/points/").status_code == 429  # the session counts with the tokens
    api.logout()
    assert api.get("/api/v1/me/points/", **bearer(colleague)).status_code == 200  # a colleague's own budget


def test_the_api_root_lists_the_endpoints(api, employee):
    api.force_login(employee)
    endpoints = api.get("/api/v1/").json()["endpoints"]
    assert endpoints["today"]["url"].endswith("/api/v1/today/")
    assert endpoints["schema"]["url"].endswith("/api/schema/")


def test_today_pages_featured_posts_first(api, employee):
    plain = [SuggestedPostFactory() for _ in range(3)]
    featured = SuggestedPostFactory(is_featured=True)
    api.force_login(employee)
    first = api.get("/api/v1/today/?page_size=2").json()
    rest = api.get(first["next"]).json()
    ids = [p["id"] for p in first["results"] + rest["results"]]
    assert ids[0] == featured.pk and sorted(ids[1:]) == sorted(p.pk for p in plain)
