"""The emails screening sends: the urgent alert to staff, and "waiting for review" to the patient and
to the therapist who reviews the case. Rendered from `templates/intake/email/` (text and HTML, on the
clinic's base). None names a condition or an answer, nor (to staff) the patient: the link leads to
the staff page, where only those allowed see the case. Each is an outbox row written in the caller's
transaction."""

from __future__ import annotations

from django.urls import reverse

from bookings.selectors import clinic_zone
from clinic import roles
from clinic.outbox.emails import absolute_url, email_subject, render_email
from clinic.outbox.services import outbox_enqueue

from ..models import ScreeningResult, StaffAlert


def alert_url(alert: StaffAlert) -> str:
    """The alert's page as an absolute link, for emails."""
    return absolute_url(reverse("intake:alert", args=[alert.pk]))


def _when(appointment) -> dict:
    tz = clinic_zone()
    return {"appointment": appointment, "local_start": appointment.start.astimezone(tz), "time_zone": tz.key}


def email_staff_alert(alert_id: int) -> None:
    """To clinic admins and the appointment's therapist: phone the patient today. Names no condition,
    no answer and no patient: the link leads to the alert page."""
    alert = StaffAlert.objects.select_related("appointment__therapist__user", "appointment__service").get(
        pk=alert_id
    )
    appointment = alert.appointment
    recipients = set(roles.role_emails(roles.CLINIC_ADMINS))
    if appointment.therapist.user.email:
        recipients.add(appointment.therapist.user.email)
    body_text, body_html = render_email(
        "intake/email/urgent_alert", {**_when(appointment), "alert_url": alert_url(alert)}
    )
    outbox_enqueue(
        kind="screening.urgent",
        appointment=appointment,
        event=f"alert-{alert_id}",
        to=sorted(recipients),
        subject=email_subject("URGENT: a patient's health form needs a phone call today"),
        body_text=body_text,
        body_html=body_html,
    )


def email_waiting_for_review(result_id: int) -> None:
    """A flagged booking now waits for a person: the patient is told it is kept and will be decided,
    the appointment's therapist that a case needs their review (with the link to it). Once per
    screening that put the booking in review (`event` is the screening's time)."""
    result = ScreeningResult.objects.select_related(
        "appointment__patient", "appointment__therapist__user", "appointment__service"
    ).get(pk=result_id)
    appointment = result.appointment
    patient = appointment.patient
    event = f"screening-{result.pk}-{result.screened_at:%Y%m%dT%H%M%S.%f}"
    text, html = render_email(
        "intake/email/review_waiting",
        {
            **_when(appointment),
            "greeting_name": patient.first_name or patient.email,
            "status_url": absolute_url(reverse("intake:review-status", args=[appointment.pk])),
        },
    )
    outbox_enqueue(
        kind="review.waiting",
        appointment=appointment,
        event=event,
        to=patient.email,
        subject=email_subject("A therapist will review your health form"),
        body_text=text,
        body_html=html,
    )
    therapist = appointment.therapist
    if not therapist.user.email:
        return
    text, html = render_email(
        "intake/email/review_waiting_therapist",
        {
            **_when(appointment),
            "greeting_name": therapist.display_name,
            "case_url": absolute_url(reverse("intake:review-case", args=[result.pk])),
        },
    )
    outbox_enqueue(
        kind="review.waiting_therapist",
        appointment=appointment,
        event=event,
        to=therapist.user.email,
        subject=email_subject("A case needs your review"),
        body_text=text,
        body_html=html,
    )
