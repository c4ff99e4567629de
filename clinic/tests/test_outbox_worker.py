"""The outbox with the real database task backend, `db_worker` and a real SMTP conversation (a local
aiosmtpd sink): a refused send stays pending and goes out exactly once when the server is back; a
server that never answers costs a worker EMAIL_TIMEOUT, not a request; two worker processes never
send one message twice."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from clinic.outbox.models import OutboxMessage, Status
from clinic.outbox.services import outbox_deliver, outbox_enqueue
from clinic.outbox.tasks import send_outbox_message

from .smtp import run_db_worker, silent_smtp_server, smtp_sink, use_smtp_and_database_tasks

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def smtp_port(settings):
    return use_smtp_and_database_tasks(settings)


def queue_note(recipient: str = "pat@example.com", **kw) -> OutboxMessage:
    with transaction.atomic():
        (message,) = outbox_enqueue(
            kind="test.note", to=recipient, subject="Your appointment", body_text="See you soon.", **kw
        )
    return message


def test_a_refused_message_stays_pending_and_is_delivered_once_when_smtp_is_back(smtp_port):
    message = queue_note()
    assert DBTaskResult.objects.count() == 1  # the send task, enqueued when the row committed

    run_db_worker()  # nothing listens on the port: connection refused
    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert message.attempts == 1
    assert "refused" in message.last_error.lower()

    with smtp_sink(smtp_port) as sink:
        run_db_worker()  # the retry is not due yet
        assert sink.messages == []
        with time_machine.travel(message.next_attempt_at + timedelta(seconds=1)):
            run_db_worker()
            run_db_worker()
            call_command("outbox_sweep", verbosity=0)
            run_db_worker()
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.attempts == 2
    assert sink.outbox_ids() == {str(message.pk): 1}
    assert sink.messages[0]["To"] == "pat@example.com"


def test_a_server_that_never_answers_costs_the_worker_email_timeout(smtp_port, settings):
    settings.EMAIL_TIMEOUT = 1
    with silent_smtp_server(smtp_port):
        started = time.monotonic()
        message = queue_note()  # the writer's transaction does not wait on SMTP at all
        assert time.monotonic() - started < 1
        assert outbox_deliver(message.pk) == "retry"
        assert time.monotonic() - started < 5
    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert "timed out" in message.last_error


@contextmanager
def worker_processes(count: int, smtp_port: int):
    """`count` separate `manage.py db_worker --batch` processes on this test's database."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clinic.settings.dev",
        "DEBUG": "false",
        "DATABASE_URL": url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
    }
    command = [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload", "--interval", "0"]
    workers = [
        subprocess.Popen(  # noqa: S603 - our own manage.py
            [*command, "--worker-id", f"test-worker-{n}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for n in range(count)
    ]
    try:
        yield workers
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
            worker.communicate()


def test_two_worker_processes_deliver_500_messages_each_exactly_once(smtp_port):
    for n in range(500):
        message = queue_note(f"patient{n}@example.com")
        # A second task for the same message, right behind the first (as a sweep adds for a task it
        # thought lost): the two workers race for the same row, and its claim alone must keep it to
        # one email.
        send_outbox_message.enqueue(message.pk)
    assert DBTaskResult.objects.count() == 1000

    with smtp_sink(smtp_port) as sink, worker_processes(2, smtp_port) as workers:
        outputs = [worker.communicate(timeout=240)[0] for worker in workers]
        assert [worker.returncode for worker in workers] == [0, 0], outputs

    counts = sink.outbox_ids()
    assert len(counts) == 500
    assert set(counts.values()) == {1}
    assert OutboxMessage.objects.filter(status=Status.SENT, attempts=1).count() == 500
    # Both processes did part of the work.
    ran_by = DBTaskResult.objects.values_list("worker_ids", flat=True)
    assert {worker_id for ids in ran_by for worker_id in ids} == {"test-worker-0", "test-worker-1"}
