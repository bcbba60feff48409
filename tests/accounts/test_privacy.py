"""An employee's data export and erasure: from the settings page, from the admin, and what erasure leaves."""

import json

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.db.models import Sum
from django.utils import timezone

from accounts.models import EmployeeProfile, User
from accounts.services import user_erase
from analytics.models import Click
from campaigns import services as campaign_services
from campaigns.models import PostStatus, PostTransition
from leaderboard.models import PointEntry
from leaderboard.selectors import leaderboard_top, team_leaderboard
from leaderboard.services.awards import points_award_share
from networks.models import ConnectedAccount, MastodonApp, Share
from networks.providers.base import Transient
from networks.providers.mastodon import MastodonProvider
from shortlinks.models import ShortLink
from tests.factories import ConnectedAccountFactory, ShortLinkFactory, SuggestedPostFactory, TeamFactory, make_share


@pytest.fixture
def revoked(monkeypatch):
    """Mastodon revocations that reached the provider (the network call itself is the provider's business)."""
    calls = []

    def revoke(self, *, instance, client_id, client_secret, token):
        calls.append((instance, token))

    monkeypatch.setattr(MastodonProvider, "revoke", revoke)
    return calls


@pytest.fixture
def alice_with_history(employee, colleague, settings):
    """Alice: a team, a Mastodon account, a published share with clicks and points, a scheduled and a queued share."""
    settings.LEADERBOARD_BACKEND = "sql"
    team = TeamFactory(name="Sales")
    EmployeeProfile.objects.filter(user__in=[employee, colleague]).update(team=team, job_title="Seller")
    EmailAddress.objects.create(user=employee, email=employee.email, verified=True, primary=True)
    social = SocialAccount.objects.create(user=employee, provider="twitter_oauth2", uid="42")
    SocialToken.objects.create(account=social, token="plain-x-token", app=None)
    MastodonApp.objects.create(instance="mastodon.example", client_id="cid", client_secret="csecret")
    account = ConnectedAccountFactory(user=employee, access_token="alice-mastodon-token")
    share = make_share(user=employee, network="mastodon", account=account)
    Share.objects.filter(pk=share.pk).update(external_url="https://mastodon.example/@alice/1", text="Alice's words")
    points_award_share(share_id=share.pk)
    make_share(user=colleague, network="mastodon")
    points_award_share(share_id=Share.objects.get(user=colleague).pk)
    post = SuggestedPostFactory()
    link = ShortLinkFactory(user=employee, post=post, network="mastodon")
    scheduled = Share.objects.create(
        user=employee,
        post=post,
        network="mastodon",
        account=account,
        short_link=link,
        route="direct",
        status=Share.Status.SCHEDULED,
        text="Later",
        scheduled_for=timezone.now() + timezone.timedelta(days=1),
    )
    other_post = SuggestedPostFactory()
    queued = Share.objects.create(
        user=employee,
        post=other_post,
        network="mastodon",
        account=account,
        short_link=ShortLinkFactory(user=employee, post=other_post, network="mastodon"),
        route="direct",
        status=Share.Status.QUEUED,
        text="Now",
    )
    for n in range(3):
        Click.objects.create(
            link=share.short_link, event_id=f"e{n}", clicked_at=timezone.now(), is_unique=True, referrer_host="x.com"
        )
    return {"share": share, "scheduled": scheduled, "queued": queued, "team": team}


def test_my_data_downloads_as_json_with_every_apps_part(client, employee, alice_with_history):
    client.force_login(employee)
    response = client.get("/me/data.json")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="advocacy-my-data.json"'
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["person"]["email"] == "alice@example.com"
    assert data["profile"]["team"] == "Sales"
    assert {a["network"] for a in data["connected_accounts"]} == {"mastodon"}
    assert "alice-mastodon-token" not in response.content.decode()  # tokens are secrets, never exported
    assert any(s["text"] == "Alice's words" for s in data["shares"])
    assert len(data["short_links"]) == 3
    assert sum(c["clicks"] for c in data["clicks"]) == 3
    assert sum(p["points"] for p in data["points"]) > 0
    assert [(s["provider"], s["uid"]) for s in data["social_logins"]] == [("twitter_oauth2", "42")]
    assert "bob@example.com" not in response.content.decode()  # only my own data


def test_erasure_anonymises_everything_and_keeps_the_counts(
    employee, colleague, alice_with_history, revoked, django_capture_on_commit_callbacks
):
    share = alice_with_history["share"]
    points_before = PointEntry.objects.aggregate(total=Sum("points"))["total"]
    clicks_before = Click.objects.filter(link__user=employee).count()
    assert {s.user_id for s in leaderboard_top(period="all", backend="sql")} == {employee.pk, colleague.pk}

    with django_capture_on_commit_callbacks(execute=True):
        user_erase(user=employee)

    person = User.objects.get(pk=employee.pk)
    assert person.email == f"erased-{employee.pk}@erased.invalid"
    assert (person.first_name, person.last_name, person.is_active, person.has_usable_password()) == (
        "",
        "",
        False,
        False,
    )
    assert str(person) == f"Erased person #{employee.pk}" and person.erased_at
    assert not person.groups.exists()
    profile = person.profile
    assert (profile.team, profile.job_title, profile.leaderboard_excluded) == (None, "", True)
    assert not EmailAddress.objects.filter(user=person).exists()
    assert not SocialAccount.objects.filter(user=person).exists() and not SocialToken.objects.exists()
    # Connected accounts gone, the Mastodon token revoked on the instance after commit.
    assert not ConnectedAccount.objects.filter(user=person).exists()
    assert revoked == [("mastodon.example", "alice-mastodon-token")]
    # Shares keep no text and no network identity; nothing pending goes out.
    share.refresh_from_db()
    assert (share.text, share.external_id, share.external_url, share.account) == ("", "", "", None)
    assert share.status == Share.Status.PUBLISHED
    assert Share.objects.get(pk=alice_with_history["scheduled"].pk).status == Share.Status.CANCELLED
    assert Share.objects.get(pk=alice_with_history["queued"].pk).status == Share.Status.FAILED
    assert not Share.objects.filter(user=person).exclude(text="").exists()
    # Clicks stay as counts; the ledger is whole; the boards no longer show her.
    assert Click.objects.filter(link__user=person).count() == clicks_before
    assert ShortLink.objects.filter(user=person).count() == 3
    assert PointEntry.objects.aggregate(total=Sum("points"))["total"] == points_before
    assert [s.user_id for s in leaderboard_top(period="all", backend="sql")] == [colleague.pk]
    assert [t.members for t in team_leaderboard(period="all", backend="sql")] == [1]


def test_erasure_twice_is_harmless(employee, alice_with_history, revoked, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user_erase(user=employee)
    first = User.objects.filter(pk=employee.pk).values("email", "erased_at", "is_active").get()
    with django_capture_on_commit_callbacks(execute=True):
        user_erase(user=employee)
    assert User.objects.filter(pk=employee.pk).values("email", "erased_at", "is_active").get() == first
    assert len(revoked) == 1


def test_a_failing_revocation_does_not_undo_the_erasure(
    employee, alice_with_history, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(self, **kwargs):
        raise Transient("instance down")

    monkeypatch.setattr(MastodonProvider, "revoke", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        user_erase(user=employee)
    assert User.objects.get(pk=employee.pk).erased_at is not None
    assert not ConnectedAccount.objects.filter(user=employee).exists()


def test_audit_records_stay_without_identity(content_manager, advocacy_admin):
    post = SuggestedPostFactory(status=PostStatus.DRAFT, created_by=content_manager)
    campaign_services.post_submit(post=post, by=content_manager)
    user_erase(user=content_manager)
    step = PostTransition.objects.get(post=post, to_status=PostStatus.SUBMITTED)
    assert str(step.by) == f"Erased person #{content_manager.pk}"
    assert "carol" not in str(step.by).lower()


def test_employee_erases_themselves_after_entering_their_password(
    client, employee, password, revoked, alice_with_history
):
    client.force_login(employee)
    page = client.get("/me/erase/")
    assert page.status_code == 200 and "Erase my data" in page.content.decode()
    wrong = client.post("/me/erase/", {"password": "not-it", "confirm": "on"})
    assert wrong.status_code == 200 and "That is not your password." in wrong.content.decode()
    assert User.objects.get(pk=employee.pk).erased_at is None
    done = client.post("/me/erase/", {"password": password, "confirm": "on"})
    assert done.status_code == 200 and "Your data is erased" in done.content.decode()
    assert User.objects.get(pk=employee.pk).erased_at is not None
    # Logged out, and the old address and password no longer log in.
    assert client.get("/today/").status_code == 302
    assert not client.login(email="alice@example.com", password=password)


def test_a_session_elsewhere_ends_with_the_erasure(client, employee):
    client.force_login(employee)
    user_erase(user=employee)
    assert client.get("/today/").status_code == 302


def test_staff_are_sent_to_an_admin_for_erasure(client, content_manager, password):
    client.force_login(content_manager)
    response = client.post("/me/erase/", {"password": password, "confirm": "on"})
    assert response.status_code == 200
    assert "an Advocacy admin erases it for you" in response.content.decode()
    assert User.objects.get(pk=content_manager.pk).erased_at is None


def test_settings_page_links_export_and_erasure(client, employee):
    client.force_login(employee)
    page = client.get("/me/settings/").content.decode()
    assert 'href="/me/data.json"' in page and 'href="/me/erase/"' in page


def test_admin_erases_after_a_confirmation_page(
    client, advocacy_admin, employee, alice_with_history, revoked, django_capture_on_commit_callbacks
):
    client.force_login(advocacy_admin)
    selection = {"action": "erase_personal_data", "_selected_action": [employee.pk, advocacy_admin.pk]}
    confirm = client.post("/admin/accounts/user/", selection)
    assert confirm.status_code == 200
    assert "Erase the personal data of 1 person" in confirm.content.decode()
    assert User.objects.get(pk=employee.pk).erased_at is None  # nothing happens before confirming
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post("/admin/accounts/user/", {**selection, "confirm": "yes"}, follow=True)
    assert "Personal data of 1 person(s) erased." in done.content.decode()
    assert "You cannot erase yourself here" in done.content.decode()
    assert User.objects.get(pk=employee.pk).erased_at is not None
    assert User.objects.get(pk=advocacy_admin.pk).erased_at is None
    assert revoked == [("mastodon.example", "alice-mastodon-token")]


def test_admin_exports_a_persons_data(client, advocacy_admin, employee):
    client.force_login(advocacy_admin)
    response = client.post(
        "/admin/accounts/user/", {"action": "export_personal_data", "_selected_action": [employee.pk]}
    )
    assert response.status_code == 200
    assert json.loads(response.content)["people"][0]["person"]["email"] == "alice@example.com"


def test_content_managers_cannot_export_or_erase_people(client, content_manager, employee):
    client.force_login(content_manager)
    for action in ("erase_personal_data", "export_personal_data"):
        response = client.post("/admin/accounts/user/", {"action": action, "_selected_action": [employee.pk]})
        # The actions are not offered to them: the changelist answers without running anything.
        assert response["Content-Type"].startswith("text/html")
        assert "Erase the personal data" not in response.content.decode()
    assert User.objects.get(pk=employee.pk).erased_at is None
