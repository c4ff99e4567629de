"""Emails to patients about their appointments: outbox rows written in the transaction that makes
the change, sent by the outbox's task once it commits (`clinic.outbox`). Each is unique per
(appointment, kind, calendar SEQUENCE), so one change is told once."""

from __future__ import annotations

from django.urls import reverse

from clinic.outbox.emails import absolute_url, email_subject, render_email
from clinic.outbox.services import Attachment, outbox_enqueue
from clinic.roles import FRONT_DESK, role_emails

from . import extensions
from .ics import appointment_ics
from .models import Appointment, Status
from .selectors import clinic_zone

CONFIRMED = "confirmed"
CHANGED = "changed"
CANCELLED = "cancelled"
# Cancelled by the clinic because it closes that day, or because the therapist is away then.
CLOSURE = "cancelled_closure"
TIME_OFF = "cancelled_time_off"
BOOKED_FOR_YOU = "booked_for_you"

SUBJECTS = {
    CONFIRMED: "Your appointment is confirmed",
    CHANGED: "Your appointment has moved",
    CANCELLED: "Your appointment is cancelled",
    CLOSURE: "Your appointment is cancelled: the clinic is closed that day",
    TIME_OFF: "Your appointment is cancelled: your therapist is away that day",
    BOOKED_FOR_YOU: "We have booked an appointment for you: please fill in your health form",
}
CANCELLATIONS = frozenset({CANCELLED, CLOSURE, TIME_OFF})


def _clinic_reason(appointment: Appointment) -> str:
    """The reason the clinic gave for cancelling (a closure, say). Not a declined case's reason,
    which is clinical and told by the reviewer, nor the patient's own note back to them."""
    if appointment.status != Status.CANCELLED or appointment.cancelled_by_id == appointment.patient_id:
        return ""
    return appointment.cancel_reason


def _context(appointment: Appointment, kind: str) -> dict:
    tz = clinic_zone()
    return {
        "appointment": appointment,
        "kind": kind,
        "cancelled": kind in CANCELLATIONS,
        "local_start": appointment.start.astimezone(tz),
        "local_end": appointment.end.astimezone(tz),
        "time_zone": tz.key,
        "greeting_name": appointment.patient.first_name or appointment.patient.email,
        "appointment_url": absolute_url(reverse("bookings:appointment-detail", args=[appointment.pk])),
    }


def queue_appointment_email(appointment_id: int, *, kind: str, previous: dict | None = None) -> None:
    """Queue the text and HTML email with the .ics attached, in the caller's transaction (call it
    inside the one that changes the appointment). One per appointment, kind and calendar SEQUENCE. For
    a move, `previous` ({"start", "therapist"}: the old UTC start and therapist's name) lets the email
    say what it was and what it is now."""
    appointment = Appointment.objects.select_related("patient", "therapist", "service").get(pk=appointment_id)
    context = _context(appointment, kind)
    context.update(
        {
            "previous_start": previous["start"].astimezone(clinic_zone()) if previous else None,
            "previous_therapist": previous["therapist"] if previous else "",
            "clinic_reason": _clinic_reason(appointment),
        }
    )
    body_text, body_html = render_email("bookings/email/appointment", context)
    method = "CANCEL" if kind in CANCELLATIONS else "REQUEST"
    outbox_enqueue(
        kind=f"appointment.{kind}",
        appointment=appointment,
        event=f"sequence-{appointment.sequence}",
        to=appointment.patient.email,
        subject=email_subject(SUBJECTS[kind]),
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
        subject=email_subject("Appointment cancelled: a patient closed their account"),
        body_text=body_text,
        body_html=body_html,
    )


def queue_booked_for_you_email(appointment_id: int) -> None:
    """Tell a patient that staff booked for them and link them to the health form that confirms it
    (the page intake registers through `extensions`; without one, the appointment page). No calendar
    file yet: the time is not confirmed until the form is in."""
    appointment = Appointment.objects.select_related("patient", "therapist", "service").get(pk=appointment_id)
    context = _context(appointment, BOOKED_FOR_YOU)
    form_path = extensions.health_form_url(appointment)
    context["form_url"] = absolute_url(form_path) if form_path else context["appointment_url"]
    body_text, body_html = render_email("bookings/email/booked_for_you", context)
    outbox_enqueue(
        kind=f"appointment.{BOOKED_FOR_YOU}",
        appointment=appointment,
        event=f"sequence-{appointment.sequence}",
        to=appointment.patient.email,
        subject=email_subject(SUBJECTS[BOOKED_FOR_YOU]),
        body_text=body_text,
        body_html=body_html,
    )
