"""The API's pages in a real browser: the browsable API, the API tokens page (375 px) and both documentation
pages, with axe-core finding no serious or critical violation and no request leaving our server (no CDN)."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import PHONE
from tests.factories import PASSWORD, SuggestedPostFactory, UserFactory

pytestmark = [pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"


def _elsewhere(url: str, own: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and parts.netloc != own


def _log_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/today/")


def test_api_pages_pass_axe_and_load_nothing_from_elsewhere(live_server, transactional_db, chromium, axe):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    UserFactory(email="api-reader@example.com")
    SuggestedPostFactory(title="Browsable")
    context = chromium.new_context(viewport=PHONE, bypass_csp=True)  # bypass: axe-core is injected inline
    elsewhere: list[str] = []
    own = urlsplit(live_server.url).netloc
    context.on("request", lambda r: elsewhere.append(r.url) if _elsewhere(r.url, own) else None)
    page = context.new_page()
    _log_in(page, live_server, "api-reader@example.com")

    page.goto(f"{live_server.url}/api/v1/today/", wait_until="networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Browsable" in page.content()
    assert axe(page) == []
    page.screenshot(path=str(ARTIFACTS / "api-browsable-375.png"), full_page=True)

    page.goto(f"{live_server.url}/me/api-tokens/")
    page.fill("input[name=name]", "Intranet widget")
    page.locator("main form button[type=submit]").first.click()
    assert page.locator("#new-token").input_value().startswith("adv_")
    assert axe(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(ARTIFACTS / "api-tokens-375.png"), full_page=True)

    page.goto(f"{live_server.url}/api/docs/", wait_until="networkidle")
    page.wait_for_selector(".opblock", timeout=60000)
    page.screenshot(path=str(ARTIFACTS / "api-swagger-375.png"))
    assert elsewhere == []
    context.close()

    # Redoc under the page's real policy (its attribution logo points at a CDN: the policy keeps it home).
    context = chromium.new_context(viewport=PHONE)
    left: list[str] = []
    context.on("requestfinished", lambda r: left.append(r.url) if _elsewhere(r.url, own) else None)
    page = context.new_page()
    _log_in(page, live_server, "api-reader@example.com")
    page.goto(f"{live_server.url}/api/redoc/", wait_until="networkidle")
    page.wait_for_selector("h1", timeout=60000)
    page.screenshot(path=str(ARTIFACTS / "api-redoc-375.png"))
    assert left == []
    context.close()
