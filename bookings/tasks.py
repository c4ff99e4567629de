"""Bookings' timed tasks (django-tasks, run by `manage.py db_worker`) and when they are scheduled.

`schedule_timed_effects` runs after every change of an appointment (registered in
`bookings.extensions` from `BookingsConfig.ready`): a hold gets a task at its expiry, a confirmed visit
one at its end plus `AUTO_COMPLETE_GRACE`. Each task reads the appointment when it runs and does
nothing when its moment has not come (the hold was renewed, the visit moved later) or has gone (the
appointment was confirmed, cancelled or already marked).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from clinic.scheduling import run_at

from . import services
from .models import Appointment, Status

# The therapist has this long after a visit ends to mark it a no-show before it is completed on its
# own; a visit completed on its own can still be marked a no-show afterwards.
AUTO_COMPLETE_GRACE = timedelta(hours=1)


@task()
def expire_hold(appointment_id: int) -> str:
    """Release holds whose time ran out (this one, and any other already lapsed), so the slot shows as
    free and the patient's page says so without waiting for the next booking to expire it lazily."""
    expired = services.appointments_expire_stale_holds()
    return f"expired {expired}" if expired else "nothing to do"


@task()
def complete_visit(appointment_id: int) -> str:
    """Mark a confirmed visit completed once it ended `AUTO_COMPLETE_GRACE` ago. The row is locked and
    read first: a visit moved later, cancelled or already marked by its therapist is left alone."""
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().filter(pk=appointment_id).first()
        if (
            appointment is None
            or appointment.status != Status.CONFIRMED
            or timezone.now() < appointment.end + AUTO_COMPLETE_GRACE
        ):
            return "nothing to do"
        services.appointment_transition(appointment=appointment, to=Status.COMPLETED)
    return "completed"


def schedule_timed_effects(appointment: Appointment) -> None:
    """The tasks the appointment's current state calls for (see the module docstring)."""
    if appointment.status == Status.HELD and appointment.hold_expires_at is not None:
        run_at(expire_hold, appointment.pk, at=appointment.hold_expires_at)
    elif appointment.status == Status.CONFIRMED:
        run_at(complete_visit, appointment.pk, at=appointment.end + AUTO_COMPLETE_GRACE)
