"""Admins through the API: people, point rules, an employee's data export and erasure."""

from accounts.models import User
from accounts.roles import CONTENT_MANAGER
from accounts.services import user_role
from leaderboard.models import PointRule
from tests.factories import LocationFactory, TeamFactory, UserFactory

from .conftest import bearer


def test_invite_then_place_promote_and_deactivate(api, advocacy_admin):
    team, location = TeamFactory(), LocationFactory()
    api.force_login(advocacy_admin)
    invited = api.post("/api/v1/people/", {"email": "Eve@Example.com", "first_name": "Eve"}, format="json")
    assert invited.status_code == 201, invited.content
    person_id = invited.json()["id"]
    assert invited.json()["role"] == "Employee" and not User.objects.get(pk=person_id).has_usable_password()
    twice = api.post("/api/v1/people/", {"email": "eve@example.com"}, format="json")
    assert twice.status_code == 400 and "already here" in twice.json()["fields"]["email"][0]
    changed = api.patch(
        f"/api/v1/people/{person_id}/",
        {"role": CONTENT_MANAGER, "team": team.pk, "location": location.pk},
        format="json",
    )
    assert changed.status_code == 200
    assert changed.json()["team"] == team.pk and changed.json()["location"] == location.pk
    assert user_role(user=User.objects.get(pk=person_id)) == CONTENT_MANAGER
    off = api.post(f"/api/v1/people/{person_id}/deactivate/", {}, format="json")
    assert off.status_code == 200 and off.json()["is_active"] is False
    filtered = api.get("/api/v1/people/?is_active=false").json()["results"]
    assert [p["id"] for p in filtered] == [person_id]


def test_bad_role_team_or_email_are_field_errors(api, advocacy_admin, employee):
    api.force_login(advocacy_admin)
    response = api.patch(f"/api/v1/people/{employee.pk}/", {"role": "Overlord", "team": 99999}, format="json")
    assert response.status_code == 400 and set(response.json()["fields"]) == {"role", "team"}
    assert api.post("/api/v1/people/", {"email": "not-an-email"}, format="json").status_code == 400


def test_an_admin_cannot_demote_deactivate_or_erase_themselves(api, advocacy_admin):
    api.force_login(advocacy_admin)
    me = advocacy_admin.pk
    assert api.patch(f"/api/v1/people/{me}/", {"role": "Employee"}, format="json").status_code == 400
    assert api.post(f"/api/v1/people/{me}/deactivate/", {}, format="json").status_code == 400
    assert api.post(f"/api/v1/people/{me}/erase/", {}, format="json").status_code == 400
    assert User.objects.get(pk=me).is_active


def test_export_then_erase_an_employee(api, advocacy_admin, employee):
    headers = bearer(employee)
    api.force_login(advocacy_admin)
    exported = api.get(f"/api/v1/people/{employee.pk}/export/")
    assert exported.status_code == 200 and employee.email in str(exported.json())
    erased = api.post(f"/api/v1/people/{employee.pk}/erase/", {}, format="json")
    assert erased.status_code == 200
    assert erased.json()["email"].endswith("@erased.invalid") and erased.json()["is_active"] is False
    api.logout()
    assert api.get("/api/v1/today/", **headers).status_code == 401  # the erased person's tokens stop


def test_point_rules_read_and_change(api, advocacy_admin):
    api.force_login(advocacy_admin)
    rules = api.get("/api/v1/point-rules/").json()
    assert "share" in {r["action"] for r in rules}
    changed = api.patch("/api/v1/point-rules/share/", {"points": 7}, format="json")
    assert changed.status_code == 200 and changed.json()["points"] == 7
    assert PointRule.objects.get(action="share").points == 7
    too_many = api.patch("/api/v1/point-rules/share/", {"points": 10**6}, format="json")
    assert too_many.status_code == 400 and "points" in too_many.json()["fields"]
    assert api.patch("/api/v1/point-rules/share/", {"points": "seven"}, format="json").status_code == 400
    assert PointRule.objects.get(action="share").points == 7
    assert api.get("/api/v1/point-rules/nothing/").status_code == 404


def test_content_managers_do_not_reach_people(api, db):
    api.force_login(UserFactory(role=CONTENT_MANAGER))
    assert api.get("/api/v1/people/").status_code == 403
