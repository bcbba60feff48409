"""Correcting a published post: a new version of its copy, approved on its own; the old copy stays live until then."""

import pytest
from django.core.exceptions import ValidationError

from campaigns import services
from campaigns.models import PostStatus, PostVersion, VersionStatus
from networks.models import Share
from networks.services.sharing import share_initial_text, share_intent_create
from tests.factories import SuggestedPostFactory, UserFactory

OLD_X = "Our new release is out!"
NEW_X = "Our new release is out, now in 12 languages!"


@pytest.fixture
def published(content_manager):
    return SuggestedPostFactory(status=PostStatus.PUBLISHED, created_by=content_manager, disclaimer="#employee")


def _correct(post, by, *, x_text=NEW_X, note="more languages"):
    version = services.post_version_start(post=post, by=by)
    version.variants.filter(network="x").update(text=x_text)
    version.note = note
    version.save(update_fields=["note"])
    return version


def _today_text(client, user) -> str:
    client.force_login(user)
    return client.get("/today/").content.decode()


def test_a_correction_is_pending_and_the_old_copy_stays_live(published, content_manager, employee, client):
    version = _correct(published, content_manager)
    services.post_version_submit(version=version, by=content_manager)

    version.refresh_from_db()
    assert version.status == VersionStatus.SUBMITTED
    published.refresh_from_db()
    assert published.status == PostStatus.PUBLISHED
    assert published.copy_version == 1
    assert published.variants.get(network="x").text == OLD_X
    page = _today_text(client, employee)
    assert OLD_X in page
    assert NEW_X not in page
    assert share_initial_text(post=published, network="x").startswith(OLD_X)


def test_approving_the_version_makes_the_new_copy_live_and_old_shares_keep_theirs(
    published, content_manager, advocacy_admin, employee, client
):
    old_share, _ = share_intent_create(user=employee, post=published, network="x")
    assert old_share.post_version == 1
    version = _correct(published, content_manager)
    services.post_version_submit(version=version, by=content_manager)

    services.post_version_approve(version=version, by=advocacy_admin)

    published.refresh_from_db()
    assert published.copy_version == 2
    assert published.variants.get(network="x").text == NEW_X
    assert NEW_X in _today_text(client, employee)
    colleague = UserFactory()
    new_share, _ = share_intent_create(user=colleague, post=published, network="x")
    assert new_share.post_version == 2
    assert new_share.text.startswith(NEW_X)
    old_share.refresh_from_db()
    assert old_share.post_version == 1
    assert old_share.text.startswith(OLD_X)
    # History: version 1 (what went out first) is kept, superseded; version 2 is live.
    assert list(published.versions.values_list("number", "status")) == [
        (1, VersionStatus.SUPERSEDED),
        (2, VersionStatus.LIVE),
    ]
    assert published.versions.get(number=1).variants.get(network="x").text == OLD_X
    assert published.transitions.filter(reason__startswith="copy version 2 approved").exists()


def test_the_post_page_lists_both_versions_and_offers_the_correction(
    published, content_manager, advocacy_admin, client
):
    client.force_login(content_manager)
    page = client.get(f"/admin/campaigns/suggestedpost/{published.pk}/change/").content.decode()
    assert "Correct the copy" in page

    response = client.post(f"/admin/campaigns/suggestedpost/{published.pk}/do/correct/", follow=True)
    version = PostVersion.objects.get(post=published, number=2)
    assert response.redirect_chain[-1][0] == f"/admin/campaigns/postversion/{version.pk}/change/"
    assert "Until it is approved, employees keep seeing" in response.content.decode()

    version.variants.filter(network="x").update(text=NEW_X)
    client.post(f"/admin/campaigns/postversion/{version.pk}/do/submit/")
    client.force_login(advocacy_admin)
    response = client.post(f"/admin/campaigns/postversion/{version.pk}/do/approve/", follow=True)
    page = response.content.decode()
    assert "Version 2 is live" in page
    assert "Versions of the copy" in page
    assert "Version 1" in page and "Version 2" in page
    assert "Replaced by a later version" in page
    assert OLD_X in page and NEW_X in page


def test_the_version_page_edits_the_copy_and_refuses_over_limit_text(published, content_manager, client):
    version = services.post_version_start(post=published, by=content_manager)
    client.force_login(content_manager)
    variants = list(version.variants.order_by("network"))
    data = {
        "note": "typo",
        "disclaimer": "#employee",
        "variants-TOTAL_FORMS": str(len(variants)),
        "variants-INITIAL_FORMS": str(len(variants)),
        "variants-MIN_NUM_FORMS": "1",
        "variants-MAX_NUM_FORMS": "6",
    }
    for i, v in enumerate(variants):
        data |= {f"variants-{i}-id": v.pk, f"variants-{i}-version": version.pk, f"variants-{i}-network": v.network}
        data[f"variants-{i}-text"] = "x" * 275 if v.network == "x" else v.text
    url = f"/admin/campaigns/postversion/{version.pk}/change/"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "X allows 280" in response.content.decode()
    assert version.variants.get(network="x").text == OLD_X

    data[f"variants-{[v.network for v in variants].index('x')}-text"] = NEW_X
    response = client.post(url, data)
    assert response.status_code == 302
    assert version.variants.get(network="x").text == NEW_X
    published.refresh_from_db()
    assert published.variants.get(network="x").text == OLD_X  # saved, not live


def test_the_author_cannot_approve_their_own_version_under_four_eyes(published, content_manager, settings, client):
    settings.FOUR_EYES_APPROVAL = True
    version = _correct(published, content_manager)
    services.post_version_submit(version=version, by=content_manager)
    with pytest.raises(ValidationError, match="someone other than the version's author"):
        services.post_version_approve(version=version, by=content_manager)

    client.force_login(content_manager)
    page = client.get(f"/admin/campaigns/postversion/{version.pk}/change/").content.decode()
    assert "Approve: make this copy live" not in page
    assert "Four-eyes approval is on" in page
    response = client.post(f"/admin/campaigns/postversion/{version.pk}/do/approve/", follow=True)
    assert "someone other than the version&#x27;s author" in response.content.decode()
    published.refresh_from_db()
    assert published.copy_version == 1


def test_a_rejected_version_needs_a_reason_and_changes_nothing(published, content_manager, advocacy_admin):
    version = _correct(published, content_manager)
    services.post_version_submit(version=version, by=content_manager)
    with pytest.raises(ValidationError, match="Say why"):
        services.post_version_reject(version=version, by=advocacy_admin, reason="  ")
    services.post_version_reject(version=version, by=advocacy_admin, reason="Say which languages")
    version.refresh_from_db()
    assert version.status == VersionStatus.REJECTED
    published.refresh_from_db()
    assert published.variants.get(network="x").text == OLD_X
    # The author fixes it and submits again; a second start returns the same open version.
    assert services.post_version_start(post=published, by=content_manager) == version
    services.post_version_submit(version=version, by=content_manager)


def test_a_version_over_the_limit_cannot_be_submitted(published, content_manager):
    version = _correct(published, content_manager, x_text="y" * 270)  # + "#employee" + link > 280
    with pytest.raises(ValidationError, match="X"):
        services.post_version_submit(version=version, by=content_manager)
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT


def test_only_published_posts_are_corrected_as_versions(content_manager):
    draft = SuggestedPostFactory(status=PostStatus.DRAFT)
    with pytest.raises(ValidationError, match="Only a published post"):
        services.post_version_start(post=draft, by=content_manager)
    assert not PostVersion.objects.exists()


def test_withdrawing_leaves_the_post_as_it_was_and_allows_a_new_correction(published, content_manager):
    version = _correct(published, content_manager)
    services.post_version_withdraw(version=version, by=content_manager)
    published.refresh_from_db()
    assert published.copy_version == 1
    again = services.post_version_start(post=published, by=content_manager)
    assert again.number == 3
    assert again.variants.get(network="x").text == OLD_X


def test_an_employee_cannot_use_the_version_pages(published, content_manager, employee, client):
    version = services.post_version_start(post=published, by=content_manager)
    client.force_login(employee)
    assert client.get(f"/admin/campaigns/postversion/{version.pk}/change/").status_code == 302
    assert client.post(f"/admin/campaigns/postversion/{version.pk}/do/submit/").status_code == 302
    assert Share.objects.count() == 0


def test_the_admin_index_lists_corrections_waiting_for_a_reviewer(published, content_manager, advocacy_admin, client):
    version = _correct(published, content_manager)
    services.post_version_submit(version=version, by=content_manager)
    client.force_login(advocacy_admin)
    page = client.get("/admin/").content.decode()
    assert "1 correction of published posts waiting for you" in page
    assert "/admin/campaigns/postversion/?status__exact=submitted" in page
