"""The login page speaks to the people who can actually use it."""

from django.urls import reverse


def test_login_page_does_not_invite_people_to_sign_up_while_sign_up_is_closed(client, db, settings):
    settings.ACCOUNT_ALLOW_SIGNUP = False
    page = client.get(reverse("account_login")).content.decode()
    assert "sign up" not in page.lower()
    assert reverse("account_signup") not in page
    assert "Accounts are made by your organisation's administrators" in page


def test_login_page_invites_people_to_sign_up_when_sign_up_is_open(client, db, settings):
    settings.ACCOUNT_ALLOW_SIGNUP = True
    page = client.get(reverse("account_login")).content.decode()
    assert "sign up" in page and reverse("account_signup") in page


def test_favicon_ico_is_served_on_every_page_including_the_admin(client, db):
    from django.contrib.staticfiles import finders
    from django.contrib.staticfiles.storage import staticfiles_storage

    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == staticfiles_storage.url("img/favicon.ico")
    with open(finders.find("img/favicon.ico"), "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # an ICO file (16, 32 and 48 px)
