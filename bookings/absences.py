"""Clinic closures and therapist time off, and what happens to the appointments they fall on.

Saving either lists the active appointments it covers. The admin asks first: cancel them (each patient
emailed once, with the calendar cancellation) or keep them for the front desk to move. Cancelling goes
through `appointment_cancel`, in the same transaction as the closure or time off: if any may not be
cancelled by this user, nothing is saved. A booking made at the same moment is either refused or
listed here, never missed (`schedule_locks`).
"""

from __future__ import annotations

from django.db import transaction

from clinic.audit.trail import acted_by

from . import notifications, schedule_locks, selectors
from .models import Appointment, Closure, TimeOff
from .services import BookingError, appointment_cancel

# What the patient is told about a therapist's time off: never the therapist's own reason, which may
# be private (it is for the clinic's eyes in the admin).
TIME_OFF_REASON = "Your therapist is not available at that time."


def closure_save(*, closure: Closure, by, cancel_appointments: bool) -> list[Appointment]:
    """Save a clinic closure and return the active appointments on its days: with
    `cancel_appointments`, those it cancelled (each patient told the closure's reason); otherwise
    those still booked, for the front desk to move."""
    with transaction.atomic(), acted_by(by):
        schedule_locks.lock_for_closure()  # a booking made meanwhile is committed, and listed below
        closure.save()
        affected = list(selectors.appointments_on_days(closure.first_day, closure.last_day))
        if not cancel_appointments:
            return affected
        return _cancel_all(
            affected,
            by=by,
            reason=f"The clinic is closed that day: {closure.reason}",
            notice=notifications.CLOSURE,
        )


def time_off_save(*, time_off: TimeOff, by, cancel_appointments: bool) -> list[Appointment]:
    """Save a therapist's time off and return the active appointments it overlaps: with
    `cancel_appointments`, those it cancelled (each patient told the therapist is away, not why);
    otherwise those still booked, for the front desk to move."""
    with transaction.atomic(), acted_by(by):
        schedule_locks.lock_for_time_off(time_off.therapist_id)
        time_off.save()
        affected = list(
            selectors.appointments_in_time_off(time_off.therapist_id, time_off.start, time_off.end)
        )
        if not cancel_appointments:
            return affected
        return _cancel_all(affected, by=by, reason=TIME_OFF_REASON, notice=notifications.TIME_OFF)


def _cancel_all(appointments: list[Appointment], *, by, reason: str, notice: str) -> list[Appointment]:
    cancelled = []
    for appointment in appointments:
        try:
            cancelled.append(appointment_cancel(appointment=appointment, by=by, reason=reason, notice=notice))
        except BookingError as exc:
            # One that stopped being active meanwhile (cancelled by its patient) is left out.
            if exc.code != "invalid_transition":
                raise
    return cancelled
