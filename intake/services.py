"""Writes to the clinical record: saving and submitting intakes, check-ins, and screening a booking.

Screening decides what happens to the appointment, through the booking services (intake never writes
an appointment itself): clear -> confirmed; review or blocked -> pending review; urgent -> refused,
with an alert to staff at once.
"""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Appointment, Status
from bookings.selectors import clinic_zone
from clinic.models import ClinicPolicy

from . import screening
from .forms import STEPS
from .models import CheckIn, Intake, Outcome, RuleSet, ScreeningResult, StaffAlert
from .selectors import current_rule_set, load_active_rules, rule_set_snapshot

log = logging.getLogger(__name__)


class IntakeError(ValidationError):
    pass


def intake_start(*, patient) -> Intake:
    """The patient's draft, or a new one. A new draft starts from the last submitted answers, so a
    returning patient only corrects what changed."""
    draft = Intake.objects.filter(patient=patient, status=Intake.Status.DRAFT).first()
    if draft:
        return draft
    last = (
        Intake.objects.filter(patient=patient, status=Intake.Status.SUBMITTED)
        .order_by("-submitted_at")
        .first()
    )
    answers = dict(last.answers) if last else {}
    for per_visit in ("unwell_today", "accuracy", "informed_consent", "privacy"):
        answers.pop(per_visit, None)  # asked afresh every time
    return Intake.objects.create(patient=patient, answers=answers)


def intake_save_step(*, intake: Intake, step: int, answers: dict) -> Intake:
    """Merge one step's answers into the draft. Only drafts can change: a submitted intake is a record."""
    with transaction.atomic():
        current = Intake.objects.select_for_update().get(pk=intake.pk)
        if current.status != Intake.Status.DRAFT:
            raise IntakeError(
                "This health form was already sent and can no longer be changed.", code="submitted"
            )
        current.answers = {**current.answers, **answers}
        current.step = max(current.step, step + 1)
        current.save(update_fields=["answers", "step", "updated_at"])
    intake.refresh_from_db()
    return intake


def intake_missing_steps(intake: Intake, *, user) -> list[int]:
    """Steps whose saved answers do not pass their form's checks (none, when the intake is complete)."""
    missing = []
    for index, form_class in enumerate(STEPS):
        form = form_class(
            data=_as_form_data(form_class, intake.answers, user), answers=intake.answers, user=user
        )
        if not form.is_valid():
            missing.append(index)
    return missing


def _as_form_data(form_class, answers: dict, user) -> dict:
    from .forms import _from_json

    data: dict = {}
    for key, value in answers.items():
        value = _from_json(value)
        if value is None:
            continue
        if value is True:
            value = "on"
        data[key] = value
    return data


def intake_submit(*, intake: Intake, user) -> Intake:
    """Sign and send the intake. Every step must be complete; the signature is the typed name and now."""
    missing = intake_missing_steps(intake, user=user)
    if missing:
        raise IntakeError("Some steps are not complete yet.", code="incomplete", params={"steps": missing})
    with transaction.atomic():
        current = Intake.objects.select_for_update().get(pk=intake.pk)
        if current.status != Intake.Status.DRAFT:
            return current
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
    last = (
        Intake.objects.filter(patient=patient, status=Intake.Status.SUBMITTED)
        .order_by("-submitted_at")
        .first()
    )
    if last is None:
        return None
    submitted = last.submitted_at.astimezone(clinic_zone()).date()
    year, month = divmod(submitted.month - 1 + months, 12)
    try:
        expires = submitted.replace(year=submitted.year + year, month=month + 1)
    except ValueError:  # 31st of a shorter month
        expires = submitted.replace(year=submitted.year + year, month=month + 2, day=1)
    return last if on < expires else None


def appointment_screen(
    *,
    appointment: Appointment,
    intake: Intake,
    check_in: CheckIn | None = None,
    extra_answers: dict | None = None,
) -> ScreeningResult:
    """Screen the intake's answers against the appointment's date with the current rules, store the
    result with the rule-set version, and move the appointment accordingly."""
    on_date = appointment.start.astimezone(clinic_zone()).date()
    answers = {**intake.answers, **(extra_answers or {})}
    rule_set = current_rule_set()
    result = screening.screen(answers, load_active_rules(), on_date)
    data = result.as_json()
    with transaction.atomic():
        stored, _ = ScreeningResult.objects.update_or_create(
            appointment=appointment,
            defaults={
                "intake": intake,
                "check_in": check_in,
                "rule_set": rule_set,
                "outcome": result.outcome,
                "flags": data["flags"],
                "techniques_ruled_out": data["techniques_ruled_out"],
                "screened_on": on_date,
            },
        )
        if appointment.status == Status.HELD:
            if result.outcome == Outcome.CLEAR:
                booking_services.appointment_confirm(appointment=appointment, by=intake.patient)
            elif result.outcome in (Outcome.REVIEW, Outcome.BLOCKED):
                booking_services.appointment_hold_for_review(appointment=appointment, by=intake.patient)
            else:
                booking_services.appointment_refuse(
                    appointment=appointment,
                    by=intake.patient,
                    reason="Urgent warning signs in the health form",
                )
                alert = StaffAlert.objects.create(
                    appointment=appointment,
                    message=f"Urgent screening for {intake.patient}: phone the patient today.",
                )
                transaction.on_commit(lambda: _email_staff_alert(alert.pk))
    return stored


def _email_staff_alert(alert_id: int) -> None:
    alert = StaffAlert.objects.select_related("appointment__therapist__user").get(pk=alert_id)
    User = get_user_model()
    recipients = set(
        User.objects.filter(
            Q(groups__name="Clinic admins") | Q(is_superuser=True), is_active=True
        ).values_list("email", flat=True)
    )
    recipients.add(alert.appointment.therapist.user.email)
    try:
        send_mail(
            subject="URGENT: a patient's health form needs a phone call today",
            message=(
                f"{alert.message}\n\nThe booking was refused automatically. Open the staff pages to see the "
                "case. No health details are included in this email."
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=sorted(recipients),
        )
    except Exception:  # noqa: BLE001 - the alert row is stored and shown on the staff pages regardless
        log.exception("Could not email staff alert %s", alert_id)


def check_in_submit(
    *, appointment: Appointment, intake: Intake, health_changed: bool, unwell_today: bool
) -> CheckIn | None:
    """The short check-in. A change in health re-opens the full form (returns None); otherwise the valid
    intake is screened again against this appointment's date, together with today's answer."""
    if health_changed:
        return None
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


def rule_set_bump(*, by=None, note: str = "") -> RuleSet:
    """A new rule-set version after an admin edit; the old versions and their snapshots stay."""
    with transaction.atomic():
        last = RuleSet.objects.select_for_update().order_by("-version").first()
        return RuleSet.objects.create(
            version=(last.version + 1) if last else 1,
            created_by=by,
            note=note[:200],
            snapshot=rule_set_snapshot(),
        )
