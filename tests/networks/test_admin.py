from django.urls import reverse

from networks.models import ConnectedAccount
from tests.factories import ConnectedAccountFactory, UserFactory


def test_admin_lists_accounts_without_tokens_and_can_ask_for_reconnection(client, db):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    account = ConnectedAccountFactory(access_token="very-secret-token")
    client.force_login(admin_user)
    listing = client.get(reverse("admin:networks_connectedaccount_changelist"))
    assert listing.status_code == 200
    detail = client.get(reverse("admin:networks_connectedaccount_change", args=[account.pk]))
    assert detail.status_code == 200
    assert "very-secret-token" not in detail.content.decode()
    response = client.post(
        reverse("admin:networks_connectedaccount_changelist"),
        {"action": "ask_to_reconnect", "_selected_action": [account.pk]},
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.health == ConnectedAccount.Health.NEEDS_RECONNECT


def test_admin_share_pages_render(client, db):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    assert client.get(reverse("admin:networks_share_changelist")).status_code == 200
    assert client.get(reverse("admin:networks_mastodonapp_changelist")).status_code == 200
