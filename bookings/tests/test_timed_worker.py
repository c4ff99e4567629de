"""The timed tasks on the real database backend, run by `manage.py db_worker`: a hold's expiry task
waits in the queue until its `run_after`, then the worker releases the hold; a confirmed visit is
completed by the worker after its end."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from bookings import services
from bookings.models import Status
from bookings.tasks import AUTO_COMPLETE_GRACE
from clinic.tests.factories import UserFactory
from clinic.tests.smtp import DATABASE_TASKS, run_db_worker

from .fixtures import NOW, at

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _database_tasks(settings):
    settings.TASKS = DATABASE_TASKS


def task_paths() -> set[str]:
    return set(DBTaskResult.objects.filter(status="READY").values_list("task_path", flat=True))


def test_the_worker_releases_a_hold_when_it_lapses_and_completes_a_visit_after_it_ends(service, therapist):
    with time_machine.travel(NOW, tick=False):
        with transaction.atomic():
            held = services.appointment_book(
                patient=UserFactory(), service=service, therapist=therapist, start=at(3, 10)
            )
        with transaction.atomic():
            other = services.appointment_book(
                patient=UserFactory(), service=service, therapist=therapist, start=at(3, 14)
            )
            services.appointment_confirm(appointment=other)
        assert "bookings.tasks.expire_hold" in task_paths()
        assert "bookings.tasks.complete_visit" in task_paths()
        run_db_worker()  # nothing is due yet
    held.refresh_from_db()
    assert held.status == Status.HELD

    with time_machine.travel(held.hold_expires_at + timedelta(seconds=1), tick=False):
        run_db_worker()
    held.refresh_from_db()
    assert held.status == Status.EXPIRED

    with time_machine.travel(at(3, 15) + AUTO_COMPLETE_GRACE, tick=False):
        run_db_worker()
    other.refresh_from_db()
    assert other.status == Status.COMPLETED
    assert not DBTaskResult.objects.filter(status="FAILED").exists()
