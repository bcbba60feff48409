"""Every API operation × anonymous / employee / content manager / admin / read-only token / revoked token.

An operation is open to everyone signed in (EVERYONE), to content managers and admins (STAFF), or to admins
(ADMINS). Denied callers get 401 (no or bad credentials) or 403 (role, or a read token writing) with the error
body; allowed ones get anything but those (a write with an empty body is a 400, a GET a 200). Each operation runs
in a fresh database, callers in the order below (the admin last: some admin writes change the world).
"""

import pytest
from drf_spectacular.generators import SchemaGenerator

from accounts.models import Team
from accounts.roles import ADVOCACY_ADMIN, CONTENT_MANAGER, EMPLOYEE
from analytics.models import Click
from api.models import ApiToken
from campaigns.models import PostStatus
from community.services import suggestion_create
from networks.models import Share
from tests.factories import SuggestedPostFactory, UserFactory, make_share

from .conftest import bearer, revoked_bearer

EVERYONE, STAFF, ADMINS = "everyone", "staff", "admins"

# (method, path with {placeholders}) → who may
OPERATIONS: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/"): EVERYONE,
    ("GET", "/api/v1/today/"): EVERYONE,
    ("GET", "/api/v1/shares/"): EVERYONE,
    ("POST", "/api/v1/shares/"): EVERYONE,
    ("GET", "/api/v1/shares/{share_id}/"): EVERYONE,
    ("POST", "/api/v1/shares/{share_id}/cancel/"): EVERYONE,
    ("POST", "/api/v1/shares/{share_id}/retry/"): EVERYONE,
    ("GET", "/api/v1/links/"): EVERYONE,
    ("GET", "/api/v1/links/{link_id}/clicks/"): EVERYONE,
    ("GET", "/api/v1/me/impact/"): EVERYONE,
    ("GET", "/api/v1/me/points/"): EVERYONE,
    ("GET", "/api/v1/me/points/ledger/"): EVERYONE,
    ("GET", "/api/v1/leaderboard/"): EVERYONE,
    ("GET", "/api/v1/suggestions/"): EVERYONE,
    ("POST", "/api/v1/suggestions/"): EVERYONE,
    ("GET", "/api/v1/suggestions/queue/"): STAFF,
    ("PATCH", "/api/v1/suggestions/{suggestion_id}/"): STAFF,
    ("POST", "/api/v1/suggestions/{suggestion_id}/approve/"): STAFF,
    ("POST", "/api/v1/suggestions/{suggestion_id}/decline/"): STAFF,
    ("GET", "/api/v1/campaigns/"): STAFF,
    ("POST", "/api/v1/campaigns/"): STAFF,
    ("GET", "/api/v1/campaigns/{campaign_id}/"): STAFF,
    ("PATCH", "/api/v1/campaigns/{campaign_id}/"): STAFF,
    ("POST", "/api/v1/campaigns/{campaign_id}/launch/"): STAFF,
    ("POST", "/api/v1/campaigns/{campaign_id}/archive/"): STAFF,
    ("GET", "/api/v1/posts/"): STAFF,
    ("POST", "/api/v1/posts/"): STAFF,
    ("GET", "/api/v1/posts/{post_id}/"): STAFF,
    ("PATCH", "/api/v1/posts/{post_id}/"): STAFF,
    ("PUT", "/api/v1/posts/{post_id}/image/"): STAFF,
    ("POST", "/api/v1/posts/{post_id}/submit/"): STAFF,
    ("POST", "/api/v1/posts/{post_id}/approve/"): STAFF,
    ("POST", "/api/v1/posts/{post_id}/reject/"): STAFF,
    ("POST", "/api/v1/posts/{post_id}/publish/"): STAFF,
    ("POST", "/api/v1/posts/{post_id}/archive/"): STAFF,
    ("GET", "/api/v1/analytics/overview/"): STAFF,
    ("GET", "/api/v1/analytics/campaigns/{campaign_id}/"): STAFF,
    ("GET", "/api/v1/analytics/posts/{post_id}/"): STAFF,
    ("GET", "/api/v1/analytics/teams/{team_id}/"): STAFF,
    ("GET", "/api/v1/people/"): ADMINS,
    ("POST", "/api/v1/people/"): ADMINS,
    ("GET", "/api/v1/people/{user_id}/"): ADMINS,
    ("PATCH", "/api/v1/people/{user_id}/"): ADMINS,
    ("POST", "/api/v1/people/{user_id}/deactivate/"): ADMINS,
    ("GET", "/api/v1/people/{user_id}/export/"): ADMINS,
    ("POST", "/api/v1/people/{user_id}/erase/"): ADMINS,
    ("GET", "/api/v1/point-rules/"): ADMINS,
    ("GET", "/api/v1/point-rules/{rule}/"): ADMINS,
    ("PATCH", "/api/v1/point-rules/{rule}/"): ADMINS,
}

CALLERS = ("anonymous", "revoked token", "read token", EMPLOYEE, CONTENT_MANAGER, ADVOCACY_ADMIN)
ALLOWED = {
    EVERYONE: {EMPLOYEE, CONTENT_MANAGER, ADVOCACY_ADMIN},
    STAFF: {CONTENT_MANAGER, ADVOCACY_ADMIN},
    ADMINS: {ADVOCACY_ADMIN},
}


def expected(access: str, method: str, caller: str) -> str:
    """'401', '403' or 'allowed'."""
    if caller in ("anonymous", "revoked token"):
        return "401"
    if caller == "read token":  # the admin's read token: reads what the admin reads, never writes
        return "allowed" if method == "GET" else "403"
    return "allowed" if caller in ALLOWED[access] else "403"


def test_every_operation_of_the_schema_is_in_the_matrix():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = {(method.upper(), path) for path, item in schema["paths"].items() for method in item}
    assert found == set(OPERATIONS)


@pytest.fixture
def world(db, api):
    users = {role: UserFactory(role=role) for role in (EMPLOYEE, CONTENT_MANAGER, ADVOCACY_ADMIN)}
    employee = users[EMPLOYEE]
    post = SuggestedPostFactory(status=PostStatus.SUBMITTED)
    share = make_share(user=employee, post=post, network="mastodon", status=Share.Status.FAILED)
    Click.objects.create(link=share.short_link, event_id="matrix-1", clicked_at=share.created_at, is_unique=True)
    target = UserFactory(email="target@example.com")  # the person admins act on
    return {
        "users": users,
        "headers": {
            "read token": bearer(users[ADVOCACY_ADMIN], scope=ApiToken.Scope.READ),
            "revoked token": revoked_bearer(users[ADVOCACY_ADMIN]),
        },
        "values": {
            "share_id": share.pk,
            "link_id": share.short_link_id,
            "campaign_id": post.campaign_id,
            "post_id": post.pk,
            "team_id": Team.objects.create(name="Matrix").pk,
            "user_id": target.pk,
            "rule": "share",
            "suggestion_id": suggestion_create(author=employee, url="https://example.com/matrix").pk,
        },
    }


def _call(api, world, caller: str, method: str, path: str):
    api.logout()
    headers = world["headers"].get(caller, {})
    if caller in world["users"]:
        api.force_login(world["users"][caller])
    url = path.format(**world["values"])
    return getattr(api, method.lower())(url, {} if method != "GET" else None, format="json", **headers)


@pytest.mark.parametrize("operation", list(OPERATIONS), ids=lambda op: f"{op[0]} {op[1]}")
def test_each_caller_gets_what_its_role_and_token_allow(api, world, operation):
    method, path = operation
    access = OPERATIONS[operation]
    wrong = []
    for caller in CALLERS:
        response = _call(api, world, caller, method, path)
        want = expected(access, method, caller)
        got = str(response.status_code) if response.status_code in (401, 403) else "allowed"
        if got != want or response.status_code >= 500:
            wrong.append(f"{caller}: expected {want}, got {response.status_code} {response.content[:200]!r}")
        elif got in ("401", "403"):
            body = response.json()
            assert set(body) == {"code", "message"} and body["message"], body
    assert wrong == [], "\n".join(wrong)
