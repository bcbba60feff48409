"""The words travel with every share: "Copy text" carries exactly what the dialog opens with, the phone's share
sheet gets a short link of its own and is recorded as such, and the share page says when a network is not set
up here (offering the dialog, and the image only where the route can attach one)."""

import re
from html import unescape

import pytest
from django.urls import reverse

from networks.models import Share
from networks.providers.base import Provider, providers
from shortlinks.models import ShortLink
from tests.factories import ConnectedAccountFactory, SuggestedPostFactory, UserFactory


@pytest.fixture
def logged_in(client, employee):
    client.force_login(employee)
    return client


def _copy_texts(page: str) -> dict[str, str]:
    """network → the words its "Copy text and open" button copies (the first on the page)."""
    found: dict[str, str] = {}
    for network, text in re.findall(r'data-network="(\w+)" data-copy-text="([^"]*)"', page):
        found.setdefault(network, unescape(text))
    return found


def test_copy_text_is_exactly_what_the_dialog_opens_with_for_every_network(logged_in, employee, post):
    texts = _copy_texts(logged_in.get(reverse("today")).content.decode())
    assert set(texts) == {"linkedin", "x", "mastodon", "bluesky", "facebook", "threads", "whatsapp", "email"}
    for network in ("linkedin", "x", "facebook", "whatsapp"):
        response = logged_in.post(reverse("networks:share_intent", args=[post.pk, network]))
        assert response.status_code == 302
        share = Share.objects.get(user=employee, network=network)
        assert texts[network] == share.text
        assert share.text.endswith(share.short_link.short_url) and "#employee" in share.text
    assert texts["linkedin"].startswith("Proud of the team")
    assert texts["facebook"].startswith("Our new release is out. 🎉")  # the generic copy serves Facebook


def test_the_confirmation_names_the_network(logged_in, post):
    page = logged_in.get(reverse("today")).content.decode()
    assert "Copy text and open LinkedIn" in page
    assert 'data-network-label="LinkedIn"' in page and 'class="muted copy-status" role="status"' in page


def test_share_sheet_gets_its_own_short_link_and_records_a_sheet_share(logged_in, employee, post):
    page = logged_in.get(reverse("today")).content.decode()
    sheet = ShortLink.objects.get(user=employee, post=post, network="sheet")
    assert f'data-url="{sheet.short_url}"' in page and "utm_source=sheet" in sheet.target_url
    assert 'data-text="Proud of the team: our new release is out.\n\n#employee"' in page
    record = reverse("networks:share_sheet", args=[post.pk, "linkedin"])
    assert f'data-record="{record}"' in page
    response = logged_in.post(record)
    assert response.status_code == 201
    share = Share.objects.get()
    assert (share.route, share.network, share.status, share.short_link) == ("sheet", "sheet", "opened", sheet)
    assert share.text == f"Proud of the team: our new release is out.\n\n#employee\n{sheet.short_url}"
    assert "Share sheet" in logged_in.get(reverse("today")).content.decode()  # marked as shared there


def test_share_sheet_record_refuses_bad_input_and_others(client, logged_in, employee, colleague, post):
    assert logged_in.get(reverse("networks:share_sheet", args=[post.pk, "linkedin"])).status_code == 405
    response = logged_in.post(reverse("networks:share_sheet", args=[post.pk, "myspace"]))
    assert response.status_code == 400 and response.json() == {"error": "This post has no such copy to share."}
    assert logged_in.post(reverse("networks:share_sheet", args=[999999, "linkedin"])).status_code == 404
    gone = SuggestedPostFactory(status="archived")
    assert logged_in.post(reverse("networks:share_sheet", args=[gone.pk, "linkedin"])).status_code == 404
    assert not Share.objects.exists() and not ShortLink.objects.filter(network="sheet", post=gone).exists()
    client.logout()
    assert client.post(reverse("networks:share_sheet", args=[post.pk, "linkedin"])).status_code == 302


def test_share_sheet_record_is_csrf_checked(employee, post):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(employee)
    assert strict.post(reverse("networks:share_sheet", args=[post.pk, "linkedin"])).status_code == 403
    assert not Share.objects.exists()


def test_share_page_of_a_network_the_organisation_has_not_set_up_says_so_and_offers_the_dialog(
    logged_in, employee, post_with_image
):
    ShortLink.objects.create(user=employee, post=post_with_image, network="linkedin", target_url="https://e.com/")
    page = logged_in.get(reverse("networks:share", args=[post_with_image.pk, "linkedin"])).content.decode()
    assert "Your organisation has not set up posting to LinkedIn from here" in page
    assert "connect your LinkedIn account" not in page and 'href="/networks/accounts/"' not in page.split("</nav>")[1]
    assert "Copy text and open LinkedIn" in page
    assert f'action="{reverse("networks:share_intent", args=[post_with_image.pk, "linkedin"])}"' in page
    assert "Attach the post's image" not in page  # a dialog cannot take it


def test_share_page_without_the_link_yet_opens_the_dialog_without_copying(logged_in, post):
    page = logged_in.get(reverse("networks:share", args=[post.pk, "facebook"])).content.decode()
    assert "Open Facebook share dialog" in page and "data-copy-text" not in page
    assert "takes shares through its own dialog only" in page
    assert not ShortLink.objects.exists()  # a GET creates nothing


def test_share_page_with_a_connected_account_offers_the_image_where_the_route_attaches_one(
    logged_in, employee, post_with_image, mastodon
):
    ConnectedAccountFactory(user=employee, network="mastodon", instance=mastodon.instance)
    page = logged_in.get(reverse("networks:share", args=[post_with_image.pk, "mastodon"])).content.decode()
    assert "Post now" in page and "Attach the post's image" in page


def test_share_page_of_a_set_up_network_without_an_account_links_to_connecting_it(logged_in, post):
    page = logged_in.get(reverse("networks:share", args=[post.pk, "mastodon"])).content.decode()
    assert "connect your Mastodon account" in page
    assert 'id="instance-' in page  # the dialog needs the server name


def test_share_page_refuses_the_sheet_and_generic_as_networks(logged_in, post):
    for network in ("sheet", "generic", "myspace"):
        assert logged_in.get(reverse("networks:share", args=[post.pk, network])).status_code == 404


def test_only_providers_that_upload_images_say_they_attach_one():
    for provider in providers():
        uploads = type(provider).upload is not Provider.upload
        assert provider.attaches_image == uploads, provider.network
        assert not provider.attaches_image or provider.supports_direct


def test_a_colleague_never_sees_my_sheet_link(client, employee, post):
    client.force_login(employee)
    client.get(reverse("today"))
    mine = ShortLink.objects.get(user=employee, network="sheet")
    client.force_login(UserFactory())
    assert mine.short_url not in client.get(reverse("today")).content.decode()
