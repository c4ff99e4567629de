"""Emails to patients about their appointments, sent after the transaction commits."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from .ics import appointment_ics
from .models import Appointment, Status
from .selectors import clinic_zone

log = logging.getLogger(__name__)

SUBJECTS = {
    "confirmed": "Your appointment is confirmed",
    "changed": "Your appointment has moved",
    "cancelled": "Your appointment is cancelled",
}


def _clinic_reason(appointment: Appointment) -> str:
    """The reason the clinic gave for cancelling (a closure, say). Not a declined case's reason,
    which is clinical and told by the reviewer, nor the patient's own note back to them."""
    if appointment.status != Status.CANCELLED or appointment.cancelled_by_id == appointment.patient_id:
        return ""
    return appointment.cancel_reason


def send_appointment_email(appointment_id: int, *, kind: str, previous: dict | None = None) -> None:
    """Text and HTML email with the .ics attached. A mail failure is logged, never raised to the page:
    the booking itself is already stored. For a move, `previous` ({"start", "therapist"}: the old UTC
    start and therapist's name) lets the email say what it was and what it is now."""
    appointment = Appointment.objects.select_related("patient", "therapist", "service").get(pk=appointment_id)
    tz = clinic_zone()
    context = {
        "appointment": appointment,
        "kind": kind,
        "local_start": appointment.start.astimezone(tz),
        "local_end": appointment.end.astimezone(tz),
        "time_zone": tz.key,
        "clinic_name": settings.CLINIC_NAME,
        "previous_start": previous["start"].astimezone(tz) if previous else None,
        "previous_therapist": previous["therapist"] if previous else "",
        "clinic_reason": _clinic_reason(appointment),
    }
    message = EmailMultiAlternatives(
        subject=f"{SUBJECTS[kind]} - {settings.CLINIC_NAME}",
        body=render_to_string("bookings/email/appointment.txt", context),
        to=[appointment.patient.email],
    )
    message.attach_alternative(render_to_string("bookings/email/appointment.html", context), "text/html")
    method = "CANCEL" if kind == "cancelled" else "REQUEST"
    message.attach("appointment.ics", appointment_ics(appointment), f"text/calendar; method={method}")
    try:
        message.send()
    except Exception:  # logged; the appointment is already stored
        log.exception("Could not send the %s email for appointment %s", kind, appointment_id)
