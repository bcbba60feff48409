"""FOUR_EYES_APPROVAL: with it on, the author of a post (who created or submitted it) cannot approve it."""

import pytest
from django.core.exceptions import ValidationError

from campaigns import services
from campaigns.models import PostStatus
from tests.factories import SuggestedPostFactory


@pytest.fixture
def four_eyes(settings):
    settings.FOUR_EYES_APPROVAL = True


@pytest.fixture
def submitted(content_manager):
    """Written and submitted by Carol (content manager)."""
    post = SuggestedPostFactory(status=PostStatus.DRAFT, created_by=content_manager)
    services.post_submit(post=post, by=content_manager)
    return post


def test_off_by_default_the_author_may_approve(submitted, content_manager, settings):
    assert settings.FOUR_EYES_APPROVAL is False
    services.post_approve(post=submitted, by=content_manager)
    submitted.refresh_from_db()
    assert submitted.status == PostStatus.APPROVED


def test_the_creator_cannot_approve_their_own_post(four_eyes, submitted, content_manager):
    with pytest.raises(ValidationError) as exc:
        services.post_approve(post=submitted, by=content_manager)
    assert "someone other than the post's author" in str(exc.value)
    submitted.refresh_from_db()
    assert submitted.status == PostStatus.SUBMITTED
    assert not submitted.transitions.filter(to_status=PostStatus.APPROVED).exists()


def test_whoever_submitted_it_cannot_approve_it_either(four_eyes, content_manager, advocacy_admin):
    post = SuggestedPostFactory(status=PostStatus.DRAFT, created_by=content_manager)
    services.post_submit(post=post, by=advocacy_admin)
    for author in (content_manager, advocacy_admin):
        with pytest.raises(ValidationError, match="Four-eyes"):
            services.post_approve(post=post, by=author)


def test_a_second_person_approves(four_eyes, submitted, advocacy_admin):
    services.post_approve(post=submitted, by=advocacy_admin)
    submitted.refresh_from_db()
    assert submitted.status == PostStatus.APPROVED


def test_nobody_approves_without_a_name_when_four_eyes_is_on(four_eyes, submitted):
    with pytest.raises(ValidationError, match="Four-eyes"):
        services.post_transition(post=submitted, to=PostStatus.APPROVED, by=None)


def test_the_admin_action_refuses_the_author_with_a_message(four_eyes, client, submitted, content_manager):
    client.force_login(content_manager)
    response = client.post(
        "/admin/campaigns/suggestedpost/",
        {"action": "approve", "_selected_action": [submitted.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "someone other than the post&#x27;s author must approve it" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == PostStatus.SUBMITTED


def test_rejecting_and_publishing_stay_open_to_the_author(four_eyes, submitted, content_manager, advocacy_admin):
    services.post_reject(post=submitted, by=content_manager, reason="Needs a better picture")
    services.post_submit(post=submitted, by=content_manager)
    services.post_approve(post=submitted, by=advocacy_admin)
    services.post_publish(post=submitted, by=content_manager)
    submitted.refresh_from_db()
    assert submitted.status == PostStatus.PUBLISHED
