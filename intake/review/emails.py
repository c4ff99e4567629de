"""The review emails: to the patient on a decision or a release, to the therapist when a letter arrives,
to clinic admins when a case is overdue. None of them carries a health detail. Each is an outbox row
(`clinic.outbox`) written in the caller's transaction: call these inside the one that makes the change."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from bookings.ics import appointment_ics
from bookings.models import Appointment
from bookings.selectors import clinic_zone
from clinic import roles
from clinic.outbox.services import Attachment, outbox_enqueue

from ..models import ClearanceLetter, Decision, ReviewDecision, StaffAlert

# What each decision means to the patient, in plain words and without clinical details. Used by the
# email and by the patient's review-status page, so the two always say the same.
PATIENT_WORDS: dict[str, str] = {
    Decision.CLEARED: (
        "A therapist has reviewed your health form and your appointment is confirmed. "
        "We look forward to seeing you."
    ),
    Decision.CLEARED_WITH_RESTRICTIONS: (
        "A therapist has reviewed your health form and your appointment is confirmed. "
        "Your therapist will adapt the session to your health and will talk it through with you "
        "before you start."
    ),
    Decision.NEEDS_CLEARANCE: (
        "Before we can confirm your appointment we need a short letter from your doctor saying that "
        "this treatment is suitable for you. Please sign in, open the appointment and upload the letter "
        "(PDF, JPG or PNG, up to 10 MB). We keep the time for you until the appointment starts."
    ),
    Decision.DECLINED: (
        "After reviewing your health form, we are sorry that we cannot offer this treatment at the "
        "moment, so your appointment is cancelled and you will not be charged. Please speak to your "
        "doctor (GP), who can advise you on the right care for you. You are welcome to contact us or "
        "book again once your doctor has advised you."
    ),
}
RELEASED_WORDS = (
    "We are sorry: we could not finish reviewing your health form before your appointment, so we "
    "have released the time and your appointment is cancelled. You will not be charged. Please phone "
    "the clinic or book another time."
)


def local_time(moment: datetime) -> str:
    tz = clinic_zone()
    return f"{moment.astimezone(tz):%A %d %B %Y, %H:%M} ({tz.key} time)"


def email_patient_decision(decision_id: int) -> None:
    """The patient's one email about a decision; a decline carries the calendar cancellation too."""
    made = ReviewDecision.objects.select_related(
        "result__appointment__patient", "result__appointment__service", "result__appointment__therapist"
    ).get(pk=decision_id)
    appointment = made.result.appointment
    patient = appointment.patient
    body = (
        f"Hello {patient.first_name or patient.email},\n\n"
        f"About your {appointment.service.name} on {local_time(appointment.start)}:\n\n"
        f"{PATIENT_WORDS[made.decision]}\n\n"
        "You can see this at any time under My appointments on our website.\n\n"
        f"{settings.CLINIC_NAME}\n"
    )
    queue(
        kind="review.decision",
        appointment=appointment,
        event=f"decision-{decision_id}",
        subject=f"Your health form has been reviewed - {settings.CLINIC_NAME}",
        body=body,
        to=[patient.email],
        calendar=appointment_ics(appointment) if made.decision == Decision.DECLINED else None,
    )


def queue(
    *,
    kind: str,
    appointment: Appointment,
    event: str,
    subject: str,
    body: str,
    to: list[str],
    calendar: bytes | None = None,
) -> None:
    """Queue one plain-text email per recipient; `calendar` attaches an .ics cancelling the
    appointment's entry. `event` names the occurrence, so it is queued once."""
    outbox_enqueue(
        kind=kind,
        appointment=appointment,
        event=event,
        to=to,
        subject=subject,
        body_text=body,
        attachments=[Attachment("appointment.ics", calendar, "text/calendar; method=CANCEL")]
        if calendar
        else (),
    )


def clinic_admin_emails() -> list[str]:
    return roles.role_emails(roles.CLINIC_ADMINS)


def email_therapist_letter(letter_id: int) -> None:
    letter = ClearanceLetter.objects.select_related("appointment__therapist__user").get(pk=letter_id)
    appointment = letter.appointment
    queue(
        kind="review.letter",
        appointment=appointment,
        event=f"letter-{letter_id}",
        subject=f"A clearance letter arrived - {settings.CLINIC_NAME}",
        body=(
            f"A patient uploaded a clearance letter for the appointment on {local_time(appointment.start)}.\n"
            "Open the review queue on the staff pages to read it and decide. "
            "No health details are included in this email."
        ),
        to=[appointment.therapist.user.email],
    )


def email_admins_escalation(alert_id: int) -> None:
    alert = StaffAlert.objects.select_related("appointment").get(pk=alert_id)
    queue(
        kind="review.overdue",
        appointment=alert.appointment,
        event=f"alert-{alert_id}",
        subject=f"Review overdue: a flagged case needs a decision - {settings.CLINIC_NAME}",
        body=(
            f"{alert.message}\n\nIf nobody decides before the appointment starts, the appointment is "
            "released and the patient told. Open the review queue on the staff pages. "
            "No health details are included in this email."
        ),
        to=clinic_admin_emails(),
    )


def email_patient_released(appointment_id: int) -> None:
    """The patient's one email about a release, with the calendar cancellation."""
    appointment = Appointment.objects.select_related("patient", "service", "therapist").get(pk=appointment_id)
    patient = appointment.patient
    queue(
        kind="review.released",
        appointment=appointment,
        event=f"sequence-{appointment.sequence}",
        subject=f"Your appointment could not go ahead - {settings.CLINIC_NAME}",
        body=(
            f"Hello {patient.first_name or patient.email},\n\n"
            f"About your {appointment.service.name} on {local_time(appointment.start)}:\n\n"
            f"{RELEASED_WORDS}\n\n{settings.CLINIC_NAME}\n"
        ),
        to=[patient.email],
        calendar=appointment_ics(appointment),
    )
