"""`manage.py seed_demo`: a realistic organisation, idempotent, and a Today page full for everyone."""

import io
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, OutputWrapper
from django.db import ProgrammingError
from django.test import override_settings
from PIL import Image, ImageStat

from accounts.models import EmployeeProfile, Location, Team, User
from accounts.roles import ADVOCACY_ADMIN, CONTENT_MANAGER, EMPLOYEE
from accounts.services import user_role
from campaigns.models import (
    Campaign,
    CampaignStatus,
    PostImageRendition,
    PostStatus,
    PostTransition,
    PostVariant,
    SuggestedPost,
    Topic,
)
from campaigns.selectors import posts_for_today
from chat.models import ChatChannel, ChatItem, ChatMessage
from chat.services import channels_due
from community.models import Feed, Review, Suggestion
from demo.content import variant_candidates, variant_fitted
from demo.data import CAMPAIGNS, DEMO_PASSWORD, content
from demo.images import post_image
from demo.management.commands import seed_demo as command
from demo.management.commands.seed_demo import ProgressBar
from demo.seed import demo_counts, seed_demo
from leaderboard.models import Action, PointEntry
from tests.factories import CampaignFactory, SuggestedPostFactory

EMAIL_RE = re.compile(r"\S+@northwind\.example")


def _snapshot() -> dict:
    """Everything the seed writes, as comparable values."""
    return {
        "users": list(User.objects.order_by("pk").values_list("pk", "email", "password", "is_staff")),
        "profiles": list(EmployeeProfile.objects.order_by("pk").values()),
        "teams": list(Team.objects.order_by("pk").values()),
        "locations": list(Location.objects.order_by("pk").values()),
        "topics": list(Topic.objects.order_by("pk").values()),
        "campaigns": list(Campaign.objects.order_by("pk").values()),
        "posts": list(SuggestedPost.objects.order_by("pk").values()),
        "variants": list(PostVariant.objects.order_by("pk").values()),
        "transitions": list(PostTransition.objects.order_by("pk").values()),
        "renditions": list(PostImageRendition.objects.order_by("pk").values()),
    }


def test_seed_creates_the_promised_organisation(seed_output, db):
    assert User.objects.count() == demo_counts()["people"] == 60
    assert Team.objects.count() == 6
    assert set(Location.objects.values_list("name", "time_zone")) == {
        ("Berlin", "Europe/Berlin"),
        ("London", "Europe/London"),
        ("New York", "America/New_York"),
    }
    roles = [user_role(user=user) for user in User.objects.all()]
    assert roles.count(ADVOCACY_ADMIN) == 1
    assert roles.count(CONTENT_MANAGER) == 2
    assert roles.count(EMPLOYEE) == 57
    # Every team is staffed, and everyone's time zone is their office's.
    assert sorted(team.members.count() for team in Team.objects.all()) == [5, 5, 9, 11, 12, 18]
    for profile in EmployeeProfile.objects.select_related("location", "user"):
        assert profile.location is not None, profile.user
        assert profile.time_zone == profile.location.time_zone
        assert profile.job_title
        profile.full_clean()
    languages = list(EmployeeProfile.objects.values_list("language", flat=True))
    assert languages.count("en") > 30 and "de" in languages and "fr" in languages
    assert len(set(EmployeeProfile.objects.values_list("digest_hour", flat=True))) >= 5


def test_seed_creates_campaigns_in_every_state(seed_output, db):
    statuses = sorted(c.status for c in Campaign.objects.all())
    assert statuses == sorted(
        [
            CampaignStatus.DRAFT,
            CampaignStatus.SCHEDULED,
            CampaignStatus.ACTIVE,
            CampaignStatus.ACTIVE,
            CampaignStatus.ENDED,
            CampaignStatus.ARCHIVED,
        ]
    )
    active = list(Campaign.objects.active())
    assert sorted(c.audience_teams.count() for c in active) == [0, 2]
    for campaign in Campaign.objects.all():
        campaign.full_clean()
    archived = Campaign.objects.get(archived_at__isnull=False)
    assert set(archived.posts.values_list("status", flat=True)) == {PostStatus.ARCHIVED}


def test_seed_creates_forty_campaign_posts_with_valid_copy_images_and_history(seed_output, db):
    # The campaigns' own posts, written by content managers; the others came from a suggestion or the feed.
    campaign_posts = SuggestedPost.objects.filter(created_by__isnull=False, suggested_by__isnull=True)
    assert campaign_posts.count() == demo_counts()["campaign_posts"] == 40
    assert SuggestedPost.objects.count() == demo_counts()["posts"] == 44
    for post in SuggestedPost.objects.all():
        post.full_clean()
    for post in campaign_posts:
        networks = set(post.variants.values_list("network", flat=True))
        assert networks == {"linkedin", "x", "mastodon", "bluesky", "generic"}, post
    for variant in PostVariant.objects.select_related("post"):
        variant.full_clean()  # fits the network's limit with the disclaimer and the short link
    with_image = SuggestedPost.objects.exclude(image="")
    assert with_image.count() == demo_counts()["posts_with_images"] == 22
    for post in with_image:
        assert (post.image.width, post.image.height) == (1200, 630)
        assert post.renditions.count() == 6
        assert post.image_alt
    assert SuggestedPost.objects.filter(is_featured=True).count() >= 3
    assert SuggestedPost.objects.exclude(disclaimer="").count() >= 3
    assert campaign_posts.filter(topics__isnull=True).count() == 0
    # Every status the workflow knows is represented, and each step was recorded.
    assert set(SuggestedPost.objects.values_list("status", flat=True)) == set(PostStatus.values)
    for post in SuggestedPost.objects.exclude(status=PostStatus.DRAFT):
        path = list(post.transitions.values_list("to_status", flat=True))
        assert path and path[-1] == post.status, post
        assert post.transitions.filter(by__isnull=True).count() == 0
        # Four eyes: the author submits, a different content manager reviews.
        assert set(post.transitions.filter(to_status=PostStatus.SUBMITTED).values_list("by", flat=True)) == {
            post.created_by_id
        }
        reviews = post.transitions.filter(to_status__in=[PostStatus.APPROVED, PostStatus.REJECTED])
        assert post.created_by_id not in set(reviews.values_list("by", flat=True))
    rejected = SuggestedPost.objects.get(status=PostStatus.REJECTED)
    assert rejected.rejection_reason


def test_seed_reports_progress_line_by_line_and_prints_logins(seed_output, db):
    assert "Posts     [####################] 40/40" in seed_output  # the campaigns' posts
    assert ", 44 posts," in seed_output  # with the approved suggestion and the feed's entries
    assert "People    [####################] 60/60" in seed_output
    assert "\r" not in seed_output  # not a terminal: no in-place redraws
    assert DEMO_PASSWORD in seed_output
    assert "http://localhost:8000/" in seed_output
    assert len(EMAIL_RE.findall(seed_output)) == 4


def test_second_run_creates_and_changes_nothing(seed_output, db):
    before = _snapshot()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert _snapshot() == before
    assert "nothing changed" in out.getvalue()
    assert seed_demo().total_created == 0


def test_second_run_restores_only_what_was_deleted(seed_output, db):
    SuggestedPost.objects.get(title="Atlas 3.0 is here").delete()
    User.objects.get(email="michael.johnson@northwind.example").delete()
    result = seed_demo()
    assert result.created == {
        "teams": 0,
        "locations": 0,
        "people": 1,
        "topics": 0,
        "campaigns": 0,
        "posts": 1,
        "shares": 0,  # activity is seeded once
        "clicks": 0,
    }
    restored = SuggestedPost.objects.get(title="Atlas 3.0 is here")
    assert restored.status == PostStatus.PUBLISHED and restored.renditions.count() == 6
    assert SuggestedPost.objects.count() == demo_counts()["posts"] and User.objects.count() == 60


def test_every_employee_sees_posts_on_today(seed_output, db, client):
    hiring_post = "Senior backend engineers in Berlin"
    saw_hiring = set()
    for user in User.objects.select_related("profile__team"):
        titles = [post.title for post in posts_for_today(user=user)]
        assert len(titles) >= 5, user.email
        if hiring_post in titles:
            saw_hiring.add(user.profile.team.name)
    # The hiring campaign is aimed at Engineering and People only.
    assert saw_hiring == {"Engineering", "People"}


def test_today_page_lists_the_seeded_posts_for_someone_in_each_team_and_office(seed_output, db, client):
    # The real page for one person per team and one per office (each page render costs ~0.5 s
    # with the short-link and share includes, so not all sixty).
    people = {}
    for profile in EmployeeProfile.objects.select_related("user", "team", "location").order_by("user__email"):
        people.setdefault(profile.team.name, profile.user)
        people.setdefault(profile.location.name, profile.user)
    assert len(people) == 9
    for user in set(people.values()):
        client.force_login(user)
        response = client.get("/today/")
        assert response.status_code == 200
        html = response.content.decode()
        expected = list(posts_for_today(user=user))
        assert html.count('<article class="card post') == len(expected) >= 5, user.email
        assert all(post.title.replace("'", "&#x27;") in html for post in expected)


def test_printed_demo_logins_work(seed_output, db, client):
    emails = EMAIL_RE.findall(seed_output)
    for email in emails:
        response = client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert response["Location"] == "/today/"
        assert client.get("/today/").status_code == 200
        client.logout()
    admin, manager, employee = emails[0], emails[1], emails[2]
    client.post("/accounts/login/", {"login": admin, "password": DEMO_PASSWORD})
    assert client.get("/admin/").status_code == 200
    client.logout()
    client.post("/accounts/login/", {"login": manager, "password": DEMO_PASSWORD})
    assert client.get("/admin/campaigns/campaign/").status_code == 200
    client.logout()
    client.post("/accounts/login/", {"login": employee, "password": DEMO_PASSWORD})
    assert client.get("/admin/").status_code == 302  # employees never enter the admin


def test_demo_login_with_a_wrong_password_is_refused(seed_output, db, client):
    email = EMAIL_RE.findall(seed_output)[2]
    response = client.post("/accounts/login/", {"login": email, "password": "demo-advocacy-2025"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert client.get("/today/").status_code == 302


def test_seed_command_rejects_unknown_arguments(db):
    with pytest.raises(TypeError, match="Unknown option"):
        call_command("seed_demo", users=10)


@override_settings(SHORTLINK_BASE_URL="https://advocacy.a-rather-long-organisation-name.example/go")
def test_demo_copy_still_fits_when_short_links_are_long(db):
    campaign = CampaignFactory()
    for spec in CAMPAIGNS:
        for index, post_spec in enumerate(spec.posts):
            post = SuggestedPostFactory(campaign=campaign, disclaimer=post_spec.disclaimer, variants={})
            candidates = variant_candidates(post_spec=post_spec, hashtags=spec.hashtags, index=index)
            for network, texts in candidates.items():
                variant_fitted(post=post, network=network, candidates=texts).full_clean()


def test_copy_that_fits_no_network_rule_is_refused_with_the_network_named(db):
    post = SuggestedPostFactory(variants={})
    with pytest.raises(Exception, match="X allows 280") as error:
        variant_fitted(post=post, network="x", candidates=["word " * 80, "longer " * 60])
    assert "text" in error.value.message_dict
    assert variant_fitted(post=post, network="x", candidates=["word " * 80, "Short enough."]).text == "Short enough."


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_redraws_in_place_on_a_terminal():
    stream = _Terminal()
    bar = ProgressBar(OutputWrapper(stream))
    for done in range(1, 5):
        bar("Posts", done, 4)
    text = stream.getvalue()
    assert text.count("\r") == 4
    assert text.count("\n") == 1 and text.endswith("[####################] 4/4\n")


def test_progress_bar_writes_one_line_per_tenth_without_a_terminal():
    stream = io.StringIO()
    bar = ProgressBar(OutputWrapper(stream))
    for done in range(1, 101):
        bar("People", done, 100)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 11
    assert lines[0] == "People    [....................] 1/100"
    assert lines[-1] == "People    [####################] 100/100"


def test_seed_on_an_unmigrated_database_says_to_migrate(db, monkeypatch):
    def no_tables(**kwargs):
        raise ProgrammingError('relation "auth_group" does not exist')

    monkeypatch.setattr(command, "seed_demo", no_tables)
    with pytest.raises(CommandError, match=r"auth_group.*Run `manage.py migrate` first"):
        call_command("seed_demo", stdout=io.StringIO())


def test_seed_gives_the_leaderboard_and_my_points_something_to_show(seed_output, db, client):
    from analytics.models import Click, FilteredHit
    from leaderboard.models import PointEntry
    from leaderboard.selectors import leaderboard_top
    from networks.models import Share

    assert Share.objects.filter(route=Share.Route.INTENT).count() >= 50
    assert Click.objects.count() >= 200
    assert FilteredHit.objects.exists()  # the demo's crawler and preview traffic was not counted
    assert PointEntry.objects.filter(action="unique_click").count() == Click.objects.counting().count()
    top = leaderboard_top(period="all", backend="sql")
    assert len(top) >= 10 and top[0].points > top[-1].points


def test_readme_states_the_demo_counts_the_seed_makes(seed_output, db):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    counts = demo_counts()
    promised = re.search(
        r"(\d+) people, (\d+) teams, (\d+) locations, (\d+) campaigns in every state, "
        r"(\d+) posts, (\d+) of them with an image",
        readme,
    )
    assert promised, "README no longer states the demo's size"
    seeded = (
        counts["people"],
        counts["teams"],
        counts["locations"],
        counts["campaigns"],
        SuggestedPost.objects.count(),
        SuggestedPost.objects.exclude(image="").count(),
    )
    assert tuple(int(n) for n in promised.groups()) == seeded


def test_demo_images_have_no_band_at_the_bottom():
    """The gradient runs to the last row: the bottom 14 rows look like the 14 above them."""
    for campaign in content().campaigns:
        for spec in campaign.posts[:3]:
            data = post_image(title=spec.title, campaign=campaign.name, company="Northwind", palette=campaign.palette)
            image = Image.open(io.BytesIO(data)).convert("L")
            width, height = image.size
            bottom = ImageStat.Stat(image.crop((0, height - 14, width, height))).mean[0]
            above = ImageStat.Stat(image.crop((0, height - 28, width, height - 14))).mean[0]
            assert abs(bottom - above) < 8, spec.title


def test_seed_adds_one_inactive_demo_feed_whose_sample_entries_became_drafts_in_the_hiring_campaign(seed_output, db):
    feed = Feed.objects.get()
    assert feed.campaign.utm_campaign == "engineering-hiring-2026"
    assert not feed.is_active  # its address does not exist: "Check now" shows the polite failure message
    assert (feed.last_error, feed.last_new_count) == ("", 3) and feed.last_checked_at is not None
    entries = list(feed.entries.select_related("post"))
    assert len(entries) == 3
    for entry in entries:
        post = entry.post
        assert (post.campaign, post.status, post.target_url) == (feed.campaign, PostStatus.DRAFT, entry.url)
        networks = set(post.variants.values_list("network", flat=True))
        assert networks == {"linkedin", "x", "mastodon", "bluesky", "generic"}, post
    titles = {entry.title for entry in entries}
    assert "Staff platform engineer, Berlin" in titles


def test_seed_approves_one_suggestion_into_a_post_on_today_credited_to_its_author(seed_output, db, client):
    assert sorted(Suggestion.objects.values_list("status", flat=True)) == [
        Review.APPROVED,
        Review.DECLINED,
        Review.PENDING,
        Review.PENDING,
        Review.PENDING,
    ]
    suggestion = Suggestion.objects.select_related("post", "author").get(status=Review.APPROVED)
    post = suggestion.post
    assert (post.status, post.suggested_by, post.campaign.utm_campaign) == (
        PostStatus.APPROVED,
        suggestion.author,
        "atlas-3-launch",
    )
    assert PointEntry.objects.filter(
        user=suggestion.author, action=Action.SUGGESTION_APPROVED, source_id=suggestion.pk, post=post
    ).exists()
    reader = User.objects.exclude(pk=suggestion.author_id).filter(is_staff=False).first()
    assert post in posts_for_today(user=reader)
    client.force_login(reader)
    assert f"Suggested by {suggestion.author.get_full_name()}" in client.get("/today/").content.decode()


def test_seed_adds_one_chat_channel_that_never_reaches_out(seed_output, db):
    channel = ChatChannel.objects.get()
    assert not channel.is_active  # active, `make run`'s worker would send to its webhook
    assert urlsplit(channel.webhook_url).hostname.endswith(".example")  # a reserved name: never anyone's server
    assert channel.featured_posts and channel.programme_news and channel.team is None
    assert not ChatItem.objects.exists() and not ChatMessage.objects.exists()
    assert channels_due() == []
