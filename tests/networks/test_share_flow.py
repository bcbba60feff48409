import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from networks.models import ConnectedAccount, Share
from networks.services.publishing import share_publish, shares_publish_due
from networks.services.sharing import share_direct_create, share_text_build
from networks.tasks import share_publish_task
from tests.factories import ConnectedAccountFactory, SuggestedPostFactory

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


def test_share_page_shows_editor_with_the_networks_counting_rule_and_short_link(logged_in, account, post):
    page = logged_in.get(share_url(post)).content.decode()
    assert "Our new release is out. 🎉" in page
    assert 'data-limit="500"' in page and 'data-url-weight="23"' in page
    assert "https://go.example.com/s/" in page
    assert "The disclaimer “#employee” must stay" in page
    assert "Post now" in page and "Schedule" in page


def test_post_now_publishes_through_celery_on_commit(
    logged_in, account, post, mastodon, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(share_url(post), {"action": "now", "text": TEXT, "skip_personal_line": "on"})
    assert response.status_code == 302
    share = Share.objects.get()
    assert share.status == Share.Status.PUBLISHED
    assert len(mastodon.statuses) == 1
    shares_page = logged_in.get(reverse("my_shares")).content.decode()
    assert "Published" in shares_page and share.external_url in shares_page


def test_double_submit_does_not_post_twice(logged_in, account, post, mastodon, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(share_url(post), {"action": "now", "text": TEXT, "skip_personal_line": "on"})
        response = logged_in.post(share_url(post), {"action": "now", "text": TEXT, "skip_personal_line": "on"})
    assert response.status_code == 400
    assert "already shared this post on Mastodon" in response.content.decode()
    assert Share.objects.count() == 1
    assert len(mastodon.statuses) == 1


@pytest.mark.parametrize(
    "data, message",
    [
        ({"action": "now", "text": "Our new release is out."}, "The disclaimer “#employee” must stay in the text."),
        ({"action": "now", "text": "🎉" * 490 + "\n\n#employee"}, "Mastodon allows 500 characters"),
        ({"action": "now", "text": "   "}, "The text cannot be empty."),
        ({"action": "schedule", "text": TEXT}, "Pick a date and time"),
        ({"action": "schedule", "text": TEXT, "scheduled_for": "2020-01-01T10:00"}, "in the past"),
        ({"action": "schedule", "text": TEXT, "scheduled_for": "next tuesday"}, "Enter a valid date/time."),
        ({"action": "publish-everywhere", "text": TEXT}, "Choose Post now or Schedule."),
    ],
)
def test_bad_input_gets_a_clear_message_and_stores_nothing(logged_in, account, post, mastodon, data, message):
    response = logged_in.post(share_url(post), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Share.objects.exists()
    assert mastodon.statuses == []


def test_locked_text_cannot_be_edited(logged_in, account, employee, mastodon):
    locked = SuggestedPostFactory(disclaimer="#ad", employees_may_edit=False, variants={"generic": "As written."})
    response = logged_in.post(share_url(locked), {"action": "now", "text": "My own words\n\n#ad"})
    # The view ignores edits on locked posts and shares the suggested text as written.
    assert response.status_code == 302
    assert Share.objects.get().text.startswith("As written.\n\n#ad\n")

    with pytest.raises(ValidationError, match="cannot be edited"):
        share_text_build(post=locked, network="mastodon", text="My own words\n\n#ad", link="https://go.example.com/s/x")


def test_schedule_after_the_post_expires_is_refused(logged_in, account, post):
    when = timezone.localtime(post.expires_at + dt.timedelta(hours=1))
    response = logged_in.post(
        share_url(post), {"action": "schedule", "text": TEXT, "scheduled_for": when.strftime("%Y-%m-%dT%H:%M")}
    )
    assert response.status_code == 400
    assert "expires before that time" in response.content.decode()


def test_share_page_for_a_network_without_direct_route_offers_only_the_dialog(logged_in, post):
    page = logged_in.get(share_url(post, "facebook")).content.decode()
    assert "Post now" not in page
    assert reverse("networks:share_intent", args=[post.pk, "facebook"]) in page
    assert logged_in.post(share_url(post, "facebook"), {"action": "now"}).status_code == 400


def test_share_page_is_404_for_posts_not_meant_for_the_employee(logged_in, account):
    from tests.factories import CampaignFactory

    draft = SuggestedPostFactory(campaign=CampaignFactory(launched_at=None))
    assert logged_in.get(share_url(draft)).status_code == 404
    assert logged_in.get(reverse("networks:share", args=[999999, "x"])).status_code == 404


def test_cancel_a_scheduled_share_and_colleagues_cannot(client, logged_in, account, post, colleague):
    share = share_direct_create(
        user=account.user, post=post, network="mastodon", scheduled_for=timezone.now() + dt.timedelta(hours=1)
    )
    client.force_login(colleague)
    assert client.post(reverse("networks:share_cancel", args=[share.pk])).status_code == 404
    client.force_login(account.user)
    response = client.post(reverse("networks:share_cancel", args=[share.pk]))
    assert response.status_code == 302
    share.refresh_from_db()
    assert share.status == Share.Status.CANCELLED and share.error == ""
    assert "Cancelled" in client.get(reverse("my_shares")).content.decode()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        assert shares_publish_due() == 0


def test_a_share_is_claimed_by_one_worker_only(account, post, mastodon):
    share = share_direct_create(user=account.user, post=post, network="mastodon")
    assert share_publish(share_id=share.pk).status == Share.Status.PUBLISHED
    assert share_publish(share_id=share.pk) is None  # duplicated task message
    share_publish_task(share.pk)
    share_publish_task(987654)  # gone: returns quietly
    assert len(mastodon.statuses) == 1


def test_worker_death_mid_publish_is_recovered_without_blind_resend(account, post, employee):
    share = share_direct_create(user=employee, post=post, network="mastodon")
    Share.objects.filter(pk=share.pk).update(status=Share.Status.PUBLISHING)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=20)):
        shares_publish_due()
    share.refresh_from_db()
    assert share.status == Share.Status.QUEUED  # Mastodon: the same Idempotency-Key makes a re-send safe

    li = SuggestedPostFactory()
    other = ConnectedAccount.objects.create(
        user=employee, network="linkedin", external_id="urn:li:person:1", access_token="t"
    )
    stuck = Share.objects.create(
        user=employee,
        post=li,
        network="linkedin",
        account=other,
        route="direct",
        status=Share.Status.PUBLISHING,
        text="x",
        short_link=__import__("shortlinks.services", fromlist=["x"]).link_get_or_create(
            user=employee, post=li, network="linkedin"
        ),
    )
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=20)):
        shares_publish_due()
    stuck.refresh_from_db()
    assert stuck.status == Share.Status.UNKNOWN


def test_today_page_offers_direct_posting_with_an_account_and_dialogs_otherwise(logged_in, account, post):
    page = logged_in.get(reverse("today")).content.decode()
    assert 'data-route="direct" data-network="linkedin"' not in page  # no LinkedIn account: dialog only
    assert f'href="{share_url(post, "linkedin")}"' in page  # the share page is still one tap away
    assert reverse("networks:share_intent", args=[post.pk, "linkedin"]) in page
    for network in ("threads", "whatsapp", "email"):  # served by the generic copy
        assert reverse("networks:share_intent", args=[post.pk, network]) in page


def test_today_page_direct_button_for_mastodon_variant(logged_in, account):
    post = SuggestedPostFactory(variants={"mastodon": "Toot!", "generic": "Hello"})
    page = logged_in.get(reverse("today")).content.decode()
    assert f'href="{share_url(post, "mastodon")}"' in page
    assert "Connected accounts" in page


def test_generic_copy_offers_mastodon_and_bluesky_when_the_post_has_no_copy_for_them(logged_in, account, post):
    page = logged_in.get(reverse("today")).content.decode()
    assert f'href="{share_url(post, "mastodon")}"' in page  # connected: direct
    assert reverse("networks:share_intent", args=[post.pk, "bluesky"]) in page  # not connected: dialog


def test_networks_without_credentials_are_offered_as_intent_only(logged_in, settings):
    settings.LINKEDIN_CLIENT_ID = ""
    settings.X_DIRECT_POSTING = False
    page = logged_in.get(reverse("networks:accounts")).content.decode()
    assert "Direct posting to LinkedIn is not set up" in page
    assert "Direct posting to X is not set up" in page
    assert "/accounts/oidc/linkedin/login/" not in page
    assert "/accounts/twitter_oauth2/login/" not in page
    assert 'action="/networks/mastodon/connect/"' in page
    assert 'action="/networks/bluesky/connect/"' in page


def test_linkedin_app_configured_in_admin_offers_connect(logged_in, settings):
    from allauth.socialaccount.models import SocialApp

    settings.LINKEDIN_CLIENT_ID = ""
    SocialApp.objects.create(
        provider="openid_connect",
        provider_id="linkedin",
        name="LinkedIn",
        client_id="id",
        secret="s",
        settings={"server_url": "https://www.linkedin.com/oauth"},
    )
    page = logged_in.get(reverse("networks:accounts")).content.decode()
    assert "/accounts/oidc/linkedin/login/?process=connect" in page


def test_today_page_looks_accounts_up_once_not_per_post(logged_in, account):
    for _ in range(3):
        SuggestedPostFactory()
    logged_in.get(reverse("today"))  # warm-up: short links are created on first view
    with CaptureQueriesContext(connection) as queries:
        logged_in.get(reverse("today"))
    account_queries = [q for q in queries.captured_queries if "networks_connectedaccount" in q["sql"]]
    assert len(account_queries) == 1
