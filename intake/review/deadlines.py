"""Review deadlines: escalate a case nobody decided in time, release it when the appointment starts."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bookings import services as booking_services
from clinic.models import ClinicPolicy

from ..models import ScreeningResult, StaffAlert
from .emails import email_admins_escalation, email_patient_released, local_time
from .selectors import is_open_case, latest_decision, open_cases

log = logging.getLogger(__name__)

NOT_REVIEWED_IN_TIME = "not reviewed in time"


def review_deadlines_run(*, now: datetime | None = None) -> dict[str, int]:
    """Escalate open cases that reach the policy's deadline before their appointment (once: an alert
    and an email to clinic admins), and release those still open when the appointment starts (declined,
    slot freed, the patient emailed). Running it again changes and sends nothing more."""
    now = now or timezone.now()
    deadline = timedelta(hours=ClinicPolicy.get().review_deadline_hours)
    escalated = released = 0

    due = open_cases().filter(
        escalated_at__isnull=True,
        appointment__start__lte=now + deadline,
        appointment__start__gt=now,
    )
    for result_id in list(due.values_list("pk", flat=True)):
        if _escalate(result_id=result_id, now=now):
            escalated += 1

    overdue = open_cases().filter(appointment__start__lte=now)
    for result_id in list(overdue.values_list("pk", flat=True)):
        try:
            if _release(result_id=result_id):
                released += 1
        except ValidationError:
            log.exception("Could not release the appointment of screening result %s", result_id)
    return {"escalated": escalated, "released": released}


def _escalate(*, result_id: int, now: datetime) -> bool:
    with transaction.atomic():
        # The conditional update is the once-only guard, even with two runs at the same moment.
        if not ScreeningResult.objects.filter(pk=result_id, escalated_at__isnull=True).update(
            escalated_at=now
        ):
            return False
        result = ScreeningResult.objects.select_related("appointment__therapist").get(pk=result_id)
        appointment = result.appointment
        alert = StaffAlert.objects.create(
            appointment=appointment,
            kind=StaffAlert.Kind.OVERDUE,
            message=(
                f"Review overdue: the flagged case for {local_time(appointment.start)} with "
                f"{appointment.therapist} is not decided yet."
            )[:300],
        )
        email_admins_escalation(alert.pk)
    return True


def _release(*, result_id: int) -> bool:
    with transaction.atomic():
        result = ScreeningResult.objects.select_for_update().select_related("appointment").get(pk=result_id)
        appointment = result.appointment
        if not is_open_case(appointment, latest_decision(result)):
            return False
        # The release email below tells the patient and cancels the calendar entry: one email, not two.
        booking_services.appointment_decline(
            appointment=appointment, reason=NOT_REVIEWED_IN_TIME, notify=False
        )
        StaffAlert.objects.create(
            appointment=appointment,
            kind=StaffAlert.Kind.RELEASED,
            message=f"Released: the flagged case for {local_time(appointment.start)} was not reviewed in time."[
                :300
            ],
        )
        email_patient_released(appointment.pk)
    return True
