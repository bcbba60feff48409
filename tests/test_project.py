"""Project-level guarantees: deploy checks, migrations in sync, settings that fail loudly."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "SECRET_KEY": "x" * 20 + "-production-like-secret-key-for-checks-0123456789",
    "ALLOWED_HOSTS": "advocacy.example.com",
    "DATABASE_URL": "sqlite:///:memory:",
    "TOKEN_ENCRYPTION_KEYS": "ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg=",
    "SITE_URL": "https://advocacy.example.com",
}


# What the test run sets for itself (tests/settings.py), which a production process would not have.
TEST_ONLY_ENV = {
    "PYTEST_VERSION",
    "DEBUG",
    "SECRET_KEY",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DJANGO_SETTINGS_MODULE",
    "TOKEN_ENCRYPTION_KEYS",
    "CELERY_BROKER_DIR",
}


def _manage(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in TEST_ONLY_ENV}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_secret_key_refuses_to_start():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_migrations_match_the_models():
    result = _manage("makemigrations", "--check", "--dry-run", env={"DEBUG": "1", "DATABASE_URL": "sqlite:///:memory:"})
    assert result.returncode == 0, result.stdout + result.stderr


def _settings_variables() -> set[str]:
    source = (ROOT / "advocacy" / "settings.py").read_text()
    return set(re.findall(r'\benv(?:_bool|_int|_list)?\(\s*"([A-Z][A-Z0-9_]+)"', source))


def _readme_configuration_variables() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    table_rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in table_rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split(" | ")[0])}


def test_every_environment_variable_the_settings_read_is_documented_in_the_readme():
    undocumented = _settings_variables() - _readme_configuration_variables()
    assert not undocumented, f"add these to README.md's configuration tables: {sorted(undocumented)}"


def test_the_readme_documents_no_variable_the_settings_do_not_read():
    stale = _readme_configuration_variables() - _settings_variables()
    assert not stale, f"README.md documents variables nothing reads: {sorted(stale)}"


def test_template_tags_only_format_what_the_view_gathered():
    """Tags never query or write: no tag module imports models, selectors, services or the ORM."""
    forbidden = re.compile(r"^\s*(from|import)\s+\S*(models|selectors|services|django\.db)\b", re.MULTILINE)
    offenders = {
        str(path.relative_to(ROOT)): forbidden.findall(path.read_text())
        for path in ROOT.glob("*/templatetags/*.py")
        if forbidden.search(path.read_text())
    }
    assert not offenders


def test_production_refuses_a_weak_secret_key():
    weak_keys = [
        "short-but-random-3f9a1c",  # fewer than 50 characters
        "ab" * 30,  # fewer than 5 distinct characters
        "django-insecure-" + "k3j4h5g6f7d8s9a0q1w2e3r4t5y6u7i8o9p0z1x2c3v4b5n6m7",  # Django's startproject key
    ]
    for key in weak_keys:
        result = _manage("check", env={**PRODUCTION_ENV, "SECRET_KEY": key})
        assert result.returncode != 0, key
        assert "SECRET_KEY is too weak" in result.stderr, key


def test_development_accepts_any_secret_key():
    result = _manage("check", env={**PRODUCTION_ENV, "SECRET_KEY": "dev", "DEBUG": "1"})
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_production_access_log_leaves_the_client_address_out():
    """The Dockerfile (which docker-compose.yml builds) runs granian with an access log that names no IP."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    log_format = re.search(r"GRANIAN_LOG_ACCESS_FMT='([^']*)'", dockerfile).group(1)
    assert "GRANIAN_LOG_ACCESS_ENABLED=true" in dockerfile
    for field in ("%(addr)s", "x-forwarded-for", "x-real-ip", "forwarded", "user-agent", "referer"):
        assert field not in log_format.lower(), field
    assert "%(path)s" in log_format and "%(status)d" in log_format  # still a useful log
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "granian advocacy.wsgi:application" in compose
    assert "LOG_ACCESS_FMT" not in compose and "--access-log" not in compose  # no second, different format
