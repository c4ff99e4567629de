"""Review deadlines: escalate a case nobody decided in time, release it when the appointment starts."""

from __future__ import annotations

import copy
import logging
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bookings import services as booking_services
from clinic.audit.trail import acting_as, record_bulk_update
from clinic.models import ClinicPolicy

from ..models import ScreeningResult, StaffAlert
from .emails import email_admins_escalation, email_patient_released, local_time
from .selectors import is_open_case, latest_decision, open_cases

log = logging.getLogger(__name__)

NOT_REVIEWED_IN_TIME = "not reviewed in time"


def review_deadlines_run(*, now: datetime | None = None) -> dict[str, int]:
    """Escalate open cases that reach the policy's deadline before their appointment (once: an alert
    and an email to clinic admins), and release those still open when the appointment starts (declined,
    slot freed, the patient emailed). Running it again changes and sends nothing more.

    The worker does the same per case at the right moment (`intake.review.tasks`); this sweep over all
    cases is the manual tool (`manage.py review_deadlines`)."""
    now = now or timezone.now()
    escalated = released = 0
    for result_id in list(_due_for_escalation(now).values_list("pk", flat=True)):
        if _escalate(result_id=result_id, now=now):
            escalated += 1
    for result_id in list(_due_for_release(now).values_list("pk", flat=True)):
        if _release_logged(result_id=result_id):
            released += 1
    return {"escalated": escalated, "released": released}


def review_escalate_if_due(*, appointment_id: int, now: datetime | None = None) -> bool:
    """Escalate the case of one appointment if it is open, not escalated yet, and inside the policy's
    deadline before an appointment that has not started. Returns whether it escalated."""
    now = now or timezone.now()
    due = _due_for_escalation(now).filter(appointment_id=appointment_id).values_list("pk", flat=True).first()
    return due is not None and _escalate(result_id=due, now=now)


def review_release_if_due(*, appointment_id: int, now: datetime | None = None) -> bool:
    """Release the appointment if its case is still open and it has started. Returns whether it did."""
    now = now or timezone.now()
    due = _due_for_release(now).filter(appointment_id=appointment_id).values_list("pk", flat=True).first()
    return due is not None and _release_logged(result_id=due)


def _due_for_escalation(now: datetime):
    deadline = timedelta(hours=ClinicPolicy.get().review_deadline_hours)
    return open_cases().filter(
        escalated_at__isnull=True,
        appointment__start__lte=now + deadline,
        appointment__start__gt=now,
    )


def _due_for_release(now: datetime):
    return open_cases().filter(appointment__start__lte=now)


def _release_logged(*, result_id: int) -> bool:
    try:
        return _release(result_id=result_id)
    except ValidationError:
        log.exception("Could not release the appointment of screening result %s", result_id)
        return False


def _escalate(*, result_id: int, now: datetime) -> bool:
    with transaction.atomic(), acting_as(None):  # the system acts, whoever runs it
        # The conditional update is the once-only guard, even with two runs at the same moment.
        if not ScreeningResult.objects.filter(pk=result_id, escalated_at__isnull=True).update(
            escalated_at=now
        ):
            return False
        result = ScreeningResult.objects.select_related("appointment__therapist").get(pk=result_id)
        before = copy.copy(result)
        before.escalated_at = None
        record_bulk_update([before], escalated_at=now)
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
    with transaction.atomic(), acting_as(None):  # the system acts, whoever runs it
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
