"""Screening a booking: the intake's answers against the current rules, on the appointment's date.

Screening decides what happens to the appointment, through the booking services (intake never writes
an appointment itself). It may run more than once for one appointment (the online form, a front-desk
booking's check-in, a changed form), and the answer decides the same way from every state:

- urgent: refused from any active state (held, waiting for review, confirmed), one alert to staff and
  one email, whatever path brought the answers; the patient is told to get medical care today;
- clear: a hold is confirmed, and so is a front-desk booking that was only waiting for the form; a case
  a person put in review stays there until a person decides;
- review or blocked: a hold goes to review; a confirmed visit goes back to review only when the new
  answers raise a flag the last screening did not have (a flag already cleared stays cleared).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from bookings import extensions as booking_extensions
from bookings import services as booking_services
from bookings.models import ACTIVE_STATUSES, Appointment, Status
from bookings.selectors import clinic_zone

from ..models import CheckIn, Intake, Outcome, ScreeningResult, StaffAlert
from . import engine
from .emails import alert_url as alert_url  # re-exported: callers import it from here
from .emails import email_staff_alert, email_waiting_for_review
from .rules import current_rule_set, load_active_rules

URGENT_REASON = "Urgent warning signs in the health form"


def screening_answers(intake: Intake, extra_answers: dict | None = None) -> dict:
    """The answers the engine reads: the intake's, today's check-in answers over them, and the date
    dated answers were given on (the day the form was sent, for answers stored without one)."""
    answers = {**intake.answers, **(extra_answers or {})}
    if intake.submitted_at:
        given_on = intake.submitted_at.astimezone(clinic_zone()).date().isoformat()
        for key in engine.DATED_ANSWERS:
            answers.setdefault(engine.given_on_key(key), given_on)
    return answers


def _flag_keys(flags) -> set[tuple[str, str]]:
    return {(flag["rule_key"], flag["severity"]) for flag in flags if flag["severity"] != engine.INFO}


def appointment_screen(
    *,
    appointment: Appointment,
    intake: Intake,
    check_in: CheckIn | None = None,
    extra_answers: dict | None = None,
) -> ScreeningResult:
    """Screen the intake's answers against the appointment's date with the current rules, store the
    result with the rule-set version, and move the appointment accordingly (see the module docstring).
    The appointment row is locked first, so two screenings of one appointment cannot both act."""
    on_date = appointment.start.astimezone(clinic_zone()).date()
    answers = screening_answers(intake, extra_answers)
    rule_set = current_rule_set()
    result = engine.screen(answers, load_active_rules(), on_date)
    data = result.as_json()
    with transaction.atomic():
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        # The row is locked with the appointment's; the flags it held decide whether a flag is new.
        stored = ScreeningResult.objects.select_for_update().filter(appointment=current).first()
        previous_flags = None if stored is None else list(stored.flags)
        fields = {
            "intake": intake,
            "check_in": check_in,
            "rule_set": rule_set,
            "outcome": result.outcome,
            "flags": data["flags"],
            "techniques_ruled_out": data["techniques_ruled_out"],
            "screened_on": on_date,
            "screened_at": timezone.now(),
        }
        if stored is None:
            stored = ScreeningResult.objects.create(appointment=current, **fields)
        else:
            for name, value in fields.items():
                setattr(stored, name, value)
            stored.save(update_fields=list(fields))
        status_before = current.status
        to_review = _move(
            appointment=current,
            outcome=result.outcome,
            flags=stored.flags,
            previous_flags=previous_flags,
            by=intake.patient,
        )
        if current.status == status_before:
            # No move rescheduled its timed effects, yet the screening may call for new ones: a
            # front-desk booking waiting for review whose health form came in now gets its deadlines.
            booking_extensions.appointment_timers_sync(current)
        if to_review:
            email_waiting_for_review(stored.pk)
    appointment.refresh_from_db()
    return stored


def _move(*, appointment: Appointment, outcome: str, flags: list, previous_flags: list | None, by) -> bool:
    """Move the appointment for the outcome; True when it now waits for a person's review and did not
    before (the patient and the therapist are then told)."""
    status = appointment.status
    # A front-desk booking waits for review until its first form is in.
    waiting_for_form = status == Status.PENDING_REVIEW and previous_flags is None
    if outcome == Outcome.URGENT:
        if status in ACTIVE_STATUSES:
            booking_services.appointment_refuse(appointment=appointment, by=by, reason=URGENT_REASON)
        # Even for an appointment no longer active: urgent answers always reach a person.
        _alert_urgent(appointment=appointment, patient=by)
        return False
    if outcome == Outcome.CLEAR:
        if status == Status.HELD or waiting_for_form:
            booking_services.appointment_confirm(appointment=appointment, by=by)
        return False
    if status == Status.HELD or (
        # A confirmed visit goes back to review only for a flag the last screening did not raise.
        status == Status.CONFIRMED and _flag_keys(flags) - _flag_keys(previous_flags or [])
    ):
        booking_services.appointment_hold_for_review(appointment=appointment, by=by)
        return True
    return waiting_for_form


def _alert_urgent(*, appointment: Appointment, patient) -> None:
    """One urgent alert per appointment (a constraint says so), emailed once: the email is queued in
    the same transaction as the alert."""
    name = patient.get_full_name() or patient.email
    alert, created = StaffAlert.objects.get_or_create(
        appointment=appointment,
        kind=StaffAlert.Kind.URGENT,
        defaults={"message": f"Urgent screening for {name}: phone the patient today."[:300]},
    )
    if created:
        email_staff_alert(alert.pk)
