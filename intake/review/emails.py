"""The review emails: to the patient on a decision or a release, to the therapist when a letter arrives,
to clinic admins when a case is overdue. Each is rendered from `templates/intake/email/` (text and
HTML, on the clinic's base) and none carries a health detail: staff follow a link to the case, where
only those allowed see it. Each is an outbox row (`clinic.outbox`) written in the caller's
transaction: call these inside the one that makes the change."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse

from bookings.ics import appointment_ics
from bookings.models import Appointment
from bookings.selectors import clinic_zone
from clinic import roles
from clinic.outbox.emails import absolute_url, email_subject, render_email
from clinic.outbox.services import Attachment, outbox_enqueue

from ..models import ClearanceLetter, Decision, ReviewDecision, ScreeningResult, StaffAlert

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
# The page and the email follow it with the clinic's phone number.
RELEASED_WORDS = (
    "We are sorry: we could not finish reviewing your health form before your appointment, so we "
    "have released the time and your appointment is cancelled. You will not be charged. You are "
    "welcome to book another time."
)


def local_time(moment: datetime) -> str:
    tz = clinic_zone()
    return f"{moment.astimezone(tz):%A %d %B %Y, %H:%M} ({tz.key} time)"


def appointment_context(appointment: Appointment) -> dict:
    """What every review email says about the appointment: its service, therapist and clinic time."""
    tz = clinic_zone()
    return {
        "appointment": appointment,
        "local_start": appointment.start.astimezone(tz),
        "time_zone": tz.key,
    }


def queue(
    *,
    kind: str,
    appointment: Appointment,
    event: str,
    subject: str,
    template: str,
    context: dict,
    to: list[str],
    calendar: tuple[bytes, str] | None = None,
) -> None:
    """Render `template` (text and HTML) and queue it to each recipient. `calendar` (the .ics and its
    METHOD) attaches the appointment's calendar entry. `event` names the occurrence, so it is queued
    once."""
    body_text, body_html = render_email(template, {**appointment_context(appointment), **context})
    attachments = ()
    if calendar is not None:
        content, method = calendar
        attachments = [Attachment("appointment.ics", content, f"text/calendar; method={method}")]
    outbox_enqueue(
        kind=kind,
        appointment=appointment,
        event=event,
        to=to,
        subject=email_subject(subject),
        body_text=body_text,
        body_html=body_html,
        attachments=attachments,
    )


def email_patient_decision(decision_id: int, *, confirmed: bool = False) -> None:
    """The patient's one email about a decision. A decline carries the calendar cancellation; a
    clearance that `confirmed` the appointment carries the calendar entry, as the confirmation would."""
    made = ReviewDecision.objects.select_related(
        "result__appointment__patient", "result__appointment__service", "result__appointment__therapist"
    ).get(pk=decision_id)
    appointment = made.result.appointment
    patient = appointment.patient
    calendar = None
    if made.decision == Decision.DECLINED:
        calendar = (appointment_ics(appointment), "CANCEL")
    elif confirmed:
        calendar = (appointment_ics(appointment), "REQUEST")
    queue(
        kind="review.decision",
        appointment=appointment,
        event=f"decision-{decision_id}",
        subject="Your health form has been reviewed",
        template="intake/email/review_decision",
        context={
            "greeting_name": patient.first_name or patient.email,
            "decision": made.decision,
            "words": PATIENT_WORDS[made.decision],
            "calendar": calendar[1] if calendar else "",
            "status_url": absolute_url(reverse("intake:review-status", args=[appointment.pk])),
        },
        to=[patient.email],
        calendar=calendar,
    )


def case_url(appointment: Appointment) -> str:
    """The staff page of the appointment's case (the review queue should it have none yet)."""
    result_id = ScreeningResult.objects.filter(appointment=appointment).values_list("pk", flat=True).first()
    if result_id is None:
        return absolute_url(reverse("intake:review-queue"))
    return absolute_url(reverse("intake:review-case", args=[result_id]))


def clinic_admin_emails() -> list[str]:
    return roles.role_emails(roles.CLINIC_ADMINS)


def email_therapist_letter(letter_id: int) -> None:
    letter = ClearanceLetter.objects.select_related(
        "appointment__therapist__user", "appointment__service"
    ).get(pk=letter_id)
    appointment = letter.appointment
    queue(
        kind="review.letter",
        appointment=appointment,
        event=f"letter-{letter_id}",
        subject="A clearance letter arrived",
        template="intake/email/review_letter",
        context={
            "greeting_name": appointment.therapist.display_name,
            "case_url": case_url(appointment),
        },
        to=[appointment.therapist.user.email],
    )


def email_admins_escalation(alert_id: int) -> None:
    alert = StaffAlert.objects.select_related("appointment__therapist", "appointment__service").get(
        pk=alert_id
    )
    queue(
        kind="review.overdue",
        appointment=alert.appointment,
        event=f"alert-{alert_id}",
        subject="Review overdue: a flagged case needs a decision",
        template="intake/email/review_overdue",
        context={
            "case_url": case_url(alert.appointment),
            "queue_url": absolute_url(reverse("intake:review-queue")),
        },
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
        subject="Your appointment could not go ahead",
        template="intake/email/review_released",
        context={
            "greeting_name": patient.first_name or patient.email,
            "words": RELEASED_WORDS,
            "book_url": absolute_url(reverse("bookings:service-list")),
        },
        to=[patient.email],
        calendar=(appointment_ics(appointment), "CANCEL"),
    )
