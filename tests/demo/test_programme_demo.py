"""The demo shows the programme alive: a running challenge, a survey on an ended campaign, guidelines, a policy,
tips, story examples and a spotlight."""

from django.urls import reverse

from accounts.models import PolicyAcknowledgement, PolicyDocument, User
from accounts.selectors import policy_unacknowledged
from demo.people import demo_logins
from programme.models import Challenge, GuidelinesPage, Spotlight, StoryTip, Survey, SurveyResponse
from programme.selectors import challenges_running, story_examples


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
