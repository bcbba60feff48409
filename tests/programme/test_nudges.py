"""Nudges without nagging: one friendly line in the digest after a quiet month, at most one a fortnight."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from accounts.models import User
from digest.services.sending import digests_send_due
from networks.models import Share
from programme.models import Nudge
from tests.digest.conftest import make_person, make_posts
from tests.factories import CampaignFactory, make_click, make_share

pytestmark = pytest.mark.django_db

DAY0 = dt.datetime(2026, 6, 1, 8, 1, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def digest_settings(settings):
    settings.SITE_URL = "https://advocacy.example.com"
    settings.SHORTLINK_BASE_URL = "https://go.example.com"
    settings.DIGEST_SMTP_RETRY_DELAYS = (0, 0)
    settings.X_DIRECT_POSTING = False
    settings.SHARE_FETCH_OPEN_GRAPH = False


def _world():
    with time_machine.travel(DAY0 - dt.timedelta(days=60), tick=False):
        quiet = make_person("quiet@example.com")
        busy = make_person("busy@example.com")
        owner = make_person("owner@example.com", digest_opt_in=False)
        campaign = CampaignFactory(owner=owner, ends_at=DAY0 + dt.timedelta(days=60))
        newcomer_posts = make_posts(3, campaign=campaign, is_featured=True, expires_at=DAY0 + dt.timedelta(days=60))
    with time_machine.travel(DAY0 - dt.timedelta(days=40), tick=False):
        make_share(user=quiet, post=newcomer_posts[0], network="x")
    with time_machine.travel(DAY0 - dt.timedelta(days=2), tick=False):
        recent = make_share(user=busy, post=newcomer_posts[1], network="linkedin")
        make_click(link=recent.short_link)
        make_click(link=recent.short_link)
    with time_machine.travel(DAY0 - dt.timedelta(days=1), tick=False):
        newcomer = make_person("new@example.com")  # joined yesterday: not quiet, just new
    return quiet, busy, newcomer, newcomer_posts[1]


def _digest_day(when: dt.datetime) -> dict[str, str]:
    mail.outbox.clear()
    with time_machine.travel(when, tick=False):
        digests_send_due()
    return {m.to[0]: m.body for m in mail.outbox}


def test_a_quiet_month_brings_one_friendly_line_in_the_digest_at_most_once_a_fortnight():
    quiet, busy, newcomer, best = _world()
    day0 = _digest_day(DAY0)
    assert "It has been a while" in day0[quiet.email]
    assert f"“{best.title}” brought 2 unique clicks" in day0[quiet.email]  # what worked for colleagues
    assert "It has been a while" not in day0[busy.email]
    assert "It has been a while" not in day0[newcomer.email]
    assert list(Nudge.objects.values_list("user_id", flat=True)) == [quiet.pk]

    for days in (1, 7, 13):
        later = _digest_day(DAY0 + dt.timedelta(days=days))
        assert "It has been a while" not in later[quiet.email], f"nudged again after {days} days"
    fortnight = _digest_day(DAY0 + dt.timedelta(days=14))
    assert "It has been a while" in fortnight[quiet.email]
    assert Nudge.objects.filter(user=quiet).count() == 2


def test_the_nudge_never_adds_an_email_of_its_own():
    quiet, busy, newcomer, _ = _world()
    day0 = _digest_day(DAY0)
    assert sorted(day0) == sorted([quiet.email, busy.email, newcomer.email])
    assert sum(1 for m in mail.outbox if m.to == [quiet.email]) == 1


def test_a_share_ends_the_quiet_spell():
    quiet, _busy, _newcomer, post = _world()
    with time_machine.travel(DAY0 - dt.timedelta(hours=3), tick=False):
        Share.objects.create(
            user=quiet,
            post=post,
            network="linkedin",
            short_link=make_share(user=quiet, post=post).short_link,
            route=Share.Route.INTENT,
            status=Share.Status.OPENED,
            text="Have a look",
        )
    assert "It has been a while" not in _digest_day(DAY0)[quiet.email]
    assert not Nudge.objects.exists()


def test_a_digest_that_was_not_sent_records_no_nudge(settings):
    quiet, *_ = _world()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nothing listens
    _digest_day(DAY0)
    assert not Nudge.objects.exists()
    assert User.objects.filter(pk=quiet.pk).exists()
