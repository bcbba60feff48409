"""CSV import of posts into a campaign as drafts (dry run first, per-row errors, nothing stored on any error) and
the export that reads back in."""

import csv
import io
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from campaigns.models import PostStatus, PostVariant, SuggestedPost
from tests.factories import CampaignFactory, SuggestedPostFactory

HEADER = "campaign,title,target_url,publish_at,expires_at,disclaimer,network,copy\n"
IMPORT_URL = "/admin/campaigns/suggestedpost/import/"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-11-10 08:00 +0000", tick=False):
        yield


@pytest.fixture
def campaign(db):
    return CampaignFactory(utm_campaign="winter-launch", name="Winter launch")


def _upload(client, text: str, name="posts.csv"):
    return client.post(
        IMPORT_URL,
        {"format": "0", "import_file": SimpleUploadedFile(name, text.encode(), content_type="text/csv")},
    )


def _confirm(client, dry_run_page: str):
    """Send the confirm form the dry-run page shows (its hidden fields), as the "Confirm import" button does."""
    form = dry_run_page[dry_run_page.index('action="/admin/campaigns/suggestedpost/process_import/"') :]
    form = form[: form.index("</form>")]
    fields = dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', form))
    fields.pop("csrfmiddlewaretoken", None)
    return client.post("/admin/campaigns/suggestedpost/process_import/", fields)


def test_a_good_file_is_checked_then_stored_as_drafts(client, content_manager, campaign):
    client.force_login(content_manager)
    text = HEADER + (
        "winter-launch,Snow tyres,https://example.com/tyres,2026-12-01 09:30,2026-12-20 18:00,#employee,generic,"
        "Our snow tyres are here.\n"
        "winter-launch,Snow tyres,,,,,x,Snow tyres are here!\n"
        "winter-launch,Ski racks,https://example.com/racks,2026-12-02 10:00,,,linkedin,Ski racks for every car.\n"
    )
    dry_run = _upload(client, text)
    page = dry_run.content.decode()
    assert dry_run.status_code == 200
    assert "Confirm import" in page
    assert not SuggestedPost.objects.exists()  # the dry run stored nothing

    response = _confirm(client, page)
    assert response.status_code == 302
    tyres = SuggestedPost.objects.get(title="Snow tyres")
    assert tyres.status == PostStatus.DRAFT
    assert tyres.campaign == campaign
    assert tyres.created_by == content_manager
    assert tyres.disclaimer == "#employee"
    assert tyres.publish_at.isoformat() == "2026-12-01T08:30:00+00:00"  # 09:30 in Berlin
    assert dict(tyres.variants.values_list("network", "text")) == {
        "generic": "Our snow tyres are here.",
        "x": "Snow tyres are here!",
    }
    assert SuggestedPost.objects.get(title="Ski racks").expires_at is None


def test_bad_rows_store_nothing_and_each_says_what_is_wrong(client, content_manager, campaign, settings):
    settings.OUTBOUND_HTTP_ALLOW_LOOPBACK = False
    client.force_login(content_manager)
    text = HEADER + (
        "winter-launch,Good one,https://example.com/a,2026-12-01 09:30,,,generic,Fine copy.\n"
        "winter-launch,Bad network,https://example.com/b,2026-12-01 09:30,,,myspace,Hello.\n"
        "winter-launch,Too long,https://example.com/c,2026-12-01 09:30,,#employee,x," + "y" * 270 + "\n"
        "winter-launch,Bad date,https://example.com/d,next tuesday,,,generic,Hello.\n"
        ",No campaign,https://example.com/e,2026-12-01 09:30,,,generic,Hello.\n"
        "summer-sale,Unknown campaign,https://example.com/f,2026-12-01 09:30,,,generic,Hello.\n"
        "winter-launch,Private address,http://127.0.0.1/admin,2026-12-01 09:30,,,generic,Hello.\n"
    )
    response = _upload(client, text)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Confirm import" not in page
    assert "Unknown network “myspace”: use one of" in page
    assert "X allows 280" in page and "too many" in page
    assert "“next tuesday” is not a date and time: write it as 2026-12-01 09:30 (Europe/Berlin)." in page
    assert "Name the campaign (its UTM campaign, as on the campaign page)." in page
    assert "There is no campaign with UTM campaign “summer-sale”." in page
    assert "private or local network" in page
    rows_with_errors = re.findall(r"<td>(\d+) </td>\s*<td class=\"errors\">", page)
    assert rows_with_errors == ["2", "3", "4", "5", "6", "7"]  # the good first row is not among them
    assert not SuggestedPost.objects.exists()
    assert not PostVariant.objects.exists()


def test_a_row_that_contradicts_its_post_and_a_second_copy_for_a_network_are_refused(client, content_manager, campaign):
    client.force_login(content_manager)
    text = HEADER + (
        "winter-launch,Snow tyres,https://example.com/tyres,2026-12-01 09:30,,,generic,One.\n"
        "winter-launch,Snow tyres,https://example.com/other,,,,x,Two.\n"
        "winter-launch,Snow tyres,,,,,generic,Three.\n"
    )
    page = _upload(client, text).content.decode()
    assert "Differs from row 1, where this post starts" in page
    assert (
        "Row 1 already has this post&#x27;s generic copy." in page
        or "Row 1 already has this post's generic copy." in page
    )
    assert not SuggestedPost.objects.exists()


def test_a_file_without_the_needed_columns_says_which(client, content_manager, campaign):
    client.force_login(content_manager)
    page = _upload(client, "campaign,title,colour\nwinter-launch,A,blue\n").content.decode()
    assert "The file has no column target_url, publish_at, network, copy." in page
    assert "Unknown column colour." in page
    assert "Confirm import" not in page
    assert not SuggestedPost.objects.exists()


def test_not_a_csv_file_is_refused_without_an_error_page(client, content_manager, campaign):
    client.force_login(content_manager)
    response = _upload(client, "\x00\x01\x02 not,really\x00", name="photo.png")
    assert response.status_code == 200
    assert not SuggestedPost.objects.exists()


def test_export_reads_back_in_as_the_same_posts(client, content_manager, campaign):
    post = SuggestedPostFactory(
        campaign=campaign, title="Round trip", disclaimer="#ad", variants={"generic": "Hello, world.", "x": "Hi!"}
    )
    SuggestedPostFactory(title="Other campaign")
    client.force_login(content_manager)
    response = client.post(
        f"/admin/campaigns/suggestedpost/export/?campaign__id__exact={campaign.pk}",
        {"format": "0", "resource": "0", **{f"postcsvresource_{f}": "on" for f in HEADER.strip().split(",")}},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    exported = response.content.decode()
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [(r["title"], r["network"], r["copy"]) for r in rows] == [
        ("Round trip", "generic", "Hello, world."),
        ("Round trip", "x", "Hi!"),
    ]
    assert rows[0]["campaign"] == "winter-launch"

    post.delete()
    page = _upload(client, exported).content.decode()
    _confirm(client, page)
    copy = SuggestedPost.objects.get(title="Round trip")
    assert copy.status == PostStatus.DRAFT
    assert copy.disclaimer == "#ad"
    assert dict(copy.variants.values_list("network", "text")) == {"generic": "Hello, world.", "x": "Hi!"}
    again = client.post(
        f"/admin/campaigns/suggestedpost/export/?campaign__id__exact={campaign.pk}",
        {"format": "0", "resource": "0", **{f"postcsvresource_{f}": "on" for f in HEADER.strip().split(",")}},
    ).content.decode()
    assert again == exported


def test_employees_cannot_import(client, employee, campaign):
    client.force_login(employee)
    response = _upload(client, HEADER)
    assert response.status_code == 302
    assert not SuggestedPost.objects.exists()
