"""Screening a booking: the intake's answers against the current rules, on the appointment's date.

Screening decides what happens to the appointment, through the booking services (intake never writes
an appointment itself): clear -> confirmed; review or blocked -> pending review; urgent -> refused,
with an alert to staff at once.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from bookings import services as booking_services
from bookings.models import Appointment, Status
from bookings.selectors import clinic_zone
from clinic import roles

from ..models import CheckIn, Intake, Outcome, ScreeningResult, StaffAlert
from . import engine
from .rules import current_rule_set, load_active_rules

log = logging.getLogger(__name__)


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
    result = engine.screen(answers, load_active_rules(), on_date)
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
    recipients = set(roles.role_emails(roles.CLINIC_ADMINS))
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
    except Exception:  # the alert row is stored and shown on the staff pages regardless
        log.exception("Could not email staff alert %s", alert_id)
