"""Suggestions through the API: employees suggest posts and follow their fate; content managers work the queue,
approve into a campaign (the suggester credited and paid by the point rule) or decline with a reason. Bad input is
a 400 with the error body, and nothing is stored."""

import pytest

from accounts.roles import CONTENT_MANAGER
from campaigns.models import PostStatus, SuggestedPost
from community import services
from community.models import Review, Suggestion
from leaderboard.models import Action, PointEntry, PointRule
from tests.campaigns.helpers import image_bytes, upload
from tests.factories import CampaignFactory, UserFactory

from .conftest import bearer

pytestmark = pytest.mark.django_db

LINK = "https://example.com/blog/we-opened-lisbon"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_employee_suggests_a_link_with_a_token_and_lists_it_waiting(api, employee):
    headers = bearer(employee)
    created = api.post("/api/v1/suggestions/", {"url": LINK, "text": "Our new office!"}, format="json", **headers)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["url"], body["text"], body["status"], body["post"]) == (LINK, "Our new office!", "pending", None)
    suggestion = Suggestion.objects.get()
    assert (suggestion.author, suggestion.status) == (employee, Review.PENDING)
    listed = api.get("/api/v1/suggestions/", **headers).json()
    assert [s["id"] for s in listed["results"]] == [suggestion.pk]


def test_employee_suggests_own_words_with_an_image(api, employee, media):
    api.force_login(employee)
    response = api.post(
        "/api/v1/suggestions/",
        {"text": "We ran the Lisbon half marathon.", "image": upload(image_bytes()), "image_alt": "Runners"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["image"].startswith("http://testserver/media/suggestions/") and body["image"].endswith(".png")
    assert body["image_alt"] == "Runners"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, None, "Give a link, or write the post in your own words"),
        ({"url": "  ", "text": ""}, None, "Give a link, or write the post in your own words"),
        ({"url": "javascript:alert(1)"}, "url", "starting with http:// or https://"),
        ({"url": "https://"}, "url", "Enter a valid URL"),
        ({"text": "x" * 3001}, "text", "no more than 3000 characters"),
        ({"url": LINK, "status": "approved"}, "status", "Unknown field."),
        ({"url": LINK, "image": "not a file"}, "image", "not a file"),
    ],
)
def test_bad_suggestion_is_a_clear_400_and_nothing_is_stored(api, employee, data, field, message):
    api.force_login(employee)
    response = api.post("/api/v1/suggestions/", data, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    found = " ".join(body["fields"][field]) if field else body["message"]
    assert message in found
    assert not Suggestion.objects.exists()


def test_a_duplicate_link_while_waiting_is_refused(api, employee):
    api.force_login(employee)
    assert api.post("/api/v1/suggestions/", {"url": LINK}, format="json").status_code == 201
    again = api.post("/api/v1/suggestions/", {"url": LINK, "text": "Again"}, format="json")
    assert again.status_code == 400
    assert again.json()["fields"]["url"] == ["You already suggested this link; it is waiting for review."]
    assert Suggestion.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"text": "Look", "image": upload(b"<?php echo 1; ?>", name="cat.png"), "image_alt": "A cat"}, "image"),
        ({"text": "Look", "image": upload(image_bytes())}, "image_alt"),
    ],
    ids=["not an image", "no description"],
)
def test_a_bad_upload_is_refused(api, employee, media, data, field):
    api.force_login(employee)
    response = api.post("/api/v1/suggestions/", data, format="multipart")
    assert response.status_code == 400 and response.json()["fields"][field]
    assert not Suggestion.objects.exists()
    assert not any(media.rglob("*.png"))


def test_an_oversized_image_is_refused(api, employee, media, settings):
    settings.POST_IMAGE_MAX_BYTES = 1_000_000
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * 1_500_000
    api.force_login(employee)
    response = api.post(
        "/api/v1/suggestions/",
        {"text": "Look", "image": upload(big, name="huge.png"), "image_alt": "Huge"},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["fields"]["image"] == ["The image is 1.5 MB; the limit is 1 MB."]
    assert not Suggestion.objects.exists()


def test_my_suggestions_are_only_my_own_with_the_decline_reason_and_the_post(api, employee, content_manager):
    colleague = UserFactory()
    services.suggestion_create(author=colleague, url="https://example.com/theirs")
    declined = services.suggestion_create(author=employee, url="https://example.com/old-news")
    services.suggestion_decline(suggestion=declined, by=content_manager, reason="This news is a year old.")
    approved = services.suggestion_create(author=employee, url=LINK, text="Lisbon is open")
    campaign = CampaignFactory(name="Lisbon")
    post = services.suggestion_approve(suggestion=approved, campaign=campaign, by=content_manager)
    api.force_login(employee)
    results = {s["id"]: s for s in api.get("/api/v1/suggestions/").json()["results"]}
    assert set(results) == {declined.pk, approved.pk}
    assert (results[declined.pk]["status"], results[declined.pk]["decline_reason"]) == (
        "declined",
        "This news is a year old.",
    )
    assert results[approved.pk]["post"] == {
        "id": post.pk,
        "title": post.title,
        "campaign": "Lisbon",
        "status": PostStatus.DRAFT,
    }
    only_declined = api.get("/api/v1/suggestions/?status=declined").json()["results"]
    assert [s["id"] for s in only_declined] == [declined.pk]


def test_content_manager_works_the_queue_approves_and_the_suggester_gets_points(api, employee, content_manager):
    first = services.suggestion_create(author=employee, url=LINK, text="Lisbon is open")
    second = services.suggestion_create(author=employee, text="A story of our own")
    campaign = CampaignFactory()
    api.force_login(content_manager)
    queue = api.get("/api/v1/suggestions/queue/").json()["results"]
    assert [s["id"] for s in queue] == [first.pk, second.pk]  # oldest first
    assert queue[0]["author"] == employee.pk and queue[0]["author_name"]

    approved = api.post(
        f"/api/v1/suggestions/{first.pk}/approve/", {"campaign": campaign.pk, "title": "Lisbon"}, format="json"
    )
    assert approved.status_code == 200, approved.content
    body = approved.json()
    post = SuggestedPost.objects.get(pk=body["post"]["id"])
    assert (body["status"], post.title, post.campaign, post.suggested_by) == ("approved", "Lisbon", campaign, employee)
    entry = PointEntry.objects.get(user=employee)
    assert (entry.action, entry.points, entry.post) == (Action.SUGGESTION_APPROVED, 15, post)
    assert [s["id"] for s in api.get("/api/v1/suggestions/queue/").json()["results"]] == [second.pk]

    twice = api.post(f"/api/v1/suggestions/{first.pk}/approve/", {"campaign": campaign.pk}, format="json")
    assert twice.status_code == 400 and "already approved" in twice.json()["message"]
    assert PointEntry.objects.filter(user=employee).count() == 1 and SuggestedPost.objects.count() == 1


def test_points_on_approval_follow_the_admins_rule(api, employee, advocacy_admin):
    PointRule.objects.create(action=Action.SUGGESTION_APPROVED, points=40)
    suggestion = services.suggestion_create(author=employee, url=LINK)
    api.force_login(advocacy_admin)
    response = api.post(f"/api/v1/suggestions/{suggestion.pk}/approve/", {"campaign": CampaignFactory().pk})
    assert response.status_code == 200
    assert PointEntry.objects.get(user=employee).points == 40


def test_own_words_need_a_target_address_to_be_approved(api, employee, content_manager):
    suggestion = services.suggestion_create(author=employee, text="A story of our own")
    campaign = CampaignFactory()
    api.force_login(content_manager)
    refused = api.post(f"/api/v1/suggestions/{suggestion.pk}/approve/", {"campaign": campaign.pk}, format="json")
    assert refused.status_code == 400 and "needs the address" in refused.json()["fields"]["target_url"][0]
    assert not SuggestedPost.objects.exists() and not PointEntry.objects.exists()
    approved = api.post(
        f"/api/v1/suggestions/{suggestion.pk}/approve/",
        {"campaign": campaign.pk, "target_url": "https://example.com/story"},
        format="json",
    )
    assert approved.status_code == 200 and SuggestedPost.objects.get().target_url == "https://example.com/story"


@pytest.mark.parametrize(
    ("data", "field"),
    [({}, "campaign"), ({"campaign": 999_999}, "campaign"), ({"campaign": "x"}, "campaign")],
)
def test_approve_without_a_real_campaign_changes_nothing(api, employee, content_manager, data, field):
    suggestion = services.suggestion_create(author=employee, url=LINK)
    api.force_login(content_manager)
    response = api.post(f"/api/v1/suggestions/{suggestion.pk}/approve/", data, format="json")
    assert response.status_code == 400 and response.json()["fields"][field]
    suggestion.refresh_from_db()
    assert suggestion.status == Review.PENDING and not SuggestedPost.objects.exists()


def test_decline_needs_a_reason_the_suggester_then_sees(api, employee, content_manager):
    suggestion = services.suggestion_create(author=employee, url=LINK)
    api.force_login(content_manager)
    short = api.post(f"/api/v1/suggestions/{suggestion.pk}/decline/", {"reason": "no"}, format="json")
    assert short.status_code == 400 and short.json()["fields"]["reason"]
    suggestion.refresh_from_db()
    assert suggestion.status == Review.PENDING
    declined = api.post(
        f"/api/v1/suggestions/{suggestion.pk}/decline/", {"reason": "We covered this last week."}, format="json"
    )
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    api.force_login(employee)
    mine = api.get("/api/v1/suggestions/").json()["results"][0]
    assert mine["decline_reason"] == "We covered this last week."


def test_content_manager_edits_a_waiting_suggestion(api, employee, content_manager):
    suggestion = services.suggestion_create(author=employee, url=LINK, text="Typo'd wrods")
    api.force_login(content_manager)
    edited = api.patch(f"/api/v1/suggestions/{suggestion.pk}/", {"text": "Fixed words"}, format="json")
    assert edited.status_code == 200 and (edited.json()["text"], edited.json()["url"]) == ("Fixed words", LINK)
    emptied = api.patch(f"/api/v1/suggestions/{suggestion.pk}/", {"url": "", "text": ""}, format="json")
    assert emptied.status_code == 400 and "Give a link" in emptied.json()["message"]
    suggestion.refresh_from_db()
    assert (suggestion.url, suggestion.text) == (LINK, "Fixed words")


def test_employees_cannot_moderate_and_unknown_suggestions_are_404(api, employee):
    suggestion = services.suggestion_create(author=employee, url=LINK)
    api.force_login(employee)
    assert api.get("/api/v1/suggestions/queue/").status_code == 403
    for action, data in (("approve", {"campaign": CampaignFactory().pk}), ("decline", {"reason": "Not for me."})):
        response = api.post(f"/api/v1/suggestions/{suggestion.pk}/{action}/", data, format="json")
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert api.patch(f"/api/v1/suggestions/{suggestion.pk}/", {"text": "Mine"}, format="json").status_code == 403
    suggestion.refresh_from_db()
    assert suggestion.status == Review.PENDING and suggestion.text == ""
    api.force_login(UserFactory(role=CONTENT_MANAGER))
    missing = api.post("/api/v1/suggestions/999999/decline/", {"reason": "Not for us."}, format="json")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_without_credentials_nothing_is_listed_or_stored(api):
    assert api.get("/api/v1/suggestions/").status_code == 401
    response = api.post("/api/v1/suggestions/", {"url": LINK}, format="json")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert not Suggestion.objects.exists()
