"""My shares: what each share is, where it stands, what it earned, and what I can still do about it."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from analytics.models import Click, ShareMetrics
from networks.models import Share
from networks.services.sharing import share_direct_create, share_intent_create
from tests.factories import ConnectedAccountFactory, SuggestedPostFactory, make_share

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


@pytest.fixture
def account(employee, mastodon):
    mastodon.tokens["tok"] = {"scope": "read write:statuses write:media"}
    return ConnectedAccountFactory(user=employee, network="mastodon", instance=mastodon.instance, access_token="tok")


def _click(link, n, **kwargs):
    Click.objects.create(link=link, event_id=f"e{link.pk}-{n}", clicked_at=timezone.now(), is_unique=True, **kwargs)


def test_each_share_shows_its_time_in_my_zone_route_status_link_clicks_and_engagement(client, employee, post):
    employee.profile.time_zone = "Asia/Tokyo"
    employee.profile.save()
    published_at = timezone.now().replace(microsecond=0) - dt.timedelta(hours=3)
    share = make_share(user=employee, post=post, network="mastodon", published_at=published_at)
    Share.objects.filter(pk=share.pk).update(external_url="https://mastodon.example/@alice/1")
    measured_at = timezone.now() - dt.timedelta(minutes=20)
    ShareMetrics.objects.create(share=share, state="ok", likes=5, reposts=0, measured_at=measured_at)
    _click(share.short_link, 1)
    _click(share.short_link, 2)
    _click(share.short_link, 3, is_self_click=True)  # my own: not counted
    client.force_login(employee)

    page = client.get(reverse("my_shares")).content.decode()

    assert f"Published <time datetime=\"{published_at.astimezone(TOKYO).isoformat()}\">" in page
    assert published_at.astimezone(TOKYO).strftime("%H:%M") in page and "Times in Asia/Tokyo" in page
    assert "Mastodon · Posted for you" in page
    assert share.short_link.short_url in page
    assert "<strong>2</strong> unique clicks" in page
    assert "Likes: <strong>5</strong>" in page and "Reposts: <strong>0</strong>" in page  # a real zero
    assert 'Views: <span class="muted">unavailable</span>' in page  # not given: never drawn as 0
    assert f"as of <time datetime=\"{measured_at.astimezone(TOKYO).isoformat()}\">" in page
    assert 'href="https://mastodon.example/@alice/1"' in page
    assert f'href="/today/#post-{post.pk}"' in page and f'href="{post.target_url}"' in page


def test_a_dialog_share_says_engagement_is_unavailable_and_offers_the_dialog_again(client, employee, post):
    share, _ = share_intent_create(user=employee, post=post, network="linkedin")
    client.force_login(employee)
    page = client.get(reverse("my_shares")).content.decode()
    assert "LinkedIn · Share dialog" in page and "Dialog opened" in page
    assert "Engagement: unavailable (shared through the dialog" in page
    assert reverse("networks:share_intent", args=[post.pk, "linkedin"]) in page
    assert share.short_link.short_url in page


def test_a_published_share_not_measured_yet_says_so_instead_of_zeros(client, employee, post):
    make_share(user=employee, post=post, network="mastodon")
    client.force_login(employee)
    page = client.get(reverse("my_shares")).content.decode()
    assert "Engagement: not measured yet." in page
    assert "Likes:" not in page


def test_my_shares_costs_the_same_queries_for_2_or_20_shares(client, employee):
    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("my_shares")).status_code == 200
        return len(queries)

    client.force_login(employee)
    for _ in range(2):
        share = make_share(user=employee, post=SuggestedPostFactory(), network="mastodon")
        ShareMetrics.objects.create(share=share, state="ok", likes=1, measured_at=timezone.now())
        _click(share.short_link, 1)
    few = page_queries()
    for n in range(18):
        post = SuggestedPostFactory()
        if n % 2:
            share_intent_create(user=employee, post=post, network="x")
        else:
            share = make_share(user=employee, post=post, network="mastodon")
            ShareMetrics.objects.create(share=share, state="ok", likes=1, measured_at=timezone.now())
            _click(share.short_link, 1)
    assert Share.objects.filter(user=employee).count() == 20
    assert page_queries() == few


def test_colleagues_see_only_their_own_shares(client, employee, colleague, post):
    make_share(user=employee, post=post, network="mastodon")
    client.force_login(colleague)
    assert "data-share=" not in client.get(reverse("my_shares")).content.decode()


def _failed_share(account, post) -> Share:
    share = share_direct_create(user=account.user, post=post, network="mastodon")
    Share.objects.filter(pk=share.pk).update(
        status=Share.Status.FAILED, attempts=5, error="Mastodon is down (gave up after 5 tries)"
    )
    return share


def test_a_failed_share_can_be_tried_again_and_is_posted_once(
    client, account, post, mastodon, django_capture_on_commit_callbacks
):
    share = _failed_share(account, post)
    client.force_login(account.user)
    assert "Try again" in client.get(reverse("my_shares")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("networks:share_retry", args=[share.pk]), follow=True)
    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHED and share.error == ""
    assert mastodon.count("statuses") == 1
    assert "Trying again: posting to Mastodon" in response.content.decode()
    assert Share.objects.filter(user=account.user).count() == 1  # the same card, not a second one


def test_try_again_without_a_usable_account_says_to_reconnect_and_changes_nothing(client, account, post):
    share = _failed_share(account, post)
    account.delete()
    client.force_login(share.user)
    response = client.post(reverse("networks:share_retry", args=[share.pk]), follow=True)
    assert "Connect your Mastodon account again first" in response.content.decode()
    share.refresh_from_db()
    assert share.status == Share.Status.FAILED and share.attempts == 5


def test_only_a_failed_direct_share_can_be_tried_again(client, employee, post):
    share, _ = share_intent_create(user=employee, post=post, network="x")
    client.force_login(employee)
    response = client.post(reverse("networks:share_retry", args=[share.pk]), follow=True)
    assert "Only a failed post can be tried again." in response.content.decode()
    share.refresh_from_db()
    assert share.status == Share.Status.OPENED


def test_colleagues_cannot_retry_or_cancel_my_shares(client, account, post, colleague):
    share = _failed_share(account, post)
    client.force_login(colleague)
    assert client.post(reverse("networks:share_retry", args=[share.pk])).status_code == 404
    assert client.post(reverse("networks:share_cancel", args=[share.pk])).status_code == 404
    share.refresh_from_db()
    assert share.status == Share.Status.FAILED


def test_retry_and_cancel_need_a_csrf_token(account, post):
    from django.test import Client

    share = _failed_share(account, post)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(account.user)
    assert strict.post(reverse("networks:share_retry", args=[share.pk])).status_code == 403
    assert strict.post(reverse("networks:share_cancel", args=[share.pk])).status_code == 403
