"""Emails to patients about their appointments: outbox rows written in the transaction that makes
the change, sent by the outbox's task once it commits (`clinic.outbox`)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from clinic.outbox.emails import absolute_url, render_email
from clinic.outbox.services import Attachment, outbox_enqueue
from clinic.roles import FRONT_DESK, role_emails

from .ics import appointment_ics
from .models import Appointment, Status
from .selectors import clinic_zone

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


def queue_appointment_email(appointment_id: int, *, kind: str, previous: dict | None = None) -> None:
    """Queue the text and HTML email with the .ics attached, in the caller's transaction (call it
    inside the one that changes the appointment). One per appointment, kind and calendar SEQUENCE. For
    a move, `previous` ({"start", "therapist"}: the old UTC start and therapist's name) lets the email
    say what it was and what it is now."""
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
        "greeting_name": appointment.patient.first_name or appointment.patient.email,
        "appointment_url": absolute_url(reverse("bookings:appointment-detail", args=[appointment.pk])),
    }
    body_text, body_html = render_email("bookings/email/appointment", context)
    method = "CANCEL" if kind == "cancelled" else "REQUEST"
    outbox_enqueue(
        kind=f"appointment.{kind}",
        appointment=appointment,
        event=f"sequence-{appointment.sequence}",
        to=appointment.patient.email,
        subject=f"{SUBJECTS[kind]} - {settings.CLINIC_NAME}",
        body_text=body_text,
        body_html=body_html,
        attachments=[
            Attachment("appointment.ics", appointment_ics(appointment), f"text/calendar; method={method}")
        ],
    )


def queue_account_closed_notice(appointment_id: int) -> None:
    """Tell the appointment's therapist and the front desk that an upcoming appointment was cancelled
    because its patient closed their account, in the caller's transaction. The patient is not emailed
    (their address is gone) and is not named (the account is anonymised in the same transaction)."""
    appointment = Appointment.objects.select_related("therapist__user", "service").get(pk=appointment_id)
    recipients = set(role_emails(FRONT_DESK))
    if appointment.therapist.user.email:
        recipients.add(appointment.therapist.user.email)
    tz = clinic_zone()
    body_text, body_html = render_email(
        "bookings/email/account_closed",
        {
            "appointment": appointment,
            "local_start": appointment.start.astimezone(tz),
            "local_end": appointment.end.astimezone(tz),
            "time_zone": tz.key,
            "day_url": absolute_url(reverse("bookings:front-desk-day")),
        },
    )
    outbox_enqueue(
        kind="appointment.account_closed",
        appointment=appointment,
        event=f"sequence-{appointment.sequence}",
        to=sorted(recipients),
        subject=f"Appointment cancelled: a patient closed their account - {settings.CLINIC_NAME}",
        body_text=body_text,
        body_html=body_html,
    )
