"""Bad input in the post admin: a clear message naming the field, and nothing stored changes."""

import pytest

from campaigns.models import PostStatus, PostVariant, SuggestedPost
from tests.campaigns.helpers import image_bytes, post_admin_data, upload
from tests.factories import CampaignFactory, SuggestedPostFactory


@pytest.fixture
def draft_post(db):
    return SuggestedPostFactory(status=PostStatus.DRAFT, title="Original title", variants={"x": "Original copy"})


def _change(client, post, **kwargs):
    return client.post(f"/admin/campaigns/suggestedpost/{post.pk}/change/", post_admin_data(post, **kwargs))


def _snapshot(post):
    post.refresh_from_db()
    return (post.title, post.target_url, post.image.name, list(post.variants.values_list("network", "text")))


def _field_errors(response, field):
    return response.context["adminform"].form.errors.get(field, [])


@pytest.mark.parametrize(
    "url, fragment",
    [
        ("javascript:alert(document.cookie)", "http:// or https://"),
        ("ftp://files.example.com/launch.pdf", "http:// or https://"),
        ("data:text/html,hello", "http:// or https://"),
        ("https://", "valid URL"),
    ],
)
def test_target_url_must_be_http_or_https(client, content_manager, draft_post, url, fragment):
    client.force_login(content_manager)
    before = _snapshot(draft_post)
    response = _change(client, draft_post, target_url=url)
    assert response.status_code == 200
    assert any(fragment in message for message in _field_errors(response, "target_url"))
    assert _snapshot(draft_post) == before


def test_x_copy_over_280_is_rejected_with_the_count(client, content_manager, draft_post):
    client.force_login(content_manager)
    before = _snapshot(draft_post)
    response = _change(client, draft_post, variants=[("x", "a" * 260)])
    assert response.status_code == 200
    formset_errors = str(response.context["inline_admin_formsets"][0].formset.errors)
    assert "X allows 280 weighted characters" in formset_errors
    assert _snapshot(draft_post) == before


def test_copy_within_limits_is_saved(client, content_manager, draft_post):
    client.force_login(content_manager)
    response = _change(client, draft_post, variants=[("x", "Shorter and better copy")])
    assert response.status_code == 302
    assert draft_post.variants.get().text == "Shorter and better copy"


def test_bluesky_counts_graphemes_so_emoji_families_count_once(client, content_manager, draft_post):
    client.force_login(content_manager)
    family = "👨‍👩‍👧‍👦"  # one grapheme, 7 code points, 25 UTF-8 bytes
    ok = _change(client, draft_post, variants=[("bluesky", family * 200)])
    assert ok.status_code == 302
    too_long = _change(client, draft_post, variants=[("bluesky", "é" * 290)])
    assert "Bluesky allows 300 graphemes" in str(too_long.context["inline_admin_formsets"][0].formset.errors)


def test_non_image_upload_is_rejected(client, content_manager, draft_post):
    client.force_login(content_manager)
    before = _snapshot(draft_post)
    fake = upload(b"%PDF-1.4 definitely not an image", name="launch.png")
    response = _change(client, draft_post, image=fake)
    assert response.status_code == 200
    assert _field_errors(response, "image")
    assert _snapshot(draft_post) == before


def test_truncated_image_is_rejected(client, content_manager, draft_post):
    client.force_login(content_manager)
    before = _snapshot(draft_post)
    data = image_bytes("JPEG", size=(400, 300))
    response = _change(client, draft_post, image=upload(data[: len(data) // 2], name="cut.jpg"))
    assert response.status_code == 200
    assert any("truncated" in m or "damaged" in m or "image" in m for m in _field_errors(response, "image"))
    assert _snapshot(draft_post) == before


def test_image_over_the_pixel_limit_is_rejected_before_decoding(client, content_manager, draft_post, settings):
    settings.POST_IMAGE_MAX_PIXELS = 1_000_000
    client.force_login(content_manager)
    before = _snapshot(draft_post)
    # A small file that declares 2000x2000 pixels: rejected from its header.
    response = _change(client, draft_post, image=upload(image_bytes("PNG", size=(2000, 2000)), name="big.png"))
    assert response.status_code == 200
    assert any("megapixels" in m for m in _field_errors(response, "image"))
    assert _snapshot(draft_post) == before


def test_expiry_before_publish_is_rejected(client, content_manager, draft_post):
    client.force_login(content_manager)
    before = _snapshot(draft_post)
    response = _change(client, draft_post, expires_at_0="2026-11-01")
    assert response.status_code == 200
    assert any("after the publish time" in m for m in _field_errors(response, "expires_at"))
    assert _snapshot(draft_post) == before


def test_valid_image_is_stored_without_exif_and_with_renditions(
    client, content_manager, draft_post, django_capture_on_commit_callbacks
):
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {2: (52.0, 31.0, 12.0)}  # GPS info
    data = image_bytes("JPEG", size=(1600, 900), exif=exif.tobytes())
    client.force_login(content_manager)
    with django_capture_on_commit_callbacks(execute=True):  # renditions are built by a task after commit
        response = _change(client, draft_post, image=upload(data, name="team.jpg", content_type="image/jpeg"))
    assert response.status_code == 302
    draft_post.refresh_from_db()
    with Image.open(draft_post.image.path) as stored:
        assert not stored.getexif()
    renditions = {r.network: r for r in draft_post.renditions.all()}
    assert renditions["bluesky"].bytes <= 1_000_000
    assert (renditions["linkedin"].width, renditions["linkedin"].height) == (1200, 627)


def test_campaign_end_before_start_is_rejected(client, content_manager):
    campaign = CampaignFactory(name="Spring launch")
    client.force_login(content_manager)
    data = {
        "name": "Spring launch",
        "narrative": campaign.narrative,
        "owner": content_manager.pk,
        "goal_metric": "clicks",
        "goal_target": "100",
        "starts_at_0": "2026-12-10",
        "starts_at_1": "09:00:00",
        "ends_at_0": "2026-12-01",
        "ends_at_1": "09:00:00",
        "hashtags": "#Spring",
        "utm_campaign": campaign.utm_campaign,
        "posts-TOTAL_FORMS": "0",
        "posts-INITIAL_FORMS": "0",
        "posts-MIN_NUM_FORMS": "0",
        "posts-MAX_NUM_FORMS": "1000",
    }
    before = (campaign.starts_at, campaign.ends_at)
    response = client.post(f"/admin/campaigns/campaign/{campaign.pk}/change/", data)
    assert response.status_code == 200
    assert "The end must be after the start." in response.context["adminform"].form.errors["ends_at"]
    campaign.refresh_from_db()
    assert (campaign.starts_at, campaign.ends_at) == before


def test_bad_hashtag_is_rejected(client, content_manager):
    campaign = CampaignFactory()
    client.force_login(content_manager)
    response = client.post(
        f"/admin/campaigns/campaign/{campaign.pk}/change/",
        {
            "name": campaign.name,
            "narrative": campaign.narrative,
            "owner": content_manager.pk,
            "goal_metric": "clicks",
            "goal_target": "10",
            "starts_at_0": "2026-12-01",
            "starts_at_1": "09:00:00",
            "ends_at_0": "2026-12-10",
            "ends_at_1": "09:00:00",
            "hashtags": "#ok #not-ok",
            "utm_campaign": campaign.utm_campaign,
            "posts-TOTAL_FORMS": "0",
            "posts-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "is not a hashtag" in str(response.context["adminform"].form.errors["hashtags"])


def test_approved_post_content_is_locked_in_admin(client, content_manager):
    post = SuggestedPostFactory(title="Approved words")
    client.force_login(content_manager)
    response = client.post(
        f"/admin/campaigns/suggestedpost/{post.pk}/change/", post_admin_data(post, title="Sneaky edit", variants=[])
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.title == "Approved words"
    assert PostVariant.objects.filter(post=post).count() == 3


def test_add_post_through_admin(client, content_manager):
    campaign = CampaignFactory()
    client.force_login(content_manager)
    response = client.post(
        "/admin/campaigns/suggestedpost/add/",
        post_admin_data(campaign=campaign, variants=[("linkedin", "Read about it"), ("x", "Read it")]),
    )
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    post = SuggestedPost.objects.get(title="A new post")
    assert post.status == PostStatus.DRAFT
    assert post.created_by == content_manager
    assert set(post.variants.values_list("network", flat=True)) == {"linkedin", "x"}
