"""Issue 13, sections 2 and 5: workflow buttons, the approval inbox, approval emails, four-eyes and the schedule."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import EmployeeProfile
from accounts.roles import CONTENT_MANAGER
from campaigns import notifications, services
from campaigns.models import PostStatus, ReviewReminder
from tests.factories import CampaignFactory, SuggestedPostFactory, UserFactory


def _page(client, post) -> str:
    return client.get(f"/admin/campaigns/suggestedpost/{post.pk}/change/").content.decode()


def _do(post, action):
    return f"/admin/campaigns/suggestedpost/{post.pk}/do/{action}/"


@pytest.fixture
def reviewer(db):
    return UserFactory(email="erin@example.com", first_name="Erin", last_name="Reviewer", role=CONTENT_MANAGER)


@pytest.fixture
def submitted(content_manager):
    post = SuggestedPostFactory(status=PostStatus.DRAFT, created_by=content_manager)
    services.post_submit(post=post, by=content_manager)
    return post


def test_a_draft_shows_submit_and_archive_but_not_approve(client, content_manager):
    post = SuggestedPostFactory(status=PostStatus.DRAFT, created_by=content_manager)
    client.force_login(content_manager)
    html = _page(client, post)
    assert f'action="{_do(post, "submit")}"' in html and f'action="{_do(post, "archive")}"' in html
    assert _do(post, "approve") not in html and _do(post, "publish") not in html


def test_the_submit_button_submits(client, content_manager):
    post = SuggestedPostFactory(status=PostStatus.DRAFT, created_by=content_manager)
    client.force_login(content_manager)
    response = client.post(_do(post, "submit"))
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == PostStatus.SUBMITTED


def test_an_employee_cannot_use_the_buttons(client, employee, submitted):
    client.force_login(employee)
    assert client.post(_do(submitted, "approve")).status_code in (302, 403)  # admin login redirect or refusal
    submitted.refresh_from_db()
    assert submitted.status == PostStatus.SUBMITTED


def test_a_move_the_workflow_refuses_changes_nothing_and_says_why(client, advocacy_admin):
    post = SuggestedPostFactory(status=PostStatus.DRAFT)
    client.force_login(advocacy_admin)
    response = client.post(_do(post, "publish"), follow=True)
    assert "cannot be published" in response.content.decode()
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT


def test_reject_needs_a_reason_and_records_it(client, reviewer, submitted):
    client.force_login(reviewer)
    client.post(_do(submitted, "reject"), {"reason": ""})
    submitted.refresh_from_db()
    assert submitted.status == PostStatus.SUBMITTED
    client.post(_do(submitted, "reject"), {"reason": "The link points to the old page."})
    submitted.refresh_from_db()
    assert submitted.status == PostStatus.REJECTED
    assert submitted.rejection_reason == "The link points to the old page."


def test_four_eyes_hides_approve_from_the_author_and_names_who_can(
    client, settings, content_manager, reviewer, submitted
):
    settings.FOUR_EYES_APPROVAL = True
    client.force_login(content_manager)
    html = _page(client, submitted)
    assert _do(submitted, "approve") not in html
    assert "Four-eyes approval is on" in html and "Can approve: " in html
    assert "Erin Reviewer" in html and "Carol" not in html.split("Can approve:")[1].split("</p>")[0]
    client.force_login(reviewer)
    assert _do(submitted, "approve") in _page(client, submitted)


def test_add_a_post_from_the_campaign_page_with_the_campaign_filled_in(client, content_manager):
    campaign = CampaignFactory()
    client.force_login(content_manager)
    html = client.get(f"/admin/campaigns/campaign/{campaign.pk}/change/").content.decode()
    add_url = f"/admin/campaigns/suggestedpost/add/?campaign={campaign.pk}"
    assert f'href="{add_url}"' in html
    form = client.get(add_url).context["adminform"].form
    assert str(form.initial["campaign"]) == str(campaign.pk)
    assert client.get(add_url).context["inline_admin_formsets"][0].formset.forms[0].initial == {"network": "generic"}


def test_campaign_buttons_launch_and_duplicate(client, content_manager):
    campaign = CampaignFactory(launched_at=None)
    client.force_login(content_manager)
    assert "Launch campaign" in client.get(f"/admin/campaigns/campaign/{campaign.pk}/change/").content.decode()
    client.post(f"/admin/campaigns/campaign/{campaign.pk}/do/launch/")
    campaign.refresh_from_db()
    assert campaign.launched_at is not None
    response = client.post(f"/admin/campaigns/campaign/{campaign.pk}/do/duplicate/")
    assert response.status_code == 302 and "/change/" in response["Location"]


def test_the_admin_index_shows_the_approval_inbox(client, settings, content_manager, reviewer, submitted):
    settings.FOUR_EYES_APPROVAL = True
    client.force_login(reviewer)
    html = client.get("/admin/").content.decode()
    assert "1 post waiting for you" in html
    listing = client.get("/admin/campaigns/suggestedpost/?waiting=me")
    assert list(listing.context["cl"].result_list) == [submitted]
    row = listing.content.decode()
    assert "submitted (by, when)" in row.lower() and "Carol, " in row
    client.force_login(content_manager)  # the author: nothing waits for her under four-eyes
    assert "No posts are waiting for your approval" in client.get("/admin/").content.decode()


def test_the_author_is_emailed_when_a_reviewer_approves_with_the_button(
    client, reviewer, submitted, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_do(submitted, "approve"))
    submitted.refresh_from_db()
    assert submitted.status == PostStatus.APPROVED
    (message,) = mail.outbox
    assert message.to == ["carol@example.com"]
    assert message.subject == f"Approved: {submitted.title}"
    assert f"Your post “{submitted.title}” was approved by Erin Reviewer." in message.body
    assert f"/admin/campaigns/suggestedpost/{submitted.pk}/change/" in message.body
    assert "was approved by Erin Reviewer" in message.alternatives[0][0]
    assert "Turn them off in My settings" in message.body


def test_the_author_is_emailed_with_the_reason_when_a_reviewer_rejects(
    reviewer, submitted, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.post_reject(post=submitted, by=reviewer, reason="Shorten the X copy, please.")
    (message,) = mail.outbox
    assert message.to == ["carol@example.com"] and message.subject.startswith("Needs changes:")
    assert "Shorten the X copy, please." in message.body
    assert "Shorten the X copy, please." in message.alternatives[0][0]
    assert "Turn them off in My settings" in message.body


def _my_settings_as_shown(client) -> dict:
    """What the My settings form sends back when saved as shown: every field's value, ticked boxes as "on"."""
    form = client.get("/me/settings/").context["form"]
    data = {}
    for field in form:
        value = field.value()
        if field.widget_type == "checkbox":
            if value:
                data[field.html_name] = "on"
        elif value is not None:
            data[field.html_name] = value
    return data


def test_unticking_approval_emails_in_my_settings_stops_the_approval_email(
    client, content_manager, reviewer, django_capture_on_commit_callbacks
):
    first = SuggestedPostFactory(status=PostStatus.SUBMITTED, created_by=content_manager)
    second = SuggestedPostFactory(status=PostStatus.SUBMITTED, created_by=content_manager)
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_do(first, "approve"))
    assert [m.subject for m in mail.outbox] == [f"Approved: {first.title}"]  # on by default

    client.force_login(content_manager)
    shown = _my_settings_as_shown(client)
    assert shown["approval_emails_opt_in"] == "on"
    del shown["approval_emails_opt_in"]  # the box unticked: a browser sends nothing for it
    response = client.post("/me/settings/", shown, follow=True)
    assert "Your settings are saved." in response.content.decode()
    assert "approval_emails_opt_in" not in _my_settings_as_shown(client)

    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_do(second, "approve"))
    second.refresh_from_db()
    assert second.status == PostStatus.APPROVED
    assert len(mail.outbox) == 1  # still only the first post's email


def test_a_reviewer_who_unticks_approval_emails_gets_no_daily_reminder(
    client, settings, content_manager, reviewer, advocacy_admin, submitted
):
    settings.FOUR_EYES_APPROVAL = True
    with time_machine.travel(dt.datetime(2026, 11, 20, 7, 0, tzinfo=dt.UTC)):
        notifications.reviewers_remind()
    assert sorted(m.to[0] for m in mail.outbox) == ["dana@example.com", "erin@example.com"]  # not Carol, the author
    mail.outbox.clear()
    client.force_login(advocacy_admin)
    shown = _my_settings_as_shown(client)
    del shown["approval_emails_opt_in"]
    client.post("/me/settings/", shown)
    with time_machine.travel(dt.datetime(2026, 11, 21, 7, 0, tzinfo=dt.UTC)):
        assert notifications.reviewers_remind() == 1
    assert [m.to for m in mail.outbox] == [["erin@example.com"]]  # Dana unticked it


def test_reviewers_get_one_email_a_day_while_posts_wait(settings, content_manager, reviewer, submitted):
    settings.FOUR_EYES_APPROVAL = True
    EmployeeProfile.objects.filter(user__email="dana@example.com").update(approval_emails_opt_in=False)
    with time_machine.travel(dt.datetime(2026, 11, 20, 7, 0, tzinfo=dt.UTC)):
        assert notifications.reviewers_remind() == 1  # Erin; not Carol (the author)
        assert notifications.reviewers_remind() == 0  # claimed for today
    assert [m.to for m in mail.outbox] == [["erin@example.com"]]
    assert mail.outbox[0].subject == "1 post waiting for your approval"
    assert ReviewReminder.objects.get().waiting == 1
    with time_machine.travel(dt.datetime(2026, 11, 21, 7, 0, tzinfo=dt.UTC)):
        assert notifications.reviewers_remind() == 1


def test_scheduled_publishing_takes_only_approved_posts_and_says_so(content_manager):
    approved = SuggestedPostFactory(status=PostStatus.APPROVED, publish_at=timezone.now() + dt.timedelta(hours=1))
    submitted = SuggestedPostFactory(status=PostStatus.SUBMITTED, publish_at=timezone.now() - dt.timedelta(hours=1))
    assert services.publish_due_posts() == 0  # not yet due
    assert services.publish_due_posts(now=timezone.now() + dt.timedelta(hours=2)) == 1
    approved.refresh_from_db()
    submitted.refresh_from_db()
    assert (approved.status, submitted.status) == (PostStatus.PUBLISHED, PostStatus.SUBMITTED)
    step = approved.transitions.get(to_status=PostStatus.PUBLISHED)
    assert step.reason == "published on schedule" and step.by is None


def test_renditions_are_not_in_the_admin_menu(client, advocacy_admin):
    client.force_login(advocacy_admin)
    html = client.get("/admin/").content.decode()
    assert "/admin/campaigns/postimagerendition/" not in html
