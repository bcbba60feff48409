"""Issue 13, section 1: the faults found running a campaign in the admin."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from PIL import Image

from campaigns import services
from campaigns.models import PostStatus, PostVariant, SuggestedPost
from tests.campaigns.helpers import image_bytes, post_admin_data, upload
from tests.factories import CampaignFactory, SuggestedPostFactory

X_COPY_250 = "a" * 250


def _add(client, campaign, **kwargs):
    return client.post("/admin/campaigns/suggestedpost/add/", post_admin_data(campaign=campaign, **kwargs))


def test_a_new_posts_x_copy_is_counted_with_its_disclaimer_on_first_save(client, content_manager):
    client.force_login(content_manager)
    campaign = CampaignFactory()
    response = _add(client, campaign, variants=[("x", X_COPY_250)], disclaimer="#employee")
    assert response.status_code == 200
    errors = str(response.context["inline_admin_formsets"][0].formset.errors)
    assert "X allows 280 weighted characters" in errors
    assert not SuggestedPost.objects.exists()


def test_the_same_copy_without_the_disclaimer_fits_and_is_saved(client, content_manager):
    client.force_login(content_manager)
    response = _add(client, CampaignFactory(), variants=[("x", "a" * 200)], disclaimer="")
    assert response.status_code == 302
    assert SuggestedPost.objects.get().variants.get().text == "a" * 200


@pytest.fixture
def too_long_post(content_manager):
    """A post whose X text fits alone but not with its disclaimer (stored past the form, as an import could)."""
    post = SuggestedPostFactory(
        status=PostStatus.DRAFT, variants={}, disclaimer="#employee", created_by=content_manager
    )
    PostVariant.objects.create(post=post, network="x", text=X_COPY_250)
    return post


def test_submit_checks_the_full_text_again(too_long_post, content_manager):
    with pytest.raises(ValidationError) as exc:
        services.post_submit(post=too_long_post, by=content_manager)
    assert "X allows 280" in str(exc.value)
    too_long_post.refresh_from_db()
    assert too_long_post.status == PostStatus.DRAFT


@pytest.mark.parametrize("start, to", [(PostStatus.SUBMITTED, "approve"), (PostStatus.APPROVED, "publish")])
def test_approve_and_publish_check_the_full_text_again(too_long_post, advocacy_admin, start, to):
    SuggestedPost.objects.filter(pk=too_long_post.pk).update(status=start)
    too_long_post.refresh_from_db()
    with pytest.raises(ValidationError, match="X allows 280"):
        getattr(services, f"post_{to}")(post=too_long_post, by=advocacy_admin)
    too_long_post.refresh_from_db()
    assert too_long_post.status == start


def test_scheduled_publishing_skips_a_post_whose_text_no_longer_fits(too_long_post):
    SuggestedPost.objects.filter(pk=too_long_post.pk).update(status=PostStatus.APPROVED)
    assert services.publish_due_posts(now=timezone.now() + dt.timedelta(days=1)) == 0
    too_long_post.refresh_from_db()
    assert too_long_post.status == PostStatus.APPROVED


def test_approving_a_post_of_an_unlaunched_campaign_says_so_and_offers_to_launch(client, advocacy_admin):
    campaign = CampaignFactory(launched_at=None, name="Spring launch")
    post = SuggestedPostFactory(campaign=campaign, status=PostStatus.SUBMITTED)
    client.force_login(advocacy_admin)
    response = client.post(f"/admin/campaigns/suggestedpost/{post.pk}/do/approve/", follow=True)
    post.refresh_from_db()
    assert post.status == PostStatus.APPROVED
    html = response.content.decode()
    assert "its campaign “Spring launch” is not launched" in html
    assert "no employee sees this post until the campaign is launched" in html  # state on the post page
    launch_url = f"/admin/campaigns/campaign/{campaign.pk}/do/launch/"
    assert f'action="{launch_url}"' in html

    response = client.post(launch_url, {"next": f"/admin/campaigns/suggestedpost/{post.pk}/change/"})
    assert response.status_code == 302 and response["Location"].endswith(f"/suggestedpost/{post.pk}/change/")
    campaign.refresh_from_db()
    assert campaign.launched_at is not None


def test_publishing_from_the_list_warns_about_an_unlaunched_campaign(client, advocacy_admin):
    post = SuggestedPostFactory(campaign=CampaignFactory(launched_at=None), status=PostStatus.APPROVED)
    client.force_login(advocacy_admin)
    response = client.post(
        "/admin/campaigns/suggestedpost/", {"action": "publish_now", "_selected_action": [post.pk]}, follow=True
    )
    assert "is not launched" in response.content.decode()


def test_the_campaign_state_is_on_the_post_page(client, content_manager):
    post = SuggestedPostFactory(status=PostStatus.DRAFT)
    client.force_login(content_manager)
    html = client.get(f"/admin/campaigns/suggestedpost/{post.pk}/change/").content.decode()
    assert "Campaign:" in html and "<strong>Active</strong>" in html


def test_a_failed_save_keeps_the_image_and_the_corrected_save_stores_it(client, content_manager):
    client.force_login(content_manager)
    data = post_admin_data(campaign=CampaignFactory(), variants=[("x", "a" * 300)])
    data["image"] = upload(image_bytes(size=(80, 40)), name="team-photo.png")
    response = client.post("/admin/campaigns/suggestedpost/add/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Kept: team-photo.png" in page
    assert not SuggestedPost.objects.exists()
    token = re.search(r'name="kept_image" value="([^"]+)"', page).group(1)

    data.pop("image")
    data.update({"variants-0-text": "Short enough now.", "kept_image": token})
    response = client.post("/admin/campaigns/suggestedpost/add/", data)
    assert response.status_code == 302
    post = SuggestedPost.objects.get()
    assert post.image.name.startswith("posts/") and post.image.name.endswith(".png")
    with post.image.open("rb") as fh:
        assert Image.open(fh).size == (80, 40)


def test_a_kept_image_survives_a_second_failed_try(client, content_manager):
    client.force_login(content_manager)
    data = post_admin_data(campaign=CampaignFactory(), variants=[("x", "a" * 300)])
    data["image"] = upload(image_bytes(), name="first.png")
    page = client.post("/admin/campaigns/suggestedpost/add/", data).content.decode()
    token = re.search(r'name="kept_image" value="([^"]+)"', page).group(1)
    data.pop("image")
    data["kept_image"] = token
    page = client.post("/admin/campaigns/suggestedpost/add/", {**data, "title": ""}).content.decode()
    assert "Kept: first.png" in page
    assert f'value="{token}"' in page
    assert client.post("/admin/campaigns/suggestedpost/add/", {**data, "variants-0-text": "Fine."}).status_code == 302
    assert SuggestedPost.objects.get().image


def test_a_forged_kept_image_token_is_ignored(client, content_manager):
    client.force_login(content_manager)
    data = post_admin_data(campaign=CampaignFactory(), variants=[("x", "Fine.")])
    data["kept_image"] = "kept-uploads/../../etc/passwd"
    assert client.post("/admin/campaigns/suggestedpost/add/", data).status_code == 302
    assert not SuggestedPost.objects.get().image


def test_date_and_time_inputs_are_labelled_and_in_the_organisation_time_zone(client, content_manager, settings):
    settings.ORGANISATION_TIME_ZONE = "Europe/Berlin"
    client.force_login(content_manager)
    html = client.get("/admin/campaigns/suggestedpost/add/").content.decode()
    for name in ("publish_at", "expires_at"):
        assert f'<label class="datetime-part" for="id_{name}_0">Date</label>' in html
        assert f'<label class="datetime-part" for="id_{name}_1">Time</label>' in html
    assert html.count('<span class="time-zone">Europe/Berlin</span>') == 2

    response = _add(client, CampaignFactory(), variants=[("generic", "Hello")])  # 20 Nov 2026, 09:00 in Berlin
    assert response.status_code == 302
    assert SuggestedPost.objects.get().publish_at == dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


def test_campaign_dates_are_labelled_and_zoned(client, content_manager):
    client.force_login(content_manager)
    html = client.get(f"/admin/campaigns/campaign/{CampaignFactory().pk}/change/").content.decode()
    assert 'for="id_starts_at_1">Time</label>' in html and 'for="id_ends_at_1">Time</label>' in html
    assert "Launched at (Europe/Berlin)" in html
