from tests.factories import SuggestedPostFactory


def test_today_api_lists_my_posts_with_variants(client, employee):
    post = SuggestedPostFactory(title="API post", variants={"x": "On X", "linkedin": "On LinkedIn"})
    client.force_login(employee)
    response = client.get("/api/v1/today/")
    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["id"] == post.pk and item["title"] == "API post"
    assert {v["network"] for v in item["variants"]} == {"x", "linkedin"}
    only_x = client.get("/api/v1/today/?network=x").json()["results"][0]["variants"]
    assert only_x == [{"network": "x", "text": "On X"}]


def test_today_api_rejects_an_unknown_network_with_a_clear_error(client, employee):
    client.force_login(employee)
    response = client.get("/api/v1/today/?network=myspace")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "myspace" in body["fields"]["network"][0]


def test_today_api_needs_a_login(client, db):
    response = client.get("/api/v1/today/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_openapi_schema_describes_the_api(client, employee):
    client.force_login(employee)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/today/" in schema["paths"]


def test_today_api_filters_by_campaign_featured_and_topic_together_or_apart(client, employee):
    from campaigns.models import Topic
    from tests.factories import CampaignFactory

    launch, hiring = CampaignFactory(name="Launch"), CampaignFactory(name="Hiring")
    product = Topic.objects.create(name="Product")
    featured_launch = SuggestedPostFactory(campaign=launch, title="Featured launch", is_featured=True)
    featured_launch.topics.add(product)
    SuggestedPostFactory(campaign=launch, title="Plain launch")
    SuggestedPostFactory(campaign=hiring, title="Featured hiring", is_featured=True)
    client.force_login(employee)

    def titles(query):
        response = client.get(f"/api/v1/today/?{query}")
        assert response.status_code == 200, response.content
        return sorted(item["title"] for item in response.json()["results"])

    assert titles(f"campaign={launch.pk}") == ["Featured launch", "Plain launch"]
    assert titles("featured=true") == ["Featured hiring", "Featured launch"]
    assert titles("featured=false") == ["Plain launch"]
    assert titles("topic=Product") == ["Featured launch"]
    assert titles(f"campaign={hiring.pk}&featured=true") == ["Featured hiring"]
    assert titles("topic=Nothing") == []
    bad = client.get("/api/v1/today/?campaign=launch")
    assert bad.status_code == 400 and "campaign" in bad.json()["fields"]
