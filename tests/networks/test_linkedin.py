import datetime as dt

import pytest
import time_machine
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.urls import reverse
from django.utils import timezone

from networks.models import ConnectedAccount, Share
from networks.providers.linkedin import escape_little_text
from networks.services.connections import accounts_refresh_due
from networks.services.publishing import share_publish
from networks.services.sharing import share_direct_create
from tests.networks.helpers import allauth_connection, assert_encrypted_at_rest


@pytest.fixture
def li_account(client, employee, linkedin):
    allauth_connection(
        employee,
        provider="linkedin",
        uid="AbC123xyz",
        token="li-token",
        expires_in=dt.timedelta(days=60),
        extra={"sub": "AbC123xyz", "name": "Alice Example", "email": "alice@example.com"},
    )
    client.force_login(employee)
    client.get(reverse("networks:accounts"))
    return ConnectedAccount.objects.get(user=employee, network="linkedin")


def test_connection_uses_the_userinfo_sub_as_author_and_is_not_refreshable(li_account):
    assert li_account.external_id == "urn:li:person:AbC123xyz"
    assert li_account.handle == "Alice Example"
    assert li_account.access_token == "li-token"
    assert not li_account.refreshable
    assert not SocialToken.objects.exists()


def test_publish_article_with_uploaded_thumbnail(li_account, employee, linkedin, post_with_image, settings):
    settings.LINKEDIN_VERSION = "202511"
    share = share_direct_create(user=employee, post=post_with_image, network="linkedin")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHED, share.error
    [sent] = linkedin.posts
    body = sent["body"]
    assert body["author"] == "urn:li:person:AbC123xyz"
    article = body["content"]["article"]
    assert article["source"] == share.short_link.short_url
    assert article["title"] == post_with_image.title
    [(image_id, image)] = linkedin.images.items()
    assert article["thumbnail"] == f"urn:li:image:{image_id}" and image["uploaded"]
    assert "\\#employee" in body["commentary"]  # little-text escaping keeps '#' literal
    assert share.external_id == sent["urn"]
    assert share.external_url == f"https://www.linkedin.com/feed/update/{sent['urn']}/"


def test_revoked_token_fails_share_and_flags_account(li_account, employee, linkedin, post):
    linkedin.tokens.clear()
    share = share_direct_create(user=employee, post=post, network="linkedin")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    li_account.refresh_from_db()
    assert share.status == Share.Status.FAILED
    assert "revoked" in share.error
    assert li_account.health == ConnectedAccount.Health.NEEDS_RECONNECT


def test_rejected_post_fails_with_linkedins_message(li_account, employee, linkedin, post):
    linkedin.fail("posts", 422, {"status": 422, "message": "/commentary :: content is duplicate"})
    share = share_direct_create(user=employee, post=post, network="linkedin")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.FAILED
    assert share.error == "LinkedIn: /commentary :: content is duplicate"


def test_429_without_headers_backs_off_and_retries_later(li_account, employee, linkedin, post):
    linkedin.fail("posts", 429, {"status": 429, "message": "Resource level throttle limit"})
    share = share_direct_create(user=employee, post=post, network="linkedin")
    now = timezone.now()
    share_publish(share_id=share.pk, now=now)
    share.refresh_from_db()
    assert share.status == Share.Status.SCHEDULED
    assert share.scheduled_for >= now + dt.timedelta(seconds=30)
    assert linkedin.posts == []


def test_accounts_page_warns_before_the_60_days_run_out_and_offers_reconnect(client, li_account, employee):
    with time_machine.travel(timezone.now() + dt.timedelta(days=55)):
        client.force_login(employee)  # the session would have expired by then
        page = client.get(reverse("networks:accounts")).content.decode()
    assert "Expiring in 4 days" in page or "Expiring in 5 days" in page
    assert "Reconnect" in page


def test_daily_task_flags_an_expired_linkedin_token(client, li_account, employee, post):
    with time_machine.travel(timezone.now() + dt.timedelta(days=61)):
        counts = accounts_refresh_due()
        li_account.refresh_from_db()
        assert counts["flagged"] == 1
        assert li_account.health_at() == ConnectedAccount.Health.NEEDS_RECONNECT
        client.force_login(employee)
        page = client.get(reverse("networks:accounts")).content.decode()
    assert "Needs reconnection" in page


def test_disconnect_deletes_tokens_and_allauths_record(client, li_account):
    response = client.post(reverse("networks:account_disconnect", args=[li_account.pk]))
    assert response.status_code == 302
    assert not ConnectedAccount.objects.exists()
    assert not SocialAccount.objects.exists()


def test_a_colleague_cannot_disconnect_my_account(client, li_account, colleague):
    client.force_login(colleague)
    response = client.post(reverse("networks:account_disconnect", args=[li_account.pk]))
    assert response.status_code == 404
    assert ConnectedAccount.objects.filter(pk=li_account.pk).exists()


def test_little_text_reserved_characters_are_escaped():
    assert escape_little_text("Hi (team) #ad @you [x] <y> *z* _u_ ~v~ {w} a|b \\") == (
        "Hi \\(team\\) \\#ad \\@you \\[x\\] \\<y\\> \\*z\\* \\_u\\_ \\~v\\~ \\{w\\} a\\|b \\\\"
    )


def test_unknown_linkedin_outcome_is_settled_after_a_day_with_advice(li_account, employee, linkedin, post):
    from networks.services.publishing import shares_reconcile_unknown

    linkedin.fail("posts", 201, {}, sleep=1.0, then_succeed=True)
    share = share_direct_create(user=employee, post=post, network="linkedin")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.UNKNOWN
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1)):
        assert shares_reconcile_unknown() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        assert shares_reconcile_unknown() == 1
    share.refresh_from_db()
    assert share.status == Share.Status.FAILED
    assert "Check your LinkedIn profile" in share.error
    assert len(linkedin.posts) == 1


def test_connect_through_allauths_openid_connect_flow_against_the_fake(client, employee, linkedin):
    from allauth.socialaccount.models import SocialApp
    from django.contrib.sites.models import Site

    app = SocialApp.objects.create(
        provider="openid_connect",
        provider_id="linkedin",
        name="LinkedIn",
        client_id=linkedin.client_id,
        secret=linkedin.client_secret,
        settings={
            "server_url": linkedin.url("/oauth"),
            "token_auth_method": "client_secret_post",
            "scope": ["openid", "profile", "email", "w_member_social"],
        },
    )
    app.sites.add(Site.objects.get_current())
    client.force_login(employee)
    next_url = reverse("networks:accounts")
    login_url = reverse("openid_connect_login", args=["linkedin"])
    response = client.post(login_url, {"process": "connect", "next": next_url})
    assert response.status_code == 302, response.content[:500]
    callback = linkedin.approve(response["Location"])
    response = client.get(reverse("openid_connect_callback", args=["linkedin"]), callback)
    assert response.status_code == 302
    assert response["Location"] == next_url
    # The callback itself stored the token, encrypted; no plaintext copy, before any page is opened.
    assert not SocialToken.objects.exists()
    stored = ConnectedAccount.objects.get(user=employee, network="linkedin")
    assert stored.access_token in linkedin.tokens
    assert_encrypted_at_rest(stored, stored.access_token)
    assert "Alice Example" in client.get(next_url).content.decode()
    account = ConnectedAccount.objects.get(user=employee, network="linkedin")
    assert account.external_id == linkedin.person
    assert account.access_token in linkedin.tokens
    assert 59 <= account.days_left() <= 60
    assert not SocialToken.objects.exists()
