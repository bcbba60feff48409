"""Two workers, or overlapping beat runs, at the same moment: each digest goes once (PostgreSQL only)."""

import threading

import pytest
import time_machine
from django.db import connection, connections

from digest.models import DigestSend
from digest.services.sending import digests_send_due

from .conftest import at, make_person, make_posts

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent claims need PostgreSQL"),
]


def test_two_workers_running_the_same_beat_send_each_digest_once(smtp):
    when = at(2026, 3, 4, 8, 5)
    with time_machine.travel(when, tick=False):
        people = [make_person(f"p{i}@example.com") for i in range(30)]
        make_posts(3)
    barrier = threading.Barrier(3)
    errors = []

    def worker():
        try:
            barrier.wait()
            digests_send_due(now=when)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert sorted(m["To"] for m in smtp.messages) == sorted(p.email for p in people)
    assert DigestSend.objects.filter(status="sent").count() == 30
