import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings


@pytest.fixture(scope="package")
def media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("seed-media")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, media_root):
    """One media folder for the whole package, as the seeded images live there."""
    settings.MEDIA_ROOT = media_root


@pytest.fixture(scope="package")
def seed_output(django_db_setup, django_db_blocker, media_root):
    """`manage.py seed_demo`'s output. The full seed takes seconds, so it runs once for every test
    in tests/demo, inside a transaction rolled back at the end; each test's own changes roll back
    to a savepoint (the `db` fixture). Tests that use it must also ask for `db`: pytest-django runs
    database tests first, and a test without `db` would run after the package ended, seeding again.
    """
    out = io.StringIO()
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_root), transaction.atomic():
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def pytest_collection_modifyitems(items):
    """Under pytest-xdist every test here runs on one worker, so the package seeds once."""
    here = __file__.rsplit("/", 1)[0]
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.xdist_group("demo-seed"))
