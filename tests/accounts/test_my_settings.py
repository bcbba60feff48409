from accounts.models import EmployeeProfile


def test_employee_updates_own_settings(client, employee):
    client.force_login(employee)
    response = client.post(
        "/me/settings/",
        {"language": "de", "time_zone": "America/New_York", "digest_opt_in": "on", "digest_hour": "7"},
        follow=True,
    )
    assert "Your settings are saved." in response.content.decode()
    profile = EmployeeProfile.objects.get(user=employee)
    assert (profile.language, profile.time_zone, profile.digest_hour, profile.leaderboard_opt_out) == (
        "de",
        "America/New_York",
        7,
        False,
    )


def test_bad_settings_are_refused_and_nothing_changes(client, employee):
    client.force_login(employee)
    before = EmployeeProfile.objects.filter(user=employee).values().get()
    response = client.post("/me/settings/", {"language": "xx", "time_zone": "Mars/Olympus", "digest_hour": "25"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"language", "time_zone", "digest_hour"}
    assert "Mars/Olympus is not one of the available choices" in str(errors["time_zone"])
    assert EmployeeProfile.objects.filter(user=employee).values().get() == before


def test_settings_need_login(client, db):
    assert client.get("/me/settings/").status_code == 302


def test_opting_out_in_settings_takes_me_off_the_public_board(
    client, employee, colleague, django_capture_on_commit_callbacks
):
    """With Redis boards the change is applied by a rebuild after commit; SQL boards read the flag live."""
    import datetime as dt

    from django.utils import timezone

    from leaderboard.selectors import leaderboard_top
    from tests.factories import award

    award(employee, 30, timezone.now() - dt.timedelta(minutes=5))
    award(colleague, 10, timezone.now() - dt.timedelta(minutes=5))
    assert [s.user_id for s in leaderboard_top(period="all", backend="sql")] == [employee.pk, colleague.pk]
    client.force_login(employee)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/me/settings/",
            {"language": "en", "time_zone": "UTC", "digest_hour": "8", "leaderboard_opt_out": "on"},
        )
    assert [s.user_id for s in leaderboard_top(period="all", backend="sql")] == [colleague.pk]
