"""The social media policy: versioned, acknowledged once per version before sharing, with the time recorded."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import PolicyAcknowledgement, PolicyDocument
from accounts.selectors import policy_pending_for, policy_unacknowledged
from accounts.services import policy_acknowledge, policy_publish
from networks.models import Share
from networks.services.sharing import share_direct_create, share_intent_create
from tests.factories import SuggestedPostFactory

pytestmark = pytest.mark.django_db

POLICY = "## Be yourself\n\nShare what you believe in.\n\n<script>alert('x')</script>\n\n**Never** share customer data."


@pytest.fixture(autouse=True)
def share_settings(settings):
    settings.SHORTLINK_BASE_URL = "https://go.example.com"
    settings.X_DIRECT_POSTING = False
    settings.SHARE_FETCH_OPEN_GRAPH = False


def published(version: int = 1, body: str = POLICY) -> PolicyDocument:
    return policy_publish(document=PolicyDocument.objects.create(version=version, body=body))


def test_without_a_published_policy_sharing_is_unchanged(employee):
    PolicyDocument.objects.create(version=1, body=POLICY)  # a draft asks nothing of anyone
    share, _url = share_intent_create(user=employee, post=SuggestedPostFactory(), network="linkedin")
    assert share.pk


def test_every_share_path_waits_for_the_acknowledgement_and_stores_nothing(employee):
    published()
    post = SuggestedPostFactory()
    for create in (
        lambda: share_intent_create(user=employee, post=post, network="linkedin"),
        lambda: share_direct_create(user=employee, post=post, network="mastodon"),
    ):
        with pytest.raises(ValidationError, match=r"acknowledge the social media policy \(version 1\)"):
            create()
    assert not Share.objects.exists()


def test_the_share_page_sends_the_employee_to_the_policy_and_back(client, employee):
    published()
    post = SuggestedPostFactory()
    client.force_login(employee)
    share_path = reverse("networks:share_intent", args=[post.pk, "linkedin"])
    response = client.post(share_path)
    assert response.status_code == 302 and response["Location"].startswith(reverse("my_policy"))
    assert not Share.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "<h2>Be yourself</h2>" in page and "<strong>Never</strong>" in page
    assert "<script>" not in page  # raw HTML is shown as text, never run
    when = dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.UTC)
    with time_machine.travel(when, tick=False):
        back = client.post(reverse("my_policy"), {"version": "1", "next": share_path})
    assert back.status_code == 302 and back["Location"] == share_path
    assert PolicyAcknowledgement.objects.get(user=employee).acknowledged_at == when
    assert client.post(share_path).status_code == 302
    assert Share.objects.filter(user=employee).count() == 1


def test_acknowledging_is_once_per_version_and_a_new_version_asks_again(employee):
    first = published(1)
    policy_acknowledge(user=employee, document=first)
    policy_acknowledge(user=employee, document=first)  # idempotent: the first time stays
    assert PolicyAcknowledgement.objects.count() == 1
    assert policy_pending_for(user=employee) is None
    second = published(2, body="A stricter policy.")
    assert policy_pending_for(user=employee) == second
    with pytest.raises(ValidationError, match="has been replaced"):
        policy_acknowledge(user=employee, document=first)


def test_a_stale_or_made_up_version_is_a_clear_error(client, employee):
    published(1)
    published(2, body="Newer.")
    client.force_login(employee)
    stale = client.post(reverse("my_policy"), {"version": "1"})
    assert stale.status_code == 400 and "has been replaced" in stale.content.decode()
    bogus = client.post(reverse("my_policy"), {"version": "x"})
    assert bogus.status_code == 400 and "not a published version" in bogus.content.decode()
    assert not PolicyAcknowledgement.objects.exists()


def test_an_offsite_next_is_ignored(client, employee):
    published()
    client.force_login(employee)
    response = client.post(reverse("my_policy"), {"version": "1", "next": "https://evil.example/"})
    assert response["Location"] == reverse("my_policy")


def test_publishing_refuses_an_older_or_empty_version():
    published(2)
    with pytest.raises(ValidationError, match="give this text a higher version"):
        published(1)
    with pytest.raises(ValidationError, match="no text"):
        published(3, body="  ")


def test_admins_see_who_has_not_acknowledged(client, advocacy_admin, employee, colleague):
    document = published()
    policy_acknowledge(user=colleague, document=document)
    assert employee in policy_unacknowledged(document=document)
    assert colleague not in policy_unacknowledged(document=document)
    client.force_login(advocacy_admin)
    page = client.get(reverse("admin:accounts_policydocument_change", args=[document.pk])).content.decode()
    assert employee.email in page and colleague.email not in page.split("who has not acknowledged")[-1]
    listing = client.get(reverse("admin:accounts_policydocument_changelist")).content.decode()
    assert "not yet" in listing.lower()


def test_the_admin_publishes_through_the_action_and_then_the_text_is_locked(client, advocacy_admin):
    document = PolicyDocument.objects.create(version=1, body=POLICY)
    client.force_login(advocacy_admin)
    client.post(
        reverse("admin:accounts_policydocument_changelist"),
        {"action": "publish", "_selected_action": [document.pk]},
    )
    document.refresh_from_db()
    assert document.published_at is not None
    page = client.get(reverse("admin:accounts_policydocument_change", args=[document.pk])).content.decode()
    assert 'name="body"' not in page


def test_content_managers_and_employees_do_not_manage_the_policy(client, content_manager, employee):
    for user in (content_manager, employee):
        client.force_login(user)
        assert client.get(reverse("admin:accounts_policydocument_add")).status_code in (302, 403)


def test_today_asks_for_the_acknowledgement(client, employee):
    published()
    client.force_login(employee)
    assert "social media policy (version 1)" in client.get(reverse("today")).content.decode()


def test_a_person_export_lists_their_acknowledgements(employee):
    from accounts.selectors import user_data_export

    document = published()
    policy_acknowledge(user=employee, document=document, now=timezone.now())
    assert user_data_export(user=employee)["policy_acknowledgements"][0]["version"] == 1
