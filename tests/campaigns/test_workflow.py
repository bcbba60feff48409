import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from campaigns import services
from campaigns.models import PostStatus, PostTransition
from tests.factories import SuggestedPostFactory


@pytest.fixture
def draft(db):
    return SuggestedPostFactory(status=PostStatus.DRAFT)


def test_full_workflow_records_each_step_with_who_and_when(draft, content_manager, advocacy_admin):
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), tick=False):
        services.post_submit(post=draft, by=content_manager)
        services.post_reject(post=draft, by=advocacy_admin, reason="Link points to the old page")
        services.post_submit(post=draft, by=content_manager)
        services.post_approve(post=draft, by=advocacy_admin)
        services.post_publish(post=draft, by=advocacy_admin)
        services.post_archive(post=draft, by=advocacy_admin)
    steps = list(PostTransition.objects.filter(post=draft).values_list("from_status", "to_status", "by__email"))
    assert steps == [
        ("draft", "submitted", "carol@example.com"),
        ("submitted", "rejected", "dana@example.com"),
        ("rejected", "submitted", "carol@example.com"),
        ("submitted", "approved", "dana@example.com"),
        ("approved", "published", "dana@example.com"),
        ("published", "archived", "dana@example.com"),
    ]
    assert PostTransition.objects.filter(post=draft, reason="Link points to the old page").exists()
    assert all(t.at == dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC) for t in draft.transitions.all())


def test_publishing_an_unapproved_post_is_refused_and_changes_nothing(draft, advocacy_admin):
    with pytest.raises(ValidationError) as excinfo:
        services.post_publish(post=draft, by=advocacy_admin)
    assert "cannot be published" in str(excinfo.value)
    draft.refresh_from_db()
    assert draft.status == PostStatus.DRAFT
    assert not draft.transitions.exists()


def test_reject_needs_a_reason(draft, advocacy_admin):
    services.post_submit(post=draft, by=advocacy_admin)
    with pytest.raises(ValidationError, match="Say why"):
        services.post_reject(post=draft, by=advocacy_admin, reason="  ")
    draft.refresh_from_db()
    assert draft.status == PostStatus.SUBMITTED


def test_submitting_a_post_without_copy_is_refused(advocacy_admin):
    post = SuggestedPostFactory(status=PostStatus.DRAFT, variants={})
    with pytest.raises(ValidationError, match="at least one network"):
        services.post_submit(post=post, by=advocacy_admin)


def test_archived_is_final(draft, advocacy_admin):
    services.post_archive(post=draft, by=advocacy_admin)
    with pytest.raises(ValidationError, match="allowed next: none"):
        services.post_submit(post=draft, by=advocacy_admin)


def test_publish_now_moves_a_future_publish_time_to_now(advocacy_admin):
    post = SuggestedPostFactory(publish_at=timezone.now() + dt.timedelta(days=2), expires_at=None)
    services.post_publish(post=post, by=advocacy_admin)
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert post.publish_at <= timezone.now()


def test_due_approved_posts_are_published_once(db):
    due = SuggestedPostFactory(publish_at=timezone.now() - dt.timedelta(minutes=5))
    later = SuggestedPostFactory(publish_at=timezone.now() + dt.timedelta(hours=5))
    assert services.publish_due_posts() == 1
    assert services.publish_due_posts() == 0  # idempotent: a re-run or retried task changes nothing
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.status, later.status) == (PostStatus.PUBLISHED, PostStatus.APPROVED)
    assert due.transitions.filter(to_status=PostStatus.PUBLISHED).count() == 1


def test_duplicate_copies_variants_as_a_draft(advocacy_admin):
    post = SuggestedPostFactory(is_featured=True)
    copy = services.post_duplicate(post=post, by=advocacy_admin)
    assert copy.status == PostStatus.DRAFT
    assert copy.title.endswith("(copy)")
    assert sorted(copy.variants.values_list("network", "text")) == sorted(post.variants.values_list("network", "text"))
