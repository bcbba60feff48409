"""The beat task fans the run out: one Celery task per batch of user ids, each claiming its own rows."""

from unittest import mock

import pytest
import time_machine

from digest import tasks
from digest.models import DigestSend
from digest.services import sending

from .conftest import at, make_person, make_posts

pytestmark = pytest.mark.django_db

WEDNESDAY_0805 = at(2026, 3, 4, 8, 5)


@pytest.fixture(autouse=True)
def _fresh_run_facts():
    sending._run_facts_cache.clear()
    yield
    sending._run_facts_cache.clear()


def test_the_beat_task_enqueues_one_batch_task_per_batch_with_ids_only(settings, smtp):
    settings.DIGEST_BATCH_SIZE = 2
    with time_machine.travel(WEDNESDAY_0805, tick=False):
        people = [make_person(f"p{i}@example.com") for i in range(5)]
        make_posts(2)
        with mock.patch.object(tasks.send_digest_batch, "apply_async") as enqueue:
            summary = tasks.send_due_digests()
    assert summary == {"due": 5, "batches": 3}
    assert enqueue.call_count == 3
    batches = [call.kwargs["args"][0] for call in enqueue.call_args_list]
    assert sorted(uid for batch in batches for uid in batch) == sorted(p.pk for p in people)
    assert [len(b) for b in batches] == [2, 2, 1]
    assert {call.kwargs["args"][1] for call in enqueue.call_args_list} == {WEDNESDAY_0805.isoformat()}
    assert all(call.kwargs["expires"] == tasks.BATCH_EXPIRES_S for call in enqueue.call_args_list)
    assert not smtp.messages and not DigestSend.objects.exists()  # enqueuing claims and sends nothing


def test_a_batch_task_run_twice_sends_each_digest_once(smtp):
    with time_machine.travel(WEDNESDAY_0805, tick=False):
        people = [make_person(f"p{i}@example.com") for i in range(3)]
        make_posts(2)
        ids = [p.pk for p in people]
        first = tasks.send_digest_batch(ids, WEDNESDAY_0805.isoformat())
        second = tasks.send_digest_batch(ids, WEDNESDAY_0805.isoformat())
    assert first["sent"] == 3
    assert second == {"due": 0, "sent": 0, "skipped": 0, "retry": 0}
    assert sorted(m["To"] for m in smtp.messages) == sorted(p.email for p in people)
    assert DigestSend.objects.filter(status="sent").count() == 3


def test_the_fanned_out_run_sends_everyone_once_across_batches(settings, smtp):
    settings.DIGEST_BATCH_SIZE = 2
    with time_machine.travel(WEDNESDAY_0805, tick=False):
        people = [make_person(f"p{i}@example.com") for i in range(5)]
        make_posts(2)
        with mock.patch.object(tasks.send_digest_batch, "apply_async") as enqueue:
            tasks.send_due_digests()
        for call in enqueue.call_args_list * 2:  # every batch delivered twice (a broker redelivery)
            tasks.send_digest_batch(*call.kwargs["args"])
    assert sorted(m["To"] for m in smtp.messages) == sorted(p.email for p in people)
