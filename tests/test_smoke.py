def test_today_page_requires_login(client):
    response = client.get("/today/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
