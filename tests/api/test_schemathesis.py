"""schemathesis against the live schema (fetched from /api/schema/ through the WSGI app), a few examples per
operation so it stays under a minute: no 500, no answer that breaks the schema (status codes, content types,
bodies), the credentials required; then as an employee, no staff or admin operation answers anything but 403."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.roles import ADVOCACY_ADMIN, CONTENT_MANAGER
from networks.models import Share
from tests.factories import SuggestedPostFactory, TeamFactory, UserFactory, make_share

from .conftest import bearer
from .test_permissions import EVERYONE, OPERATIONS

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    ignored_auth,
]


def _fuzz(operation, headers: dict, *, examples: int, checks=CHECKS, extra=None) -> None:
    @given(case=operation.as_strategy())
    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = case.call_and_validate(headers=headers, checks=checks)
        if extra:
            extra(case, response)

    run()


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """The WSGI handler closes "old" database connections around each request; inside a test's transaction
    that closes the test's own connection (PostgreSQL). Django's test client switches this off the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(db, settings, tmp_path, wsgi_keeps_the_test_connection):
    settings.MEDIA_ROOT = tmp_path
    rates = {"api_token": "100000/min", "api_user": "100000/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    before = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    admin = UserFactory(role=ADVOCACY_ADMIN)
    employee = UserFactory()
    UserFactory(role=CONTENT_MANAGER)
    TeamFactory()
    post = SuggestedPostFactory()
    make_share(user=employee, post=post, network="x", status=Share.Status.FAILED)
    yield {"admin": bearer(admin), "employee": bearer(employee)}
    SimpleRateThrottle.THROTTLE_RATES = before


def _headers(wsgi: dict) -> dict:
    return {"Authorization": wsgi["HTTP_AUTHORIZATION"]}


def test_the_api_keeps_to_its_schema_for_an_admin(fuzz_world):
    app = get_wsgi_application()
    headers = _headers(fuzz_world["admin"])
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app, headers=headers)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            _fuzz(operation, headers, examples=3)
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    assert failures == [], "\n\n".join(failures)


def test_an_employee_reaches_no_staff_or_admin_operation(fuzz_world):
    app = get_wsgi_application()
    headers = _headers(fuzz_world["employee"])
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app, headers=headers)
    reached = []

    def refused(case, response):
        if response.status_code not in (403, 404):
            reached.append(f"{case.method} {case.formatted_path}: {response.status_code}")

    for result in schema.get_all_operations():
        operation = result.ok()
        if OPERATIONS[(operation.method.upper(), operation.path)] == EVERYONE:
            continue
        _fuzz(operation, headers, examples=2, checks=[not_a_server_error], extra=refused)
    assert reached == []
