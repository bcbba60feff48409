"""The “API tokens” page: make a named, scoped token (shown once), list, revoke."""

from api.models import ApiToken
from api.services import token_create
from tests.factories import UserFactory


def test_my_settings_links_to_the_tokens_page(client, employee):
    client.force_login(employee)
    assert "/me/api-tokens/" in client.get("/me/settings/").content.decode()


def test_a_new_token_is_shown_once_and_works(client, api, employee):
    client.force_login(employee)
    page = client.post("/me/api-tokens/", {"name": "Intranet widget", "scope": "read"}).content.decode()
    token = ApiToken.objects.get(user=employee)
    plain = next(word for word in page.replace('"', " ").split() if word.startswith(f"adv_{token.prefix}_"))
    assert token.name == "Intranet widget" and token.scope == "read"
    assert plain not in client.get("/me/api-tokens/").content.decode()  # never shown again
    assert api.get("/api/v1/today/", HTTP_AUTHORIZATION=f"Bearer {plain}").status_code == 200


def test_a_name_is_required_and_unique_among_live_tokens(client, employee):
    client.force_login(employee)
    assert client.post("/me/api-tokens/", {"name": " ", "scope": "read"}).status_code == 400
    client.post("/me/api-tokens/", {"name": "ci", "scope": "write"})
    again = client.post("/me/api-tokens/", {"name": "ci", "scope": "read"})
    assert again.status_code == 400 and "already have a token with this name" in again.content.decode()
    assert client.post("/me/api-tokens/", {"name": "x", "scope": "admin"}).status_code == 400
    assert ApiToken.objects.count() == 1


def test_revoke_my_token_but_not_someone_elses(client, employee):
    mine = token_create(user=employee, name="mine", scope="read").token
    theirs = token_create(user=UserFactory(), name="theirs", scope="read").token
    client.force_login(employee)
    assert client.post(f"/me/api-tokens/{theirs.pk}/revoke/").status_code == 404
    response = client.post(f"/me/api-tokens/{mine.pk}/revoke/", follow=True)
    assert "is revoked" in response.content.decode()
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None and theirs.revoked_at is None
