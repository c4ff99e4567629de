"""What intake adds to the bookings pages, registered through `bookings.extensions` at start-up.

bookings cannot import intake, so intake tells it where a held slot goes next (the health questions),
where a patient staff booked for fills in the form, what the appointment page shows of the clinical
record (the screening outcome, the review link), and which timed effects an appointment's change calls
for (review deadlines, the check-in request, whose "still wanted?" check it registers with the outbox).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from bookings import extensions
from bookings.models import Appointment, Status
from bookings.permissions import can_manage_appointments, is_own_appointment
from bookings.selectors import clinic_zone
from clinic.outbox import wanted

from .models import ScreeningResult
from .questionnaire import check_in_requests, kiosk
from .review.tasks import schedule_review_deadlines


def appointment_next_step(appointment: Appointment) -> str | None:
    """A held slot is confirmed by answering the health questions (or the check-in)."""
    if appointment.status != Status.HELD:
        return None
    return reverse("intake:appointment-start", args=[appointment.pk])


def appointment_health_form(appointment: Appointment) -> str:
    """Where a patient staff booked for answers the health questions (or the check-in) for it."""
    return reverse("intake:appointment-start", args=[appointment.pk])


def patient_health_form() -> str:
    """Where a patient the desk registered fills in the health form before any booking."""
    return reverse("intake:mine")


def appointment_screening_panels(appointment: Appointment, user) -> list[extensions.AppointmentPanel]:
    """The screening outcome for whoever may see the appointment (front desk sees the outcome, never the
    answers); for the patient, the way on: the health questions, or the review of a flagged booking."""
    screening = ScreeningResult.objects.filter(appointment=appointment).first()
    is_own = is_own_appointment(user, appointment)
    start_url = review_url = None
    if is_own and screening is None and appointment.is_active and appointment.status != Status.CONFIRMED:
        start_url = reverse("intake:appointment-start", args=[appointment.pk])
    if is_own and screening is not None and appointment.status in (Status.PENDING_REVIEW, Status.DECLINED):
        review_url = reverse("intake:review-status", args=[appointment.pk])
    if screening is None and start_url is None:
        return []
    return [
        extensions.AppointmentPanel(
            "intake/includes/appointment_screening.html",
            {
                "screening": screening,
                "start_url": start_url,
                "review_url": review_url,
                "waiting_for_review": appointment.status == Status.PENDING_REVIEW,
            },
        )
    ]


def arrival_follow_up(appointment: Appointment) -> str | None:
    """After the desk marks a patient arrived: the page to start their health form or check-in on the
    clinic tablet, when one is due."""
    if kiosk.form_due(appointment) is None:
        return None
    return reverse("intake:kiosk-start", args=[appointment.pk])


def appointment_kiosk_panels(appointment: Appointment, user) -> list[extensions.AppointmentPanel]:
    """For the desk, on the visit's page: the way to start the health form or check-in on the clinic
    tablet, while the patient is here (arrived today) and one is due."""
    if not (can_manage_appointments(user) and appointment.arrived_at is not None):
        return []
    tz = clinic_zone()
    if appointment.start.astimezone(tz).date() != timezone.now().astimezone(tz).date():
        return []
    due = kiosk.form_due(appointment)
    if due is None:
        return []
    return [
        extensions.AppointmentPanel(
            "intake/kiosk/panel.html",
            {"due": due, "start_url": reverse("intake:kiosk-start", args=[appointment.pk])},
        )
    ]


def register() -> None:
    extensions.register_next_step(appointment_next_step)
    extensions.register_health_form(appointment_health_form)
    extensions.register_patient_health_form(patient_health_form)
    extensions.register_appointment_panels(appointment_screening_panels)
    extensions.register_arrival_follow_up(arrival_follow_up)
    extensions.register_appointment_panels(appointment_kiosk_panels)
    extensions.register_timed_effects(schedule_review_deadlines)
    extensions.register_timed_effects(check_in_requests.check_in_request_sync)
    wanted.register(check_in_requests.CHECK_IN_REQUEST, check_in_requests.check_in_request_still_wanted)
