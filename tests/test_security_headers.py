"""Headers every answer carries: the Content Security Policy on pages, and no framing anywhere,
including the short-link fast path and /static/ (answered before most middleware)."""

import re
from pathlib import Path

import pytest

from accounts.roles import CONTENT_MANAGER
from campaigns.models import PostStatus
from tests.factories import PASSWORD, ShortLinkFactory, SuggestedPostFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "templates").rglob("*.html")) + sorted((ROOT / "templates").rglob("*.txt"))
# Served only by the short-link fast path, which sends no CSP: self-contained on purpose
# (no static manifest needed to answer junk codes), and it has no script.
STYLE_ELEMENT_ALLOWED = {ROOT / "templates" / "shortlinks" / "not_found.html"}

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
DATA_SCRIPT = re.compile(r"""type=["']application/(ld\+)?json["']""", re.IGNORECASE)


def _csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


def _inline_scripts(html: str) -> list[str]:
    return [attrs for attrs in SCRIPT_TAG.findall(html) if "src=" not in attrs and not DATA_SCRIPT.search(attrs)]


def _is_email(path: Path) -> bool:
    """Email bodies are read by mail clients, not served under our CSP: inline styles are how mail is styled."""
    return path.name.startswith("email") or "email" in path.relative_to(ROOT / "templates").parts[:-1]


PAGE_TEMPLATES = [path for path in TEMPLATES if not _is_email(path)]


@pytest.mark.parametrize("path", PAGE_TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_no_template_has_inline_script_or_style(path):
    source = path.read_text()
    assert not _inline_scripts(source), "move inline script to static/js/"
    assert not re.search(r"\sstyle\s*=", source, re.IGNORECASE), "move style= attributes to static/css/"
    assert not re.search(r"\son[a-z]+\s*=", source, re.IGNORECASE), "no inline event handlers (on…=)"
    assert "javascript:" not in source.lower()
    if path not in STYLE_ELEMENT_ALLOWED:
        assert not re.search(r"<style\b", source, re.IGNORECASE), "move <style> to static/css/"


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    policy = _csp(response)
    assert policy["default-src"] == "default-src 'self'"
    assert policy["script-src"] == "script-src 'self'"
    assert policy["style-src"] == "style-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["object-src"] == "object-src 'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_error_pages_carry_the_policy_too(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


@pytest.fixture
def content_manager_client(client, db):
    client.force_login(UserFactory(email="cm@example.com", role=CONTENT_MANAGER))
    return client


def test_the_post_admin_change_form_works_under_the_policy(content_manager_client):
    post = SuggestedPostFactory(status=PostStatus.DRAFT, variants={"x": "Hello"}, disclaimer="")
    response = content_manager_client.get(f"/admin/campaigns/suggestedpost/{post.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Content-Security-Policy" in response
    assert "js/variant-counter.js" in html  # the live counter: a file, allowed by script-src 'self'
    assert not _inline_scripts(html), _inline_scripts(html)
    assert not re.search(r"\son[a-z]+\s*=\s*[\"']", html)


def test_admin_list_and_add_pages_have_no_inline_script(content_manager_client):
    for path in ("/admin/", "/admin/campaigns/suggestedpost/", "/admin/campaigns/suggestedpost/add/"):
        response = content_manager_client.get(path)
        assert response.status_code == 200, path
        assert not _inline_scripts(response.content.decode()), path


@pytest.mark.django_db
def test_short_link_redirect_and_its_not_found_page_cannot_be_framed(client, settings):
    settings.SHORTLINK_PRELOAD = 0
    settings.SHORTLINK_REDIS_URL = ""
    link = ShortLinkFactory()
    response = client.get(f"/s/{link.code}", HTTP_USER_AGENT="Mozilla/5.0 Chrome/120.0")
    assert response.status_code == 302
    assert response["X-Frame-Options"] == "DENY"
    missing = client.get("/s/doesnotexist")
    assert missing.status_code == 404
    assert missing["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_static_files_cannot_be_framed(client, settings):
    # whitenoise answers /static/ itself; find the files in static/ as in development.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.browser
def test_admin_change_form_reports_no_policy_violation_in_a_browser(live_server, transactional_db, chromium):
    UserFactory(email="cm@example.com", role=CONTENT_MANAGER)
    post = SuggestedPostFactory(status=PostStatus.DRAFT, variants={"x": "Hello"}, disclaimer="")
    page = chromium.new_page()
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "cm@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/campaigns/suggestedpost/{post.pk}/change/")
    page.locator("textarea[name='variants-0-text']").fill("Hello there")
    assert re.match(r"\d+ / 280", page.locator(".variant-counter").first.inner_text())  # the counter's script ran
    page.goto(f"{live_server.url}/networks/shares/")
    assert violations == []


def test_the_digest_preview_frame_allows_the_emails_inline_styles_and_nothing_else(client, advocacy_admin, employee):
    client.force_login(advocacy_admin)
    response = client.get("/admin/digest/digestsend/preview/", {"employee": employee.pk, "raw": "html"})
    assert response.status_code == 200
    policy = _csp(response)
    assert policy["default-src"] == "default-src 'none'"
    assert policy["style-src"] == "style-src 'unsafe-inline'"
    assert policy["frame-ancestors"] == "frame-ancestors 'self'"
    assert "script-src" not in policy and "sandbox" in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    page = client.get("/admin/digest/digestsend/preview/", {"employee": employee.pk})
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]  # the admin page itself is not framable
