"""Employees suggest posts; content managers approve them into a campaign (credited, with points) or decline."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns.models import PostStatus, SuggestedPost
from community import services
from community.models import Review, Suggestion
from leaderboard.models import Action, PointEntry
from tests.factories import CampaignFactory, UserFactory

pytestmark = pytest.mark.django_db

LINK = "https://example.com/blog/we-opened-lisbon"


def test_employee_suggests_a_link_and_sees_it_waiting(client, employee):
    client.force_login(employee)
    response = client.post(reverse("community:suggestions"), {"url": LINK, "text": "Our new office!"}, follow=True)
    assert response.status_code == 200
    assert "waiting for a content manager" in response.content.decode()
    suggestion = Suggestion.objects.get()
    assert (suggestion.author, suggestion.url, suggestion.status) == (employee, LINK, Review.PENDING)
    assert "Waiting for review" in client.get(reverse("community:suggestions")).content.decode()


def test_employee_suggests_own_words_with_an_image(client, employee, png):
    client.force_login(employee)
    response = client.post(
        reverse("community:suggestions"),
        {"text": "Our team ran the Lisbon half marathon for charity.", "image": png(), "image_alt": "Runners"},
    )
    assert response.status_code == 302
    suggestion = Suggestion.objects.get()
    assert suggestion.image.name.endswith(".png") and suggestion.image_alt == "Runners"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Give a link, or write the post in your own words"),
        ({"url": "javascript:alert(1)"}, "starting with http:// or https://"),
        ({"url": "https://"}, "Enter a valid URL"),
        ({"text": "x" * 3001}, "at most 3000 characters"),
    ],
)
def test_bad_suggestion_is_refused_with_a_clear_error(client, employee, data, message):
    client.force_login(employee)
    response = client.post(reverse("community:suggestions"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Suggestion.objects.exists()


def test_an_upload_that_is_not_an_image_is_refused(client, employee):
    client.force_login(employee)
    fake = SimpleUploadedFile("cat.png", b"<?php echo 1; ?>", content_type="image/png")
    response = client.post(reverse("community:suggestions"), {"text": "Look", "image": fake, "image_alt": "A cat"})
    assert response.status_code == 400
    assert "image" in response.content.decode().lower()
    assert not Suggestion.objects.exists()


def test_an_image_needs_a_description(client, employee, png):
    client.force_login(employee)
    response = client.post(reverse("community:suggestions"), {"text": "Look", "image": png()})
    assert response.status_code == 400
    assert "Describe the image" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_the_same_link_twice_while_waiting_is_a_clear_error(client, employee, colleague):
    client.force_login(employee)
    client.post(reverse("community:suggestions"), {"url": LINK})
    response = client.post(reverse("community:suggestions"), {"url": LINK, "text": "again"})
    assert response.status_code == 400
    assert "You already suggested this link" in response.content.decode()
    assert Suggestion.objects.count() == 1
    # A colleague may suggest the same link; so may the same person once the first was reviewed.
    services.suggestion_create(author=colleague, url=LINK)
    services.suggestion_decline(suggestion=Suggestion.objects.get(author=employee), by=colleague, reason="Old news")
    services.suggestion_create(author=employee, url=LINK)
    assert Suggestion.objects.count() == 3


def test_approval_makes_a_credited_draft_post_and_pays_points_once(employee, content_manager):
    campaign = CampaignFactory()
    suggestion = services.suggestion_create(author=employee, url=LINK, text="We opened in Lisbon.")
    post = services.suggestion_approve(
        suggestion=suggestion, campaign=campaign, by=content_manager, title="Lisbon is open"
    )
    assert post.status == PostStatus.DRAFT
    assert (post.campaign, post.suggested_by, post.created_by) == (campaign, employee, content_manager)
    assert (post.target_url, post.variant_for("linkedin").text) == (LINK, "We opened in Lisbon.")
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.post) == (Review.APPROVED, post)
    entry = PointEntry.objects.get(user=employee)
    assert (entry.action, entry.points, entry.post) == (Action.SUGGESTION_APPROVED, 15, post)
    # A second approval is refused and pays nothing more.
    with pytest.raises(Exception, match="already approved"):
        services.suggestion_approve(suggestion=suggestion, campaign=campaign, by=content_manager)
    assert PointEntry.objects.filter(user=employee).count() == 1
    assert SuggestedPost.objects.count() == 1


def test_points_follow_the_admins_rule(employee, content_manager):
    from leaderboard.models import PointRule

    PointRule.objects.create(action=Action.SUGGESTION_APPROVED, points=40)
    suggestion = services.suggestion_create(author=employee, url=LINK)
    services.suggestion_approve(suggestion=suggestion, campaign=CampaignFactory(), by=content_manager)
    assert PointEntry.objects.get(user=employee).points == 40


def test_own_words_without_a_link_need_a_target_before_approval(employee, content_manager):
    suggestion = services.suggestion_create(author=employee, text="Proud of our apprentices.")
    with pytest.raises(Exception, match="needs the address it points to"):
        services.suggestion_approve(suggestion=suggestion, campaign=CampaignFactory(), by=content_manager)
    suggestion.refresh_from_db()
    assert suggestion.status == Review.PENDING
    assert not SuggestedPost.objects.exists() and not PointEntry.objects.exists()


def test_copy_too_long_for_a_network_stores_nothing(employee, content_manager):
    suggestion = services.suggestion_create(author=employee, url=LINK, text="We opened in Lisbon.")
    with pytest.raises(Exception, match="(?i)too long|characters"):
        services.suggestion_approve(
            suggestion=suggestion, campaign=CampaignFactory(), by=content_manager, text="word " * 1100
        )
    assert not SuggestedPost.objects.exists() and not PointEntry.objects.exists()
    suggestion.refresh_from_db()
    assert suggestion.status == Review.PENDING


def test_decline_reason_is_shown_to_the_suggester(client, employee, content_manager):
    suggestion = services.suggestion_create(author=employee, url=LINK)
    with pytest.raises(Exception, match="Say why"):
        services.suggestion_decline(suggestion=suggestion, by=content_manager, reason="no")
    services.suggestion_decline(suggestion=suggestion, by=content_manager, reason="We shared this last week.")
    client.force_login(employee)
    page = client.get(reverse("community:suggestions")).content.decode()
    assert "Declined" in page and "We shared this last week." in page
    assert not PointEntry.objects.exists()


def test_my_suggestions_shows_only_my_own(client, employee, colleague):
    services.suggestion_create(author=colleague, url="https://example.com/colleague-secret")
    client.force_login(employee)
    assert "colleague-secret" not in client.get(reverse("community:suggestions")).content.decode()


def test_the_approved_post_credits_the_suggester_on_today(client, employee, content_manager):
    from campaigns.services import post_approve, post_submit

    suggestion = services.suggestion_create(author=employee, url=LINK, text="We opened in Lisbon.")
    post = services.suggestion_approve(suggestion=suggestion, campaign=CampaignFactory(), by=content_manager)
    post_submit(post=post, by=content_manager)
    post_approve(post=post, by=UserFactory(role="Content manager"))
    client.force_login(UserFactory())
    page = client.get(reverse("today")).content.decode()
    assert f"Suggested by {employee.get_full_name()}" in page


# --- The moderation queue in the admin ---------------------------------------------------------


def test_content_manager_sees_the_inbox_count_and_approves_from_the_admin(client, employee, content_manager):
    campaign = CampaignFactory(name="Lisbon")
    suggestion = services.suggestion_create(author=employee, url=LINK, text="We opened in Lisbon.")
    client.force_login(content_manager)
    index = client.get(reverse("admin:index")).content.decode()
    assert "1 suggestion from employees" in index
    change = client.get(reverse("admin:community_suggestion_change", args=[suggestion.pk]))
    assert change.status_code == 200 and "Approve into a campaign" in change.content.decode()
    response = client.post(
        reverse("admin:community_suggestion_do", args=[suggestion.pk, "approve"]),
        {"campaign": campaign.pk, "title": "Lisbon is open", "target_url": LINK, "text": "Edited: Lisbon!"},
    )
    post = SuggestedPost.objects.get()
    assert response.url == reverse("admin:campaigns_suggestedpost_change", args=[post.pk])
    assert (post.title, post.variant_for("x").text, post.suggested_by) == (
        "Lisbon is open",
        "Edited: Lisbon!",
        employee,
    )
    assert "suggestion from employees" not in client.get(reverse("admin:index")).content.decode()


def test_decline_without_a_reason_in_the_admin_changes_nothing(client, employee, content_manager):
    suggestion = services.suggestion_create(author=employee, url=LINK)
    client.force_login(content_manager)
    response = client.post(reverse("admin:community_suggestion_do", args=[suggestion.pk, "decline"]), {"reason": ""})
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == Review.PENDING
    messages = [str(m) for m in client.get(response.url).context["messages"]]
    assert any("Say why" in m for m in messages)


def test_content_manager_edits_a_waiting_suggestion(client, employee, content_manager):
    suggestion = services.suggestion_create(author=employee, url=LINK, text="typo teh")
    client.force_login(content_manager)
    response = client.post(
        reverse("admin:community_suggestion_change", args=[suggestion.pk]),
        {"url": LINK, "text": "no typo", "image_alt": ""},
    )
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.text == "no typo"


def test_employees_cannot_moderate(client, employee, colleague):
    suggestion = services.suggestion_create(author=colleague, url=LINK)
    client.force_login(employee)
    response = client.post(
        reverse("admin:community_suggestion_do", args=[suggestion.pk, "decline"]), {"reason": "I do not like it"}
    )
    assert response.status_code == 302 and "/admin/login/" in response.url
    suggestion.refresh_from_db()
    assert suggestion.status == Review.PENDING


def test_admin_may_moderate_too(client, employee, advocacy_admin):
    suggestion = services.suggestion_create(author=employee, url=LINK)
    client.force_login(advocacy_admin)
    client.post(
        reverse("admin:community_suggestion_do", args=[suggestion.pk, "decline"]), {"reason": "Not on brand, sorry."}
    )
    suggestion.refresh_from_db()
    assert suggestion.status == Review.DECLINED
