"""The fakes answer like the real services where it matters (issue 10, "The test fakes")."""

import datetime as dt
from urllib.parse import urlencode

import pytest
import requests
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.providers.oauth2.client import OAuth2Error

from networks.providers import Duplicate, Permanent, get_provider
from tests.fakes.x import TCO_LENGTH, weighted_length


class Account:
    external_id = "2244994945"
    handle = "alice_x"
    access_token = "x-access-1"
    instance = ""


# X ---------------------------------------------------------------------------------------


def test_x_refuses_more_than_280_weighted_characters(x_api):
    provider = get_provider("x")
    link = "https://go.example.com/s/abc"
    assert weighted_length("新" * 128 + " " + link) == 256 + 1 + TCO_LENGTH == 280
    provider.publish(account=Account(), text="新" * 128 + " " + link, link=link)
    with pytest.raises(Permanent) as refused:
        provider.publish(account=Account(), text="新" * 129 + " " + link, link=link)
    assert refused.value.status == 400 and not isinstance(refused.value, Duplicate)
    assert len(x_api.tweets) == 1


def test_x_refuses_duplicate_text_with_403(x_api):
    provider = get_provider("x")
    provider.publish(account=Account(), text="Same words https://go.example.com/s/a", link="https://go.example.com/s/a")
    with pytest.raises(Duplicate) as refused:
        provider.publish(
            account=Account(), text="Same words https://go.example.com/s/a", link="https://go.example.com/s/a"
        )
    assert refused.value.status == 403 and refused.value.existing is None  # X does not say which tweet


def test_x_answers_links_as_tco_and_rate_limit_headers_on_every_answer(x_api, settings):
    link = "https://go.example.com/s/abc"
    ok = requests.post(
        f"{settings.X_API_BASE}/2/tweets",
        json={"text": f"Out now {link}"},
        headers={"Authorization": "Bearer x-access-1"},
        timeout=5,
    )
    refused = requests.post(f"{settings.X_API_BASE}/2/tweets", json={"text": "x"}, timeout=5)  # no token: 401
    assert ok.status_code == 201 and refused.status_code == 401
    assert link not in ok.json()["data"]["text"] and "https://t.co/" in ok.json()["data"]["text"]
    for response in (ok, refused):
        assert {"x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"} <= set(response.headers)


def test_x_timeline_honours_start_time_and_leaves_out_empty_arrays(x_api, settings):
    provider = get_provider("x")
    link = "https://go.example.com/s/abc"
    provider.publish(account=Account(), text=f"Out now {link}", link=link)
    before = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    assert provider.find_published(account=Account(), link=link, since=before) is not None  # found by expanded_url
    assert provider.find_published(account=Account(), link=link, since=later) is None
    empty = requests.get(
        f"{settings.X_API_BASE}/2/users/2244994945/tweets",
        params={"start_time": later.strftime("%Y-%m-%dT%H:%M:%SZ")},
        headers={"Authorization": "Bearer x-access-1"},
        timeout=5,
    ).json()
    assert "data" not in empty and "errors" not in empty
    found = requests.get(
        f"{settings.X_API_BASE}/2/tweets",
        params={"ids": "1"},
        headers={"Authorization": "Bearer x-access-1"},
        timeout=5,
    ).json()
    assert "data" not in found and found["errors"][0]["resource_id"] == "1"


# LinkedIn ----------------------------------------------------------------------------------


def _linkedin_id_token(linkedin) -> str:
    query = {
        "response_type": "code",
        "client_id": linkedin.client_id,
        "redirect_uri": "https://advocacy.example.com/cb",
        "scope": "openid profile email w_member_social",
        "state": "s",
    }
    callback = linkedin.approve(f"{linkedin.url('/oauth/v2/authorization')}?{urlencode(query)}")
    answer = requests.post(
        linkedin.url("/oauth/v2/accessToken"),
        data={
            "grant_type": "authorization_code",
            "code": callback["code"],
            "redirect_uri": query["redirect_uri"],
            "client_id": linkedin.client_id,
            "client_secret": linkedin.client_secret,
        },
        timeout=5,
    ).json()
    assert answer["scope"] == "openid,profile,email,w_member_social"  # comma-separated, as LinkedIn does
    return answer["id_token"]


def test_linkedin_id_token_is_rs256_and_verifies_against_the_jwks(linkedin):
    id_token = _linkedin_id_token(linkedin)
    config = requests.get(linkedin.url("/oauth/.well-known/openid-configuration"), timeout=5).json()

    def verify(token):
        return jwtkit.verify_and_decode(
            credential=token,
            keys_url=config["jwks_uri"],
            issuer=config["issuer"],
            audience=linkedin.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )

    assert verify(id_token)["sub"] == linkedin.person.rsplit(":", 1)[-1]
    head, payload, signature = id_token.split(".")
    forged = f"{head}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    with pytest.raises(OAuth2Error):
        verify(forged)


def test_linkedin_refuses_a_duplicate_with_422_duplicate_post_naming_the_urn(linkedin):
    class Member:
        external_id = linkedin.person
        access_token = "li-token"

    provider = get_provider("linkedin")
    first = provider.publish(account=Member(), text="Same words", link="https://go.example.com/s/a")
    with pytest.raises(Duplicate) as refused:
        provider.publish(account=Member(), text="Same words", link="https://go.example.com/s/a")
    assert refused.value.status == 422
    assert refused.value.existing == first
    assert refused.value.message == f"LinkedIn: Content is a duplicate of {first.external_id}"


def test_linkedin_errors_carry_error_details(linkedin, settings):
    answer = requests.post(
        f"{settings.LINKEDIN_API_BASE}/rest/posts",
        json={"author": linkedin.person},
        headers={
            "Authorization": "Bearer li-token",
            "LinkedIn-Version": "202511",
            "X-Restli-Protocol-Version": "2.0.0",
        },
        timeout=5,
    )
    assert answer.status_code == 422
    [detail] = answer.json()["errorDetails"]["inputErrors"]
    assert detail["code"] == "MISSING_FIELD"
