"""The review deadlines as timed tasks (django-tasks, run by `manage.py db_worker`).

While an appointment waits for review, `schedule_review_deadlines` (run after every change of it,
registered in `bookings.extensions`) schedules two tasks: escalation at the policy's deadline before
the appointment, and release when it starts. Each checks the case when it runs: one decided, moved or
cancelled meanwhile is left alone, and one already escalated is not escalated again. The same logic
over every case at once is `manage.py review_deadlines`, kept as a manual tool.
"""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from bookings.models import Appointment
from clinic.models import ClinicPolicy
from clinic.scheduling import run_at

from . import deadlines
from .selectors import OPEN_CASE_STATUS


@task()
def escalate_review(appointment_id: int) -> str:
    return "escalated" if deadlines.review_escalate_if_due(appointment_id=appointment_id) else "nothing to do"


@task()
def release_review(appointment_id: int) -> str:
    return "released" if deadlines.review_release_if_due(appointment_id=appointment_id) else "nothing to do"


def schedule_review_deadlines(appointment: Appointment) -> None:
    """Escalation and release for an appointment waiting for review (a front-desk booking whose
    health form has not come in yet too: its tasks find no case to act on unless one is opened by
    then, and the screening that opens it schedules them again)."""
    if appointment.status != OPEN_CASE_STATUS:
        return
    deadline = timedelta(hours=ClinicPolicy.get().review_deadline_hours)
    run_at(escalate_review, appointment.pk, at=appointment.start - deadline)
    run_at(release_review, appointment.pk, at=appointment.start)
