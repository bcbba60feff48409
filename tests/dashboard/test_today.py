import datetime as dt

from django.utils import timezone

from accounts.models import EmployeeProfile
from campaigns.models import PostStatus
from tests.factories import CampaignFactory, SuggestedPostFactory, TeamFactory


def _titles(response):
    return [post.title for post in response.context["posts"]]


def test_today_lists_current_approved_posts_aimed_at_me(client, employee):
    sales = TeamFactory(name="Sales")
    engineering = TeamFactory(name="Engineering")
    EmployeeProfile.objects.filter(user=employee).update(team=sales, language="en")
    for_everyone = SuggestedPostFactory(title="For everyone", variants={"x": "Hello X", "linkedin": "Hello LinkedIn"})
    for_sales = CampaignFactory()
    for_sales.audience_teams.add(sales)
    SuggestedPostFactory(campaign=for_sales, title="For sales")
    for_engineering = CampaignFactory()
    for_engineering.audience_teams.add(engineering)
    SuggestedPostFactory(campaign=for_engineering, title="For engineering")
    german_only = CampaignFactory(audience_languages=["de"])
    SuggestedPostFactory(campaign=german_only, title="Nur auf Deutsch")
    SuggestedPostFactory(title="Draft", status=PostStatus.DRAFT)
    SuggestedPostFactory(title="Submitted", status=PostStatus.SUBMITTED)
    SuggestedPostFactory(
        title="Expired",
        publish_at=timezone.now() - dt.timedelta(days=3),
        expires_at=timezone.now() - dt.timedelta(days=1),
    )
    SuggestedPostFactory(title="Tomorrow", publish_at=timezone.now() + dt.timedelta(days=1))
    SuggestedPostFactory(title="Campaign not launched", campaign=CampaignFactory(launched_at=None))
    SuggestedPostFactory(
        title="Campaign ended",
        campaign=CampaignFactory(
            starts_at=timezone.now() - dt.timedelta(days=9), ends_at=timezone.now() - dt.timedelta(days=1)
        ),
    )

    client.force_login(employee)
    response = client.get("/today/")
    assert response.status_code == 200
    assert sorted(_titles(response)) == ["For everyone", "For sales"]
    html = response.content.decode()
    assert "Hello X" in html and "Hello LinkedIn" in html
    assert f'id="post-{for_everyone.pk}"' in html


def test_featured_posts_come_first(client, employee):
    SuggestedPostFactory(title="Plain")
    SuggestedPostFactory(title="Featured", is_featured=True, publish_at=timezone.now() - dt.timedelta(days=2))
    client.force_login(employee)
    assert _titles(client.get("/today/"))[0] == "Featured"


def test_empty_today_says_so(client, employee):
    client.force_login(employee)
    assert "Nothing to share right now" in client.get("/today/").content.decode()


def test_login_by_email_lands_on_today(client, employee, password):
    response = client.post("/accounts/login/", {"login": "alice@example.com", "password": password}, follow=True)
    assert response.redirect_chain[-1][0] == "/today/"
    assert response.context["user"] == employee


def test_login_with_wrong_password_shows_an_error(client, employee):
    response = client.post("/accounts/login/", {"login": "alice@example.com", "password": "nope"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()


def test_open_signup_is_closed_by_default(client, db):
    response = client.get("/accounts/signup/")
    assert "closed" in response.content.decode().lower()


def test_today_costs_the_same_queries_for_3_or_12_posts(client, employee):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_today() -> int:
        client.get("/today/")  # first view creates the short links
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/today/")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    client.force_login(employee)
    for _ in range(3):
        SuggestedPostFactory()
    few = queries_for_today()
    for _ in range(9):
        SuggestedPostFactory()
    assert queries_for_today() == few


def test_a_campaign_for_some_teams_and_places_reaches_exactly_the_people_in_them(client, employee):
    from tests.factories import LocationFactory

    sales, support = TeamFactory(name="Sales"), TeamFactory(name="Support")
    berlin, lisbon = LocationFactory(name="Berlin"), LocationFactory(name="Lisbon")
    sales_or_support_in_berlin = CampaignFactory()
    sales_or_support_in_berlin.audience_teams.add(sales, support)
    sales_or_support_in_berlin.audience_locations.add(berlin)
    SuggestedPostFactory(campaign=sales_or_support_in_berlin, title="Berlin sales and support")
    SuggestedPostFactory(title="For everyone")
    client.force_login(employee)

    def titles_for(team, location):
        EmployeeProfile.objects.filter(user=employee).update(team=team, location=location)
        return sorted(_titles(client.get("/today/")))

    assert titles_for(support, berlin) == ["Berlin sales and support", "For everyone"]
    assert titles_for(sales, lisbon) == ["For everyone"]
    assert titles_for(None, berlin) == ["For everyone"]  # in no team: not in a team's audience
    assert titles_for(support, None) == ["For everyone"]
