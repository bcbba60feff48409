"""Authentic voices: a nudge for a line of one's own, and a warning when colleagues post near-identical text."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from networks.models import Share
from networks.selectors import near_duplicate_count, near_duplicates_for_posts, personalised_share_count
from networks.services.sharing import PERSONAL_LINE_NUDGE
from networks.similarity import largest_near_identical_group, near_identical, similarity
from tests.factories import ConnectedAccountFactory, SuggestedPostFactory, UserFactory, make_share

TEXT = "Our new release is out. 🎉\n\n#employee"


@pytest.fixture
def account(employee, mastodon):
    mastodon.tokens["tok"] = {"scope": "read write:statuses write:media"}
    return ConnectedAccountFactory(user=employee, network="mastodon", instance=mastodon.instance, access_token="tok")


@pytest.fixture
def logged_in(client, employee):
    client.force_login(employee)
    return client


def share_url(post, network="mastodon"):
    return reverse("networks:share", args=[post.pk, network])


# --- The nudge ---------------------------------------------------------------------------------


def test_unchanged_text_asks_for_a_line_of_ones_own_and_stores_nothing(logged_in, account, post):
    response = logged_in.post(share_url(post), {"action": "now", "text": TEXT})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Add a line of your own" in page and "Post it as suggested, without a line of my own" in page
    assert not Share.objects.exists()
    # Spacing alone is not a personal line.
    logged_in.post(share_url(post), {"action": "now", "text": "  Our new release is out. 🎉\n#employee  "})
    assert not Share.objects.exists()


def test_the_person_can_skip_and_the_share_is_not_counted_as_personalised(
    logged_in, account, post, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(share_url(post), {"action": "now", "text": TEXT, "skip_personal_line": "on"})
    assert response.status_code == 302
    assert Share.objects.get().personalised is False


def test_a_line_of_ones_own_goes_through_and_is_recorded(logged_in, account, post, django_capture_on_commit_callbacks):
    own = "I built the search in this release, and it is fast. " + TEXT
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(share_url(post), {"action": "now", "text": own})
    assert response.status_code == 302
    share = Share.objects.get()
    assert share.personalised is True and share.text.startswith("I built the search")
    assert personalised_share_count(post_ids=[post.pk]).personalised == 1


def test_a_post_shared_as_written_is_never_nudged(logged_in, account, db, django_capture_on_commit_callbacks):
    locked = SuggestedPostFactory(employees_may_edit=False, variants={"generic": "Read our report."})
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(share_url(locked), {"action": "now"})
    assert response.status_code == 302
    assert PERSONAL_LINE_NUDGE not in response.content.decode()


def test_personalised_count_on_the_campaign_dashboard(client, content_manager, post):
    make_share(post=post, network="mastodon").__class__.objects.update(personalised=True)
    make_share(post=post, network="x")
    client.force_login(content_manager)
    response = client.get(reverse("programme_campaign", args=[post.campaign_id]))
    page = response.content.decode()
    assert "Personalised shares" in page and "of 2 posted through the app (50 %)" in page


# --- Near-identical texts ----------------------------------------------------------------------

SUGGESTED = (
    "We just opened our new office in Lisbon! 30 new roles in engineering and customer success. "
    "Come build with us. #Hiring #Lisbon"
)
NEAR_IDENTICAL = [
    # one word changed, a link that differs per person, an emoji: still copy-paste to a reader
    "We just opened our new office in Lisbon! 30 new jobs in engineering and customer success. "
    "Come build with us. #Hiring #Lisbon https://go.example.com/s/Ab3xY",
    "We just opened our new office in Lisbon!! 30 new roles in engineering and customer success. "
    "Come build with us 🚀 #Hiring #Lisbon https://go.example.com/s/Zz91q",
    "we just opened our NEW office in Lisbon! 30 new roles in engineering and customer success.  "
    "Come build with us. #Hiring #Lisbon",
]
PERSONALISED = [
    "Three years ago I was the only Northwind person in Portugal. Today we open an office in Lisbon with 30 roles "
    "in engineering and customer success. If you have ever wanted to work by the sea, talk to me. #Hiring",
    "My team is hiring in Lisbon! I lead customer success there and I'm looking for people who love solving "
    "tricky problems for customers. DM me. https://go.example.com/s/Qw12e",
    "Proud of this one: I helped choose the Lisbon office (the rooftop was my idea). We just opened our new "
    "office in Lisbon! 30 new roles. #Hiring #Lisbon",
]


@pytest.mark.parametrize("text", NEAR_IDENTICAL)
def test_a_changed_word_is_still_near_identical(text):
    assert near_identical(SUGGESTED, text, threshold=90), similarity(SUGGESTED, text)


@pytest.mark.parametrize("text", PERSONALISED)
def test_a_post_in_ones_own_words_is_not(text):
    assert not near_identical(SUGGESTED, text, threshold=90), similarity(SUGGESTED, text)


def test_groups_count_only_the_alike():
    assert largest_near_identical_group([SUGGESTED, *NEAR_IDENTICAL, *PERSONALISED], threshold=90) == 4
    assert largest_near_identical_group(PERSONALISED, threshold=90) == 1
    assert largest_near_identical_group([], threshold=90) == 0


def _direct_share(post, text, *, network="mastodon", status=Share.Status.PUBLISHED):
    share = make_share(user=UserFactory(), post=post, network=network, status=status)
    Share.objects.filter(pk=share.pk).update(text=text)
    return share


def test_more_than_n_alike_shares_in_a_day_warn_the_next_person(settings, logged_in, account, post):
    settings.NEAR_DUPLICATE_MAX_SHARES = 3
    for text in [SUGGESTED, *NEAR_IDENTICAL[:2]]:
        _direct_share(post, text)
    _direct_share(post, PERSONALISED[0])
    assert near_duplicate_count(post_id=post.pk, network="mastodon") == 0  # three alike: not more than N
    assert "colleagues posted almost the same words" not in logged_in.get(share_url(post)).content.decode()
    _direct_share(post, NEAR_IDENTICAL[2])
    assert near_duplicate_count(post_id=post.pk, network="mastodon") == 4
    page = logged_in.get(share_url(post)).content.decode()
    assert "4 colleagues posted almost the same words for this post on Mastodon" in page
    # Another network, or failed and cancelled shares, do not count.
    assert near_duplicates_for_posts(post_ids=[post.pk]) == {(post.pk, "mastodon"): 4}
    assert "colleagues posted almost" not in logged_in.get(share_url(post, "bluesky")).content.decode()


def test_shares_older_than_a_day_or_that_never_went_out_do_not_count(settings, db):
    settings.NEAR_DUPLICATE_MAX_SHARES = 1
    post = SuggestedPostFactory()
    with time_machine.travel(timezone.now() - dt.timedelta(hours=25)):
        _direct_share(post, SUGGESTED)
        _direct_share(post, SUGGESTED)
    _direct_share(post, SUGGESTED, status=Share.Status.FAILED)
    _direct_share(post, SUGGESTED)
    assert near_duplicate_count(post_id=post.pk, network="mastodon") == 0
    _direct_share(post, NEAR_IDENTICAL[0])
    assert near_duplicate_count(post_id=post.pk, network="mastodon") == 2


def test_the_content_manager_sees_it_on_the_campaign_page(settings, client, content_manager, post):
    settings.NEAR_DUPLICATE_MAX_SHARES = 2
    for text in [SUGGESTED, *NEAR_IDENTICAL]:
        _direct_share(post, text, network="linkedin")
    client.force_login(content_manager)
    page = client.get(reverse("programme_campaign", args=[post.campaign_id])).content.decode()
    assert f"4 people posted near-identical text for “{post.title}” on LinkedIn in the last 24 hours" in page


def test_employees_do_not_see_the_campaign_page(client, employee, post):
    client.force_login(employee)
    assert client.get(reverse("programme_campaign", args=[post.campaign_id])).status_code == 403
