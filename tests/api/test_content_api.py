"""Content managers through the API: campaigns and posts go through the workflow services, so the API skips no
step the admin enforces; analytics are the dashboard pages' numbers."""

import pytest
from django.utils import timezone

from accounts.roles import CONTENT_MANAGER
from analytics.rollups import rollup_day, rollup_day_rebuild
from campaigns.models import Campaign, PostStatus, PostTransition, SuggestedPost
from tests.campaigns.helpers import image_bytes, upload
from tests.factories import CampaignFactory, ShortLinkFactory, SuggestedPostFactory, UserFactory, make_click, make_share

CAMPAIGN = {
    "name": "Spring launch",
    "narrative": "Tell your network about spring.",
    "starts_at": "2030-03-01T09:00:00Z",
    "ends_at": "2030-04-01T09:00:00Z",
    "utm_campaign": "spring-launch",
    "hashtags": "#Spring",
}


def _post_body(campaign_id: int, **extra) -> dict:
    return {
        "campaign": campaign_id,
        "title": "Spring is here",
        "target_url": "https://example.com/spring",
        "disclaimer": "#employee",
        "variants": {"generic": "Spring is here.", "x": "Spring!"},
        **extra,
    }


def test_campaign_create_update_launch_archive(api, content_manager):
    api.force_login(content_manager)
    created = api.post("/api/v1/campaigns/", CAMPAIGN, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["owner"] == content_manager.pk
    campaign_id = body["id"]
    changed = api.patch(f"/api/v1/campaigns/{campaign_id}/", {"goal_target": 500}, format="json")
    assert changed.status_code == 200 and changed.json()["goal_target"] == 500
    assert api.post(f"/api/v1/campaigns/{campaign_id}/launch/", {}, format="json").json()["status"] == "scheduled"
    assert api.post(f"/api/v1/campaigns/{campaign_id}/archive/", {}, format="json").json()["status"] == "archived"
    refused = api.patch(f"/api/v1/campaigns/{campaign_id}/", {"name": "Again"}, format="json")
    assert refused.status_code == 400 and "archived" in refused.json()["message"]


def test_campaign_end_before_start_and_a_duplicate_utm_are_field_errors(api, content_manager):
    api.force_login(content_manager)
    CampaignFactory(utm_campaign="spring-launch")
    response = api.post("/api/v1/campaigns/", {**CAMPAIGN, "ends_at": "2030-02-01T09:00:00Z"}, format="json")
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert "ends_at" in fields or "utm_campaign" in fields
    assert Campaign.objects.count() == 1


def test_post_goes_through_every_workflow_step(api, content_manager, advocacy_admin):
    campaign = CampaignFactory()
    api.force_login(content_manager)
    created = api.post("/api/v1/posts/", _post_body(campaign.pk), format="json")
    assert created.status_code == 201, created.content
    post_id = created.json()["id"]
    assert created.json()["status"] == "draft" and created.json()["variants"]["x"] == "Spring!"
    skip = api.post(f"/api/v1/posts/{post_id}/approve/", {}, format="json")
    assert skip.status_code == 400 and "cannot be approved" in skip.json()["fields"]["status"][0]
    assert api.post(f"/api/v1/posts/{post_id}/submit/", {}, format="json").json()["status"] == "submitted"
    no_reason = api.post(f"/api/v1/posts/{post_id}/reject/", {}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]
    rejected = api.post(f"/api/v1/posts/{post_id}/reject/", {"reason": "Too vague, say what is new."}, format="json")
    assert rejected.json()["status"] == "rejected" and rejected.json()["rejection_reason"].startswith("Too vague")
    api.post(f"/api/v1/posts/{post_id}/submit/", {}, format="json")
    api.force_login(advocacy_admin)
    assert api.post(f"/api/v1/posts/{post_id}/approve/", {}, format="json").json()["status"] == "approved"
    locked = api.patch(f"/api/v1/posts/{post_id}/", {"title": "Changed after approval"}, format="json")
    assert locked.status_code == 400 and "title" in locked.json()["fields"]
    featured = api.patch(f"/api/v1/posts/{post_id}/", {"is_featured": True}, format="json")
    assert featured.status_code == 200 and featured.json()["is_featured"] is True
    assert api.post(f"/api/v1/posts/{post_id}/publish/", {}, format="json").json()["status"] == "published"
    assert api.post(f"/api/v1/posts/{post_id}/archive/", {}, format="json").json()["status"] == "archived"
    steps = PostTransition.objects.filter(post_id=post_id).order_by("at", "pk").values_list("to_status", flat=True)
    steps = list(steps)
    assert steps == ["submitted", "rejected", "submitted", "approved", "published", "archived"]


def test_four_eyes_holds_through_the_api(api, content_manager, settings):
    settings.FOUR_EYES_APPROVAL = True
    campaign = CampaignFactory()
    api.force_login(content_manager)
    post_id = api.post("/api/v1/posts/", _post_body(campaign.pk), format="json").json()["id"]
    api.post(f"/api/v1/posts/{post_id}/submit/", {}, format="json")
    own = api.post(f"/api/v1/posts/{post_id}/approve/", {}, format="json")
    assert own.status_code == 400 and "Four-eyes" in own.json()["fields"]["status"][0]
    assert SuggestedPost.objects.get(pk=post_id).status == PostStatus.SUBMITTED
    api.force_login(UserFactory(role=CONTENT_MANAGER))
    assert api.post(f"/api/v1/posts/{post_id}/approve/", {}, format="json").json()["status"] == "approved"


def test_copy_over_the_networks_limit_is_refused_and_nothing_is_stored(api, content_manager):
    campaign = CampaignFactory()
    api.force_login(content_manager)
    body = _post_body(campaign.pk, variants={"x": "x" * 400})
    response = api.post("/api/v1/posts/", body, format="json")
    assert response.status_code == 400 and "text" in response.json()["fields"]
    unknown = api.post("/api/v1/posts/", _post_body(campaign.pk, variants={"myspace": "hi"}), format="json")
    assert unknown.status_code == 400 and "myspace" in unknown.json()["fields"]["variants"][0]
    assert not SuggestedPost.objects.exists()


def test_image_upload_with_the_admins_checks(api, content_manager, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    post = SuggestedPostFactory(status=PostStatus.DRAFT)
    api.force_login(content_manager)
    good = api.put(f"/api/v1/posts/{post.pk}/image/", {"image": upload(image_bytes())}, format="multipart")
    assert good.status_code == 200 and good.json()["image"].endswith(".png")
    bad = api.put(
        f"/api/v1/posts/{post.pk}/image/", {"image": upload(b"not an image at all", name="x.png")}, format="multipart"
    )
    assert bad.status_code == 400 and bad.json()["fields"]["image"]
    post.refresh_from_db()
    assert post.image.name.endswith(".png")
    as_json = api.put(f"/api/v1/posts/{post.pk}/image/", {"image": "x"}, format="json")
    assert as_json.status_code == 415 and as_json.json()["code"] == "unsupported_media_type"


def test_analytics_are_the_numbers_the_dashboard_pages_show(api, client, content_manager):
    post = SuggestedPostFactory()
    share = make_share(post=post, network="x", published_at=timezone.now())
    for _ in range(3):
        make_click(link=share.short_link)
    make_click(link=ShortLinkFactory(post=post, network="linkedin"))
    rollup_day_rebuild(day=rollup_day(timezone.now()))
    api.force_login(content_manager)
    client.force_login(content_manager)
    for url, page in (
        (f"/api/v1/analytics/campaigns/{post.campaign_id}/", f"/programme/campaigns/{post.campaign_id}/"),
        (f"/api/v1/analytics/posts/{post.pk}/", f"/programme/posts/{post.pk}/"),
        ("/api/v1/analytics/overview/?period=30d", "/programme/?period=30d"),
    ):
        figures = api.get(url).json()
        shown = {f.label: f.value for f in client.get(page).context["figures"]}
        assert figures["totals"]["shares"] == shown["Shares"] == 1
        assert figures["totals"]["unique_clicks"] == shown["Unique clicks"] == 4


@pytest.mark.parametrize("query", ["period=forever", "team=abc", "start=2020-01-01&end=1999-01-01"])
def test_analytics_filters_are_checked(api, content_manager, query):
    api.force_login(content_manager)
    response = api.get(f"/api/v1/analytics/overview/?{query}")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
