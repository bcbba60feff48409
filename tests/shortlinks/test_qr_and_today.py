import pytest
from django.urls import reverse

from analytics.models import ClickRollup
from tests.factories import ShortLinkFactory, SuggestedPostFactory


@pytest.fixture
def link(employee):
    return ShortLinkFactory(user=employee)


def test_qr_code_svg_encodes_the_short_url(client, link, colleague):
    client.force_login(colleague)  # any signed-in person may print any link's QR code
    response = client.get(f"/s/{link.code}/qr.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.lstrip().startswith(b"<svg")
    assert link.short_url.encode() in response.content  # in the SVG title


def test_qr_code_png_is_a_png_that_decodes_back_to_the_link(client, link, employee):
    client.force_login(employee)
    response = client.get(f"/s/{link.code}/qr.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert f'filename="qr-{link.code}.png"' in response["Content-Disposition"]


def test_qr_code_needs_a_signed_in_user(client, link):
    response = client.get(f"/s/{link.code}/qr.png")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("code", ["zzzzzzzz", "O0O0O0O0", "a" * 40, "%00"])
def test_qr_code_for_an_unknown_or_malformed_code_is_a_404(client, employee, code):
    client.force_login(employee)
    assert client.get(f"/s/{code}/qr.svg").status_code == 404


def test_qr_code_rejects_post(client, link, employee):
    client.force_login(employee)
    assert client.post(f"/s/{link.code}/qr.svg").status_code == 405


def test_today_shows_my_short_link_per_network_with_copy_button_and_click_count(client, employee, colleague):
    post = SuggestedPostFactory()
    client.force_login(employee)
    response = client.get(reverse("today"))
    assert response.status_code == 200
    links = {link.network: link for link in employee.short_links.all()}
    # One per copy, one per network the generic copy serves (its "Copy text" carries it), one for the share sheet.
    served = {"mastodon", "bluesky", "facebook", "threads", "whatsapp", "email"}
    assert set(links) == {"linkedin", "x", "generic", "sheet"} | served
    html = response.content.decode()
    for network in ("linkedin", "x", "generic"):
        assert f'data-copy="{links[network].short_url}"' in html
    assert "0 clicks" in html
    hour = post.publish_at.replace(minute=0, second=0, microsecond=0)
    ClickRollup.objects.create(link=links["linkedin"], hour=hour, clicks=3, unique_clicks=2)
    html = client.get(reverse("today")).content.decode()
    assert "3 clicks · 2 unique" in html
    assert employee.short_links.count() == 10  # not created again
    client.force_login(colleague)
    html = client.get(reverse("today")).content.decode()
    assert links["linkedin"].short_url not in html  # a colleague sees their own links


def _link_queries(captured) -> int:
    # Only the short-link partial's own queries: the other partials on the page are not ours to count.
    return sum(
        1 for q in captured if 'FROM "shortlinks_shortlink"' in q["sql"] or 'FROM "analytics_clickrollup"' in q["sql"]
    )


def test_today_page_link_queries_do_not_grow_with_the_number_of_posts(client, employee):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(employee)
    SuggestedPostFactory()
    client.get(reverse("today"))  # creates the links
    with CaptureQueriesContext(connection) as one_post:
        client.get(reverse("today"))
    for _ in range(4):
        SuggestedPostFactory()
    client.get(reverse("today"))
    with CaptureQueriesContext(connection) as five_posts:
        client.get(reverse("today"))
    assert employee.short_links.count() == 5 * 10
    assert _link_queries(five_posts.captured_queries) == _link_queries(one_post.captured_queries) == 2


def test_admin_lists_links_and_clicks_read_only(client, link, django_user_model):
    admin_user = django_user_model.objects.create_superuser(email="root@example.com", password="x")
    client.force_login(admin_user)
    assert client.get("/admin/shortlinks/shortlink/").status_code == 200
    assert client.get(f"/admin/shortlinks/shortlink/?q={link.code}").status_code == 200
    assert client.get("/admin/shortlinks/shortlink/add/").status_code == 403
    for page in ("click", "filteredhit", "clickrollup"):
        assert client.get(f"/admin/analytics/{page}/").status_code == 200
        assert client.get(f"/admin/analytics/{page}/add/").status_code == 403
