"""The check-in request: the policy's `check_in_hours` (48) before a visit, a patient whose health form
is still valid is emailed a link to the short check-in (has anything changed? unwell on the day?).

It is a notice kept by `bookings.reminders.appointment_notice_sync` (registered as a timed effect in
`intake.extensions`): queued when a visit is confirmed, or when front desk books one for a patient
whose form is on file, moved with the visit and skipped when it ends. When it falls due, its check
skips it if the visit no longer wants it (cancelled, moved, in review) or the form lapsed.
"""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse

from bookings.models import Appointment, Status
from bookings.reminders import appointment_notice_sync, appointment_unchanged, wall_clock_before
from bookings.selectors import clinic_zone
from clinic.models import ClinicPolicy
from clinic.outbox.emails import absolute_url, email_subject, render_email
from clinic.outbox.models import OutboxMessage
from clinic.outbox.services import outbox_enqueue

from ..models import ScreeningResult
from .services import valid_intake_for

CHECK_IN_REQUEST = "intake.check_in"
# A confirmed visit, or a front-desk booking still waiting for the patient's answers.
STATUSES = (Status.CONFIRMED, Status.PENDING_REVIEW)


def _waits_for_check_in(appointment: Appointment) -> bool:
    if appointment.status == Status.CONFIRMED:
        return True
    return (
        appointment.status == Status.PENDING_REVIEW
        and not ScreeningResult.objects.filter(appointment=appointment).exists()
    )


def check_in_request_due(appointment: Appointment) -> datetime | None:
    """When the visit's check-in request goes out (None: none, by policy, state or a form that will
    have lapsed by then, when the full form is asked instead)."""
    if appointment.status not in STATUSES or not _waits_for_check_in(appointment):
        return None
    hours = ClinicPolicy.get().check_in_hours
    if not hours:
        return None
    due = wall_clock_before(appointment.start, hours)
    if valid_intake_for(appointment.patient, on=due.date()) is None:
        return None
    return due


def queue_check_in_request(appointment: Appointment, due: datetime) -> list[OutboxMessage]:
    appointment = Appointment.objects.select_related("patient", "therapist", "service").get(pk=appointment.pk)
    tz = clinic_zone()
    local_start = appointment.start.astimezone(tz)
    body_text, body_html = render_email(
        "intake/email/check_in_request",
        {
            "appointment": appointment,
            "local_start": local_start,
            "time_zone": tz.key,
            "greeting_name": appointment.patient.first_name or appointment.patient.email,
            "check_in_url": absolute_url(reverse("intake:check-in", args=[appointment.pk])),
        },
    )
    return outbox_enqueue(
        kind=CHECK_IN_REQUEST,
        appointment=appointment,
        due_at=due,
        event=f"{due.isoformat()}|sequence-{appointment.sequence}",
        to=appointment.patient.email,
        subject=email_subject(
            f"Two questions before your visit on {local_start:%A} {local_start.day} {local_start:%B}"
        ),
        body_text=body_text,
        body_html=body_html,
    )


def check_in_request_sync(appointment: Appointment) -> None:
    appointment_notice_sync(
        appointment,
        kind=CHECK_IN_REQUEST,
        due=check_in_request_due(appointment),
        queue=queue_check_in_request,
    )


def check_in_request_still_wanted(message: OutboxMessage) -> str:
    reason = appointment_unchanged(message, statuses=STATUSES)
    if reason:
        return reason
    if not _waits_for_check_in(message.appointment):
        return "The appointment is waiting for a therapist's review."
    if valid_intake_for(message.appointment.patient) is None:
        return "The patient's health form is no longer valid: the full form is asked instead."
    return ""
