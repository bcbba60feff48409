"""The weekly summary email: Monday 08:00 in each recipient's own time zone, once per person and week."""

import datetime as dt
import zoneinfo

import pytest
from django.core import mail

from accounts.roles import ADVOCACY_ADMIN, CONTENT_MANAGER
from analytics.rollups import rollup_shares_sync
from dashboard.models import WeeklySummarySend
from dashboard.weekly import weekly_summary_send_due
from tests.dashboard.test_dashboards import clicks
from tests.factories import CampaignFactory, SuggestedPostFactory, TeamFactory, UserFactory, make_share

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
MONDAY_8_BERLIN = dt.datetime(2026, 3, 9, 8, 0, tzinfo=BERLIN)  # the week summarised: Mon 2 – Sun 8 March


@pytest.fixture
def staff(db):
    manager = UserFactory(email="manager@example.com", first_name="Mia", role=CONTENT_MANAGER)
    manager.profile.time_zone = "Europe/Berlin"
    manager.profile.save()
    admin = UserFactory(email="admin@example.com", first_name="Ken", role=ADVOCACY_ADMIN)
    admin.profile.time_zone = "Asia/Tokyo"
    admin.profile.save()
    UserFactory(email="employee@example.com")  # never gets it
    team = TeamFactory(name="Sales")
    sharer = UserFactory()
    sharer.profile.team = team
    sharer.profile.save()
    campaign = CampaignFactory(
        name="Behind plan",
        goal_target=1000,
        starts_at=dt.datetime(2026, 3, 1, tzinfo=BERLIN),
        ends_at=dt.datetime(2026, 3, 31, tzinfo=BERLIN),
    )
    post = SuggestedPostFactory(campaign=campaign, title="The best post")
    share = make_share(user=sharer, post=post, published_at=dt.datetime(2026, 3, 4, 10, tzinfo=BERLIN))
    clicks(share.short_link_id, 4, at=dt.datetime(2026, 3, 4, 12, tzinfo=BERLIN))
    rollup_shares_sync()
    return {"manager": manager, "admin": admin}


def test_each_recipient_gets_it_at_monday_8_in_their_own_time_zone_once(staff):
    weekly_summary_send_due(now=MONDAY_8_BERLIN - dt.timedelta(minutes=15))  # Tokyo: Monday 15:45
    assert [m.to for m in mail.outbox] == [["admin@example.com"]]
    weekly_summary_send_due(now=MONDAY_8_BERLIN)
    weekly_summary_send_due(now=MONDAY_8_BERLIN + dt.timedelta(minutes=15))
    weekly_summary_send_due(now=MONDAY_8_BERLIN + dt.timedelta(hours=1))
    assert [m.to for m in mail.outbox] == [["admin@example.com"], ["manager@example.com"]]  # once each
    assert WeeklySummarySend.objects.filter(status=WeeklySummarySend.Status.SENT).count() == 2


def test_tokyo_gets_it_at_its_own_8_oclock_not_berlins(staff):
    tokyo_8 = dt.datetime(2026, 3, 9, 8, 0, tzinfo=TOKYO)  # Monday 00:00 in Berlin
    weekly_summary_send_due(now=tokyo_8 - dt.timedelta(minutes=1))
    assert mail.outbox == []
    weekly_summary_send_due(now=tokyo_8)
    assert [m.to for m in mail.outbox] == [["admin@example.com"]]


def test_the_email_has_the_weeks_figures_best_post_team_and_campaigns_behind_goal(staff):
    weekly_summary_send_due(now=MONDAY_8_BERLIN)
    message = next(m for m in mail.outbox if m.to == ["manager@example.com"])
    assert message.subject == "Advocacy week of 2 Mar: 1 shares, 4 unique clicks, 1 campaign behind goal"
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert "The best post" in body and "Sales" in body and "Behind plan" in body
        assert "4 of 1000 clicks" in body
    assert "Unique clicks: 4 (week before: 0)" in message.body


def test_the_summary_goes_out_on_the_digests_mail_path(staff):
    """One mail path for every email (infra.mail): its own Message-ID to log, and auto-responders stay quiet."""
    weekly_summary_send_due(now=MONDAY_8_BERLIN)
    message = mail.outbox[0]
    message_id = message.extra_headers["Message-ID"]
    assert message_id.startswith("<") and "weekly-summary" in message_id
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert message.alternatives[0][1] == "text/html"


def test_a_failed_send_is_logged_and_not_retried_blindly(staff, settings, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    def refuse(self, messages):
        raise OSError("mail server down")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    counts = weekly_summary_send_due(now=MONDAY_8_BERLIN)
    assert counts["failed"] == 2 and counts["sent"] == 0
    monkeypatch.undo()
    weekly_summary_send_due(now=MONDAY_8_BERLIN + dt.timedelta(minutes=15))
    assert mail.outbox == []
    assert set(WeeklySummarySend.objects.values_list("status", flat=True)) == {"failed"}
