"""The demo shows the programme alive: a running challenge, a survey on an ended campaign, guidelines, a policy,
tips, story examples, a spotlight, colleagues' posts to engage with, nudges for the quiet and shares in people's
own words."""

from django.urls import reverse
from django.utils import timezone

from accounts.models import PolicyAcknowledgement, PolicyDocument, User
from accounts.selectors import policy_unacknowledged
from community.models import AmplifyRequest
from demo.people import demo_logins
from digest.services.rendering import digest_render
from digest.services.sending import digest_preview
from networks.models import Share
from networks.selectors import personalised_share_count
from networks.services.sharing import share_initial_text, share_text_is_personal
from programme.models import Challenge, GuidelinesPage, Spotlight, StoryTip, Survey, SurveyResponse
from programme.selectors import challenges_running, quiet_advocates, story_examples
from tests.factories import ConnectedAccountFactory


def test_the_demo_programme_is_alive(seed_output, db, client):
    assert GuidelinesPage.objects.exists() and StoryTip.objects.count() == 4
    policy = PolicyDocument.objects.get()
    assert policy.published_at is not None and PolicyAcknowledgement.objects.count() > 40
    running = challenges_running()
    assert {c.name for c in running} == {"Atlas 3.0 launch sprint", "Hiring hustle: team edition"}
    ended = Challenge.objects.get(name="Atlas launch: first days")
    assert ended.frozen_at is not None and ended.results.filter(is_winner=True).count() >= 1
    assert not ended.results.filter(rank__gt=3, is_winner=True).exists()
    survey = Survey.objects.get()
    assert survey.campaign.status == "ended" and survey.questions.count() == 4
    assert SurveyResponse.objects.filter(survey=survey).count() == 7
    assert Spotlight.objects.exists()
    assert story_examples()

    employee_email = next(email for who, email in demo_logins() if who.startswith("Employee"))
    employee = User.objects.get(email=employee_email)
    assert employee in policy_unacknowledged(document=policy)  # they meet the policy on their first share
    client.force_login(employee)
    today = client.get(reverse("today")).content.decode()
    assert "Atlas 3.0 launch sprint" in today
    assert f"/surveys/{survey.pk}/" in today
    assert "Spotlight of the week" in today
    assert "social media policy (version 1)" in today
    atlas = next(c for c in running if c.name == "Atlas 3.0 launch sprint")
    standing = client.get(reverse("programme:challenge", args=[atlas.pk])).content.decode()
    assert "Live standing" in standing and "No scores yet" not in standing
    assert "Final results" in client.get(reverse("programme:challenge", args=[ended.pk])).content.decode()
    assert "See the post on" in client.get(reverse("programme:stories")).content.decode()
    manager = next(email for who, email in demo_logins() if who.startswith("Content manager"))
    client.force_login(User.objects.get(email=manager))
    campaign_page = client.get(reverse("programme_campaign", args=[survey.campaign_id])).content.decode()
    assert "Feedback survey" in campaign_page and "response rate" in campaign_page


def test_the_demo_features_two_colleagues_posts_to_engage_with_and_keeps_one_waiting(seed_output, db, client):
    featured = AmplifyRequest.objects.filter(status=AmplifyRequest.Status.FEATURED)
    assert sorted(featured.values_list("network", flat=True)) == ["bluesky", "linkedin"]
    waiting = AmplifyRequest.objects.get(status=AmplifyRequest.Status.PENDING)
    assert waiting.network == "mastodon"
    reader = User.objects.filter(is_staff=False, is_active=True).exclude(amplify_requests__isnull=False).first()
    ConnectedAccountFactory(user=reader, network="bluesky", instance="bsky.social")
    client.force_login(reader)
    page = client.get(reverse("community:engage")).content.decode()
    for request in featured:
        assert request.note in page and request.url in page
    assert waiting.note not in page
    assert "Like on Bluesky" in page and "Repost on Bluesky" in page  # through the reader's own account
    assert "Like on LinkedIn" not in page  # LinkedIn is a link to open
    manager = next(email for who, email in demo_logins() if who.startswith("Content manager"))
    client.force_login(User.objects.get(email=manager))
    queue = client.get(reverse("admin:community_amplifyrequest_changelist") + "?status=pending").content.decode()
    assert waiting.url in queue or waiting.note in queue


def test_quiet_demo_people_get_the_friendly_line_in_their_next_digest(seed_output, db):
    now = timezone.now()
    people = list(User.objects.filter(is_active=True).values_list("pk", flat=True))
    quiet = quiet_advocates(user_ids=people, now=now)
    assert quiet and len(quiet) < len(people)  # the seed's sharers are not nudged, the others are
    someone = User.objects.get(pk=min(quiet))
    _, text, html = digest_render(digest_preview(user=someone, now=now))
    assert "It has been a while" in text and "It has been a while" in html
    sharer = User.objects.get(pk=min(set(people) - quiet))
    _, text, _ = digest_render(digest_preview(user=sharer, now=now))
    assert "It has been a while" not in text


def test_some_demo_shares_are_in_the_sharers_own_words_and_the_campaign_page_counts_them(seed_output, db, client):
    own = Share.objects.filter(personalised=True, route=Share.Route.DIRECT)
    assert own.exists()
    share = own.select_related("post").first()
    suggested = share_initial_text(post=share.post, network=share.network)
    assert share.text != f"{suggested}\n{share.short_link.short_url}" and suggested in share.text
    assert not share_text_is_personal(post=share.post, network=share.network, text=suggested)
    count = personalised_share_count(post_ids=list(share.post.campaign.posts.values_list("pk", flat=True)))
    assert 0 < count.personalised < count.direct
    manager = next(email for who, email in demo_logins() if who.startswith("Content manager"))
    client.force_login(User.objects.get(email=manager))
    page = client.get(reverse("programme_campaign", args=[share.post.campaign_id])).content.decode()
    assert f"of {count.direct} posted through the app ({count.percent} %)" in page and count.percent > 0
