"""The one-click share link: signed, for one person, post and network, 48 hours, once; GET never posts."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail, signing
from django.utils import timezone

from accounts.models import EmployeeProfile
from campaigns.models import PostStatus, SuggestedPost
from digest.models import UsedShareToken
from digest.services.sending import digests_send_due
from digest.tokens import share_token_make
from networks.models import Share
from tests.factories import ConnectedAccountFactory

from .conftest import make_person, make_posts

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(mastodon):
    mastodon.tokens["tok"] = {"scope": "write"}
    person = make_person("alice@example.com")
    ConnectedAccountFactory(user=person, network="mastodon", instance=mastodon.instance, access_token="tok")
    return person


@pytest.fixture
def post():
    return make_posts(1)[0]


def _path(token: str) -> str:
    return f"/digest/share/{token}/"


def test_the_link_in_the_email_opens_a_confirmation_and_posts_once_on_post(
    client, alice, post, mastodon, django_capture_on_commit_callbacks
):
    now = timezone.now()
    EmployeeProfile.objects.filter(user=alice).update(digest_hour=now.hour, digest_minute=now.minute // 15 * 15)
    digests_send_due()
    html = mail.outbox[0].alternatives[0][0]
    [url] = re.findall(r'href="https://advocacy\.example\.com(/digest/share/[^"]+/)"', html)

    page = client.get(url)
    assert page.status_code == 200 and post.title in page.content.decode()
    assert not Share.objects.exists()  # nothing is posted on GET
    assert client.get(url).status_code == 200  # nor on a second GET (link scanners)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"text": "ignored: this post may not be edited"})
    assert response.status_code == 302
    share = Share.objects.get()
    assert (share.user, share.post, share.network, share.source) == (alice, post, "mastodon", "digest")
    assert share.status == Share.Status.PUBLISHED, share.error
    assert mastodon.count("statuses") == 1

    replay = client.post(url)
    assert replay.status_code == 400 and "already been used" in replay.content.decode()
    assert Share.objects.count() == 1 and mastodon.count("statuses") == 1


def test_an_edited_text_goes_out_when_the_post_allows_editing(client, alice, post):
    SuggestedPost.objects.filter(pk=post.pk).update(employees_may_edit=True)
    token = share_token_make(user_id=alice.pk, post_id=post.pk, network="mastodon")
    client.post(_path(token), {"text": "My own words about it."})
    assert Share.objects.get().text.startswith("My own words about it.")


def test_a_refused_text_leaves_the_link_usable(client, alice, post):
    SuggestedPost.objects.filter(pk=post.pk).update(employees_may_edit=True)
    token = share_token_make(user_id=alice.pk, post_id=post.pk, network="mastodon")
    response = client.post(_path(token), {"text": ""})
    assert response.status_code == 400 and "cannot be empty" in response.content.decode()
    assert not Share.objects.exists() and not UsedShareToken.objects.exists()
    assert client.post(_path(token), {"text": "Fine now."}).status_code == 302


def test_an_expired_link_changes_nothing(client, alice, post):
    token = share_token_make(user_id=alice.pk, post_id=post.pk, network="mastodon")
    with time_machine.travel(timezone.now() + dt.timedelta(hours=48, minutes=1)):
        for response in (client.get(_path(token)), client.post(_path(token))):
            assert response.status_code == 400 and "expired" in response.content.decode()
    assert not Share.objects.exists()


def test_another_persons_link_is_refused_when_someone_else_is_signed_in(client, alice, post):
    bob = make_person("bob@example.com")
    token = share_token_make(user_id=alice.pk, post_id=post.pk, network="mastodon")
    client.force_login(bob)
    for response in (client.get(_path(token)), client.post(_path(token))):
        assert response.status_code == 400 and "someone else" in response.content.decode()
    assert not Share.objects.exists()


def test_a_tampered_link_changes_nothing(client, alice, post):
    token = share_token_make(user_id=alice.pk, post_id=post.pk, network="mastodon")
    other = make_posts(1)[0]
    payload = {"u": alice.pk, "p": other.pk, "n": "mastodon", "j": "x"}
    forged = signing.dumps(payload, salt="digest.share", key="not-our-secret-key-" + "x" * 30)
    for bad in (token[:-3] + "abc", forged, "nonsense"):
        response = client.post(_path(bad))
        assert response.status_code == 400 and "not valid" in response.content.decode()
    assert not Share.objects.exists()


def test_a_post_expired_or_deleted_since_the_email_gets_a_clear_page(client, alice, post):
    token = share_token_make(user_id=alice.pk, post_id=post.pk, network="mastodon")
    SuggestedPost.objects.filter(pk=post.pk).update(status=PostStatus.ARCHIVED)
    response = client.post(_path(token))
    assert response.status_code == 400 and "no longer available" in response.content.decode()
    gone = make_posts(1)[0]
    token = share_token_make(user_id=alice.pk, post_id=gone.pk, network="mastodon")
    gone.delete()
    response = client.get(_path(token))
    assert response.status_code == 400 and "withdrawn" in response.content.decode()
    assert not Share.objects.exists()
