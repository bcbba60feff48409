"""Challenges: a live standing read from the points ledger, frozen at the end with badges for the winners."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team
from campaigns.models import Topic
from digest.services.sending import digests_send_due
from leaderboard.models import Badge, BadgeAward
from networks.models import Share
from networks.services.sharing import share_direct_create
from programme import services
from programme.models import Challenge, ChallengeResult
from programme.selectors import challenge_standing
from programme.signals import challenge_finished
from tests.digest.conftest import make_person
from tests.factories import CampaignFactory, ConnectedAccountFactory, SuggestedPostFactory

from .conftest import challenge, clicked, person, shared
from .conftest import reverse as reverse_click

pytestmark = pytest.mark.django_db


def _rows(ch, viewer=None):
    return [(r.rank, r.label, r.score) for r in challenge_standing(challenge=ch, viewer=viewer).rows]


def test_standing_counts_shares_of_the_challenge_campaign_within_its_dates_only():
    post = SuggestedPostFactory()
    other = SuggestedPostFactory()  # another campaign
    ada, bob = person("ada@example.com"), person("bob@example.com")
    ch = challenge(post.campaign)
    shared(ada, post, network="x")
    shared(ada, post, network="linkedin")
    shared(bob, post, network="x")
    shared(bob, other, network="x")  # not in the challenge's campaign
    shared(bob, post, network="mastodon", at=ch.starts_at - dt.timedelta(hours=1))  # before it started
    assert _rows(ch) == [(1, "Ada Test", 2), (2, "Bob Test", 1)]


def test_a_topic_challenge_counts_posts_with_that_topic_in_any_campaign():
    topic = Topic.objects.create(name="Hiring")
    tagged, untagged = SuggestedPostFactory(), SuggestedPostFactory()
    tagged.topics.add(topic)
    ada = person("ada@example.com")
    ch = challenge(None, topic=topic)
    shared(ada, tagged)
    shared(ada, untagged)
    assert _rows(ch) == [(1, "Ada Test", 1)]


def test_unique_click_standing_is_click_entries_less_reversed_ones():
    post = SuggestedPostFactory()
    ada, bob = person("ada@example.com"), person("bob@example.com")
    ch = challenge(post.campaign, goal="unique_clicks")
    entries = clicked(shared(ada, post), n=3)
    clicked(shared(bob, post), n=2)
    reverse_click(entries[0])
    reverse_click(entries[1])
    assert _rows(ch) == [(1, "Bob Test", 2), (2, "Ada Test", 1)]


def test_team_play_sums_the_members_and_ties_share_a_rank():
    post = SuggestedPostFactory()
    sales, tech = Team.objects.create(name="Sales"), Team.objects.create(name="Tech")
    ch = challenge(post.campaign, play="team")
    shared(person("a@example.com", team=sales), post)
    shared(person("b@example.com", team=sales), post)
    shared(person("c@example.com", team=tech), post, network="x")
    shared(person("c2@example.com", team=tech), post, network="x")
    assert _rows(ch) == [(1, "Sales", 2), (1, "Tech", 2)]


def test_hidden_people_are_anonymous_to_others_and_excluded_people_take_no_part():
    post = SuggestedPostFactory()
    shy = person("shy@example.com", leaderboard_opt_out=True)
    comms = person("comms@example.com", leaderboard_excluded=True)
    ch = challenge(post.campaign)
    shared(shy, post)
    shared(comms, post)
    assert _rows(ch) == [(1, "An advocate", 1)]
    assert _rows(ch, viewer=shy) == [(1, "Shy Test", 1)]


def _shared_through_the_share_page(user, post, *, text: str | None):
    """A direct share made by the sharing service from `text` (None: the suggestion as it is), then published."""
    ConnectedAccountFactory(user=user, network="mastodon")
    share = share_direct_create(user=user, post=post, network="mastodon", text=text)
    Share.objects.filter(pk=share.pk).update(status=Share.Status.PUBLISHED, published_at=timezone.now())
    return share


def test_only_shares_in_ones_own_words_count_toward_a_personalised_shares_challenge():
    post = SuggestedPostFactory(employees_may_edit=True, variants={"generic": "Our new release is out."})
    ch = challenge(post.campaign, goal="personalised_shares")
    ada, bob, cy = person("ada@example.com"), person("bob@example.com"), person("cy@example.com")
    own = _shared_through_the_share_page(ada, post, text="I built the search in this one. Our new release is out.")
    as_suggested = _shared_through_the_share_page(bob, post, text=None)
    respaced = _shared_through_the_share_page(cy, post, text="  Our new release   is out.  ")
    assert own.personalised and not as_suggested.personalised and not respaced.personalised
    assert _rows(ch) == [(1, "Ada Test", 1)]


def test_the_challenge_page_shows_the_live_standing_and_the_viewer(client):
    post = SuggestedPostFactory()
    ada = person("ada@example.com")
    ch = challenge(post.campaign, prize="Lunch with the CEO")
    shared(ada, post)
    client.force_login(ada)
    page = client.get(reverse("programme:challenge", args=[ch.pk])).content.decode()
    assert "Live standing" in page and "Ada Test (you)" in page and "Lunch with the CEO" in page
    listing = client.get(reverse("programme:challenges")).content.decode()
    assert "Spring sprint" in listing


def test_a_campaign_challenge_is_only_for_the_campaign_audience(client):
    sales = Team.objects.create(name="Sales")
    campaign = CampaignFactory()
    campaign.audience_teams.add(sales)
    ch = challenge(campaign)
    outsider = person("out@example.com")
    client.force_login(outsider)
    assert client.get(reverse("programme:challenge", args=[ch.pk])).status_code == 404
    assert "Spring sprint" not in client.get(reverse("today")).content.decode()
    insider = person("in@example.com", team=sales)
    client.force_login(insider)
    assert client.get(reverse("programme:challenge", args=[ch.pk])).status_code == 200


def test_a_running_challenge_is_on_today_and_gone_once_it_ended(client):
    post = SuggestedPostFactory()
    ch = challenge(post.campaign)
    ada = person("ada@example.com")
    client.force_login(ada)
    assert "Spring sprint" in client.get(reverse("today")).content.decode()
    with time_machine.travel(ch.ends_at + dt.timedelta(minutes=1), tick=False):
        assert "Spring sprint" not in client.get(reverse("today")).content.decode()


def test_freezing_stores_the_results_awards_badges_once_and_announces_it(django_capture_on_commit_callbacks):
    post = SuggestedPostFactory()
    people = [person(f"p{i}@example.com") for i in range(4)]
    ch = challenge(post.campaign, winners=2)
    for i, p in enumerate(people):
        for network in ("x", "linkedin", "mastodon", "bluesky")[: 4 - i]:
            shared(p, post, network=network)
    heard = []

    def receiver(sender, challenge_id, **kwargs):
        heard.append(challenge_id)

    challenge_finished.connect(receiver)
    try:
        with time_machine.travel(ch.ends_at + dt.timedelta(minutes=5), tick=False):
            with django_capture_on_commit_callbacks(execute=True):
                assert services.challenges_freeze_due() == 1
            with django_capture_on_commit_callbacks(execute=True):
                assert services.challenges_freeze_due() == 0  # idempotent
    finally:
        challenge_finished.disconnect(receiver)
    assert heard == [ch.pk]
    results = list(ChallengeResult.objects.filter(challenge=ch).values_list("rank", "score", "is_winner"))
    assert results == [(1, 4, True), (2, 3, True), (3, 2, False), (4, 1, False)]
    winners = BadgeAward.objects.filter(badge=Badge.CHALLENGE_WINNER)
    assert sorted(winners.values_list("user_id", flat=True)) == sorted([people[0].pk, people[1].pk])
    assert winners.first().label == "Challenge winner: Spring sprint"


def test_frozen_results_do_not_move_when_late_points_arrive():
    post = SuggestedPostFactory()
    ada, bob = person("ada@example.com"), person("bob@example.com")
    ch = challenge(post.campaign)
    shared(ada, post)
    with time_machine.travel(ch.ends_at + dt.timedelta(minutes=5), tick=False):
        services.challenges_freeze_due()
        shared(bob, post, network="x")
        shared(bob, post, network="linkedin")
    ch.refresh_from_db()
    standing = challenge_standing(challenge=ch, viewer=ada)
    assert standing.frozen
    assert [(r.rank, r.label, r.score, r.is_winner) for r in standing.rows] == [(1, "Ada Test", 1, True)]


def test_team_winners_are_every_member_of_the_first_team():
    post = SuggestedPostFactory()
    sales, tech = Team.objects.create(name="Sales"), Team.objects.create(name="Tech")
    seller, quiet_seller = person("s@example.com", team=sales), person("q@example.com", team=sales)
    techie = person("t@example.com", team=tech)
    ch = challenge(post.campaign, play="team")
    shared(seller, post, network="x")
    shared(seller, post, network="linkedin")
    shared(techie, post)
    with time_machine.travel(ch.ends_at + dt.timedelta(minutes=5), tick=False):
        services.challenges_freeze_due()
    won = set(BadgeAward.objects.filter(badge=Badge.CHALLENGE_WINNER).values_list("user_id", flat=True))
    assert won == {seller.pk, quiet_seller.pk}


def test_a_second_challenge_win_is_a_second_badge():
    post = SuggestedPostFactory()
    ada = person("ada@example.com")
    first = challenge(post.campaign, name="First")
    second = challenge(post.campaign, name="Second")
    shared(ada, post)
    with time_machine.travel(first.ends_at + dt.timedelta(minutes=5), tick=False):
        services.challenges_freeze_due()
    assert BadgeAward.objects.filter(user=ada, badge=Badge.CHALLENGE_WINNER).count() == 2
    assert second.pk


def test_freezing_a_running_challenge_does_nothing():
    post = SuggestedPostFactory()
    ch = challenge(post.campaign)
    assert services.challenge_freeze(challenge_id=ch.pk) is False
    assert not ChallengeResult.objects.exists()


# --- The admin --------------------------------------------------------------------------------------


def _admin_form(campaign, **overrides):
    now = timezone.now()
    data = {
        "name": "Autumn sprint",
        "description": "",
        "starts_at_0": (now + dt.timedelta(days=3)).strftime("%Y-%m-%d"),
        "starts_at_1": "09:00:00",
        "ends_at_0": (now + dt.timedelta(days=1)).strftime("%Y-%m-%d"),
        "ends_at_1": "09:00:00",
        "campaign": campaign.pk,
        "topic": "",
        "goal": "shares",
        "play": "individual",
        "winners": "3",
        "prize": "",
        "results-TOTAL_FORMS": "0",
        "results-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_reversed_dates_are_a_clear_admin_error_and_nothing_is_stored(client, content_manager):
    campaign = CampaignFactory()
    client.force_login(content_manager)
    response = client.post(reverse("admin:programme_challenge_add"), _admin_form(campaign))
    assert response.status_code == 200
    assert "The end must be after the start" in response.content.decode()
    assert not Challenge.objects.exists()


def test_a_challenge_needs_a_campaign_or_a_topic_not_both(client, content_manager):
    campaign = CampaignFactory()
    topic = Topic.objects.create(name="Hiring")
    now = timezone.now()
    ok_dates = {"ends_at_0": (now + dt.timedelta(days=9)).strftime("%Y-%m-%d")}
    client.force_login(content_manager)
    both = client.post(reverse("admin:programme_challenge_add"), _admin_form(campaign, topic=topic.pk, **ok_dates))
    assert "Choose a campaign or a topic" in both.content.decode()
    neither = client.post(
        reverse("admin:programme_challenge_add"), {**_admin_form(campaign, **ok_dates), "campaign": ""}
    )
    assert "Choose a campaign or a topic" in neither.content.decode()
    assert not Challenge.objects.exists()
    good = client.post(reverse("admin:programme_challenge_add"), _admin_form(campaign, **ok_dates))
    assert good.status_code == 302
    assert Challenge.objects.get().name == "Autumn sprint"


def test_employees_never_reach_the_challenge_admin(client, employee):
    client.force_login(employee)
    response = client.get(reverse("admin:programme_challenge_add"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_an_admin_can_set_up_a_challenge_too(client, advocacy_admin):
    campaign = CampaignFactory()
    now = timezone.now()
    client.force_login(advocacy_admin)
    response = client.post(
        reverse("admin:programme_challenge_add"),
        _admin_form(campaign, ends_at_0=(now + dt.timedelta(days=9)).strftime("%Y-%m-%d"), play="team"),
    )
    assert response.status_code == 302
    assert Challenge.objects.get().play == "team"


def test_a_frozen_challenge_cannot_be_changed_in_the_admin(client, content_manager):
    post = SuggestedPostFactory()
    ch = challenge(post.campaign)
    with time_machine.travel(ch.ends_at + dt.timedelta(minutes=5), tick=False):
        services.challenges_freeze_due()
    client.force_login(content_manager)
    page = client.get(reverse("admin:programme_challenge_change", args=[ch.pk])).content.decode()
    assert 'name="name"' not in page  # read-only once frozen


def test_chat_reads_a_frozen_challenge_as_one_line_for_its_audience_teams():
    from programme.selectors import challenge_result_news

    sales = Team.objects.create(name="Sales")
    campaign = CampaignFactory()
    campaign.audience_teams.add(sales)
    post = SuggestedPostFactory(campaign=campaign)
    ada = person("ada@example.com", team=sales)
    ch = challenge(campaign, prize="Lunch")
    shared(ada, post)
    assert challenge_result_news(challenge_id=ch.pk) is None  # not frozen yet
    with time_machine.travel(ch.ends_at + dt.timedelta(minutes=5), tick=False):
        services.challenges_freeze_due()
    news = challenge_result_news(challenge_id=ch.pk)
    assert news.title == "Challenge results: Spring sprint"
    assert news.text == "Congratulations to Ada Test! Prize: Lunch."
    assert news.team_ids == [sales.pk] and news.source_key == f"challenge:{ch.pk}"


def test_a_running_challenge_and_where_i_stand_are_in_my_digest(settings):
    settings.DIGEST_SMTP_RETRY_DELAYS = (0, 0)
    digest_time = dt.datetime(2026, 6, 1, 8, 1, tzinfo=dt.UTC)
    with time_machine.travel(digest_time - dt.timedelta(hours=3), tick=False):
        sales = Team.objects.create(name="Sales")
        campaign = CampaignFactory(ends_at=digest_time + dt.timedelta(days=30))
        campaign.audience_teams.add(sales)
        post, fresh = (SuggestedPostFactory(campaign=campaign, is_featured=True) for _ in range(2))
        general = SuggestedPostFactory(is_featured=True)  # for everyone: the outsider gets a digest too
        ada = make_person("ada@example.com", team=sales)
        mate = make_person("mate@example.com", team=sales)
        outsider = make_person("out@example.com")
        challenge(campaign, name="Spring sprint", prize="Lunch with the CEO")
        challenge(campaign, name="Team relay", play="team")
        hiring = Topic.objects.create(name="Hiring")
        general.topics.add(hiring)
        challenge(None, topic=hiring, name="Hiring relay", play="team")
        shared(ada, post, network="x")
        shared(ada, post, network="linkedin")
        shared(mate, post, network="x")
    with time_machine.travel(digest_time, tick=False):
        digests_send_due(user_ids=[ada.pk, outsider.pk])
    message = next(m for m in mail.outbox if m.to == [ada.email])
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert "Spring sprint" in body and "Lunch with the CEO" in body
        assert "You so far: 2." in body  # Ada's own two shares
        assert "Team relay" in body and "Your team so far: 3." in body  # Ada's and her teammate's
    assert "See the standing" in html
    assert fresh.title in message.body
    outsiders = next(m for m in mail.outbox if m.to == [outsider.email])
    assert general.title in outsiders.body and "Spring sprint" not in outsiders.body
    assert "Hiring relay" in outsiders.body and "so far" not in outsiders.body  # in no team: no team score
