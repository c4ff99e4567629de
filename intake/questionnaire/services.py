"""Writes to the patient's health form: starting, saving and submitting an intake, and the check-in."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Appointment, Status
from bookings.reminders import wall_clock_before
from bookings.selectors import clinic_zone
from clinic.errors import DomainError
from clinic.inputs import clean_text
from clinic.models import ClinicPolicy

from ..models import CheckIn, Intake, ScreeningResult
from ..screening.services import appointment_screen
from . import questions as q
from . import steps

log = logging.getLogger(__name__)


class IntakeError(DomainError):
    """An intake rule refused the request; `code` says which."""


PER_VISIT_ANSWERS = ("unwell_today", q.VISIT_DAY_ANSWERED_FOR, "accuracy", "informed_consent", "privacy")


def _draft_of(patient) -> Intake | None:
    return Intake.objects.filter(patient=patient, status=Intake.Status.DRAFT).first()


def intake_prefill(*, patient) -> dict:
    """The answers a new draft starts from: the last submitted ones, so a returning patient only
    corrects what changed, without the answers asked afresh every time."""
    last = Intake.objects.submitted_by(patient).first()
    answers = dict(last.answers) if last else {}
    for per_visit in PER_VISIT_ANSWERS:
        answers.pop(per_visit, None)
    return answers


# The longest free-text answer any step's form allows; the service holds it too.
ANSWER_MAX_LENGTH = 2000


def _clean_answer(key: str, value):
    """Text answers normalised by `clean_text` (lists of choices too) and bounded in length."""
    if isinstance(value, list):
        return [_clean_answer(key, item) for item in value]
    if not isinstance(value, str):
        return value
    value = clean_text(value)
    if len(value) > ANSWER_MAX_LENGTH:
        raise IntakeError(
            "An answer is %(limit)s characters at most.",
            code="answer_too_long",
            params={"limit": ANSWER_MAX_LENGTH, "key": key},
        )
    return value


def intake_for_editing(*, patient) -> Intake:
    """What the form shows: the patient's draft, or an unsaved one prefilled from the last intake.
    A read: opening the form writes nothing; the first saved step makes the draft."""
    return _draft_of(patient) or Intake(patient=patient, answers=intake_prefill(patient=patient))


def intake_start(*, patient) -> Intake:
    """The patient's draft, or a new one prefilled from the last submitted intake. Two requests at
    once (a double click, two tabs) share one draft: the one-draft constraint has the final word."""
    draft = _draft_of(patient)
    if draft:
        return draft
    try:
        with transaction.atomic():
            draft = _draft_of(patient)
            if draft:
                return draft
            return Intake.objects.create(patient=patient, answers=intake_prefill(patient=patient))
    except IntegrityError:
        draft = _draft_of(patient)
        if draft is None:
            raise
        return draft


def _locked_draft(patient) -> Intake:
    """The patient's draft (made if need be), row-locked; refused if another tab sent it meanwhile.
    Call inside a transaction."""
    draft = intake_start(patient=patient)
    current = Intake.objects.select_for_update().get(pk=draft.pk)
    if current.status != Intake.Status.DRAFT:
        raise IntakeError("This health form was already sent and can no longer be changed.", code="submitted")
    return current


def intake_save_step(*, patient, step: int, answers: dict, appointment: Appointment | None = None) -> Intake:
    """Merge one step's answers into the patient's draft (made on the first save), and renew the hold
    of the booking the form is filled in for: one transaction. A submitted intake is a record.
    Text answers are normalised and bounded (`_clean_answer`)."""
    answers = {key: _clean_answer(key, value) for key, value in answers.items()}
    with transaction.atomic():
        current = _locked_draft(patient)
        current.answers = {**current.answers, **answers}
        current.step = max(current.step, step + 1)
        current.save(update_fields=["answers", "step", "updated_at"])
        if appointment is not None:
            booking_services.appointment_extend_hold(appointment=appointment)
    return current


def intake_note_visit_day(*, patient, appointment: Appointment, unwell: bool) -> Intake:
    """A check-in that found a change re-opens the form (the patient's draft, made if need be) with the
    visit-day answer just given kept for that appointment, so the form does not ask it a second time."""
    with transaction.atomic():
        current = _locked_draft(patient)
        current.answers = {
            **current.answers,
            q.UNWELL_TODAY.key: unwell,
            q.VISIT_DAY_ANSWERED_FOR: appointment.pk,
        }
        current.save(update_fields=["answers", "updated_at"])
    return current


def intake_missing_steps(intake: Intake, *, user) -> list[int]:
    """Steps whose saved answers are not complete and consistent (none, when the intake is): the
    same rules the step forms apply (steps.py), judged today against the account's name."""
    return steps.missing_steps(
        intake.answers,
        today=timezone.localdate(),
        account_name=user.get_full_name() if user else "",
    )


def intake_submit(*, intake: Intake, user) -> Intake:
    """Sign and send the intake. Every step must be complete; the signature is the typed name and now."""
    with transaction.atomic():
        current = Intake.objects.select_for_update().get(pk=intake.pk)
        if current.status != Intake.Status.DRAFT:
            return current
        missing = intake_missing_steps(current, user=user)
        if missing:
            raise IntakeError(
                "Some steps are not complete yet.", code="incomplete", params={"steps": missing}
            )
        now = timezone.now()
        current.status = Intake.Status.SUBMITTED
        current.submitted_at = now
        current.signed_at = now
        current.signature_name = current.answers.get("signature_name", "")
        current.guardian_name = current.answers.get("guardian_name", "") or ""
        current.guardian_signature = current.answers.get("guardian_signature", "") or ""
        current.save()
    intake.refresh_from_db()
    return intake


def valid_intake_for(patient, *, on: date | None = None) -> Intake | None:
    """The newest submitted intake still inside the policy's validity (12 months by default)."""
    on = on or timezone.localdate()
    months = ClinicPolicy.get().intake_validity_months
    last = Intake.objects.submitted_by(patient).first()
    if last is None:
        return None
    submitted = last.submitted_at.astimezone(clinic_zone()).date()
    year, month = divmod(submitted.month - 1 + months, 12)
    try:
        expires = submitted.replace(year=submitted.year + year, month=month + 1)
    except ValueError:  # 31st of a shorter month
        expires = submitted.replace(year=submitted.year + year, month=month + 2, day=1)
    return last if on < expires else None


HOLD_LAPSED_MESSAGE = (
    "Your held time lapsed while you answered, and has been released: please pick a time again. "
    "Your answers are kept; you will not need to give them again."
)


def appointment_needs_screening(appointment: Appointment) -> bool:
    """A held booking, or one the front desk set to wait for review before any health form came in."""
    if appointment.status == Status.HELD:
        return True
    return (
        appointment.status == Status.PENDING_REVIEW
        and not ScreeningResult.objects.filter(appointment=appointment).exists()
    )


def check_in_open(appointment: Appointment, *, now: datetime | None = None) -> bool:
    """A confirmed visit takes the short check-in again before it happens: from the policy's
    `check_in_hours` before it (when the check-in request email goes out) until it starts."""
    hours = ClinicPolicy.get().check_in_hours
    if appointment.status != Status.CONFIRMED or not hours:
        return False
    now = now or timezone.now()
    return wall_clock_before(appointment.start, hours) <= now < appointment.start


def appointment_waiting_for_intake(*, patient) -> Appointment | None:
    """The patient's newest booking that waits for their health form: a hold still running, or one
    the front desk set to wait for review before any form came in."""
    now = timezone.now()
    return (
        Appointment.objects.filter(patient=patient, start__gt=now, screening__isnull=True)
        .filter(Q(status=Status.HELD, hold_expires_at__gt=now) | Q(status=Status.PENDING_REVIEW))
        .order_by("-created_at")
        .first()
    )


def _keep_hold(appointment: Appointment) -> bool:
    """Renew a held booking's hold for the screening that follows; False when it already lapsed."""
    appointment.refresh_from_db()
    if appointment.status != Status.HELD:
        return True
    return booking_services.appointment_extend_hold(appointment=appointment)


@dataclass(frozen=True)
class Sent:
    intake: Intake
    result: ScreeningResult | None = None
    hold_lapsed: bool = False


def intake_send(*, intake: Intake, user, appointment: Appointment | None = None) -> Sent:
    """Sign and send the intake and, when it was filled in for a booking that waits for it (or for a
    confirmed visit whose check-in found a change), screen that booking: one transaction. A hold that
    lapsed meanwhile is not screened, but the intake is still sent, so the patient picks a new time
    without answering again."""
    with transaction.atomic():
        intake = intake_submit(intake=intake, user=user)
        if appointment is not None:
            appointment.refresh_from_db()
        if appointment is None or not (
            appointment_needs_screening(appointment) or check_in_open(appointment)
        ):
            return Sent(intake=intake)
        if not _keep_hold(appointment):
            return Sent(intake=intake, hold_lapsed=True)
        result = appointment_screen(appointment=appointment, intake=intake)
    return Sent(intake=intake, result=result)


def check_in_submit(
    *, appointment: Appointment, intake: Intake, health_changed: bool, unwell_today: bool
) -> CheckIn | None:
    """The short check-in. A change in health re-opens the full form (returns None); otherwise the valid
    intake is screened again against this appointment's date, together with today's answer, in one
    transaction. A hold that lapsed meanwhile is refused (code `hold_lapsed`) and nothing is stored."""
    if health_changed:
        return None
    with transaction.atomic():
        if not _keep_hold(appointment):
            raise IntakeError(HOLD_LAPSED_MESSAGE, code="hold_lapsed")
        check_in, _ = CheckIn.objects.update_or_create(
            appointment=appointment,
            defaults={
                "patient": appointment.patient,
                "intake": intake,
                "health_changed": False,
                "unwell_today": unwell_today,
            },
        )
        appointment_screen(
            appointment=appointment,
            intake=intake,
            check_in=check_in,
            extra_answers={"unwell_today": unwell_today},
        )
    return check_in
