"""Staff review of flagged cases: who may see which case, the decisions, clearance letters, deadlines.

A decision moves the appointment through the booking services only (intake never writes an
appointment itself): cleared -> confirmed; cleared with restrictions -> confirmed, with the techniques
to avoid; needs clearance -> stays waiting for review while the patient sends a doctor's letter;
declined -> declined, slot freed. Decisions are never edited: a new one supersedes the last.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Appointment, Status
from bookings.selectors import clinic_zone
from clinic.models import ClinicPolicy
from techniques.models import Technique

from .models import ClearanceLetter, Decision, Outcome, ReviewDecision, ScreeningResult, StaffAlert
from .plan_services import restrictions_for  # noqa: F401 - one definition, used by the case page

log = logging.getLogger(__name__)

REVIEW_ALL_PERMISSION = "intake.view_intake_answers"  # clinic admins (and superusers)
REVIEW_OWN_PERMISSION = "clinic.review_intakes"  # therapists: cases of their own appointments

NOT_REVIEWED_IN_TIME = "not reviewed in time"

MAX_LETTER_BYTES = 10 * 1024 * 1024
# Checked against the file's first bytes, never its name or the browser's word for it.
LETTER_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
EXTENSION_BY_TYPE = {content_type: ext for _, content_type, ext in LETTER_SIGNATURES}

OUTCOME_RANK = {Outcome.URGENT: 4, Outcome.BLOCKED: 3, Outcome.REVIEW: 2, Outcome.CLEAR: 1}

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


class ReviewError(ValidationError):
    """A review rule refused the request; `code` says which."""


# --- who sees which case ----------------------------------------------------------------------------


def can_review(user) -> bool:
    """Clinic admins and therapists. Front desk staff see the screening status, never the cases."""
    return bool(
        user
        and user.is_authenticated
        and (user.has_perm(REVIEW_ALL_PERMISSION) or user.has_perm(REVIEW_OWN_PERMISSION))
    )


def results_visible_to(user) -> QuerySet[ScreeningResult]:
    """Screening results this user may review: all for clinic admins, their own appointments' for
    therapists, none for anyone else."""
    qs = ScreeningResult.objects.all()
    if not (user and user.is_authenticated):
        return qs.none()
    if user.has_perm(REVIEW_ALL_PERMISSION):
        return qs
    if user.has_perm(REVIEW_OWN_PERMISSION):
        return qs.filter(appointment__therapist__user=user)
    return qs.none()


def _newest_decisions():
    return ReviewDecision.objects.filter(result=OuterRef("pk")).order_by("-decided_at", "-pk")


def with_review_state(qs: QuerySet[ScreeningResult]) -> QuerySet[ScreeningResult]:
    """Annotate each result with its newest decision (`latest_decision`, `latest_decision_pk`),
    whether a clearance letter arrived (`has_letter`) and its outcome's rank (`outcome_rank`)."""
    newest = _newest_decisions()
    return qs.annotate(
        latest_decision=Subquery(newest.values("decision")[:1]),
        latest_decision_pk=Subquery(newest.values("pk")[:1]),
        has_letter=Exists(ClearanceLetter.objects.filter(appointment=OuterRef("appointment"))),
        outcome_rank=Case(
            *(When(outcome=outcome, then=Value(rank)) for outcome, rank in OUTCOME_RANK.items()),
            default=Value(0),
            output_field=IntegerField(),
        ),
    )


def open_cases(qs: QuerySet[ScreeningResult] | None = None) -> QuerySet[ScreeningResult]:
    """Flagged cases still waiting: the appointment waits for review and there is no decision yet, or
    the newest one asks for medical clearance."""
    qs = ScreeningResult.objects.all() if qs is None else qs
    return (
        with_review_state(qs)
        .filter(appointment__status=Status.PENDING_REVIEW)
        .filter(Q(latest_decision__isnull=True) | Q(latest_decision=Decision.NEEDS_CLEARANCE))
    )


def review_queue(*, user) -> QuerySet[ScreeningResult]:
    """The open cases this user may see, most severe first, then by appointment time, with everything
    the queue shows selected in the same query."""
    return (
        open_cases(results_visible_to(user))
        .select_related("appointment__patient", "appointment__therapist", "appointment__service")
        .order_by("-outcome_rank", "appointment__start", "pk")
    )


def review_open_count(*, user) -> int:
    """How many open cases this user may see (the badge in the navigation): one query."""
    return open_cases(results_visible_to(user)).count()


def latest_decision(result: ScreeningResult) -> ReviewDecision | None:
    return ReviewDecision.objects.filter(result=result).order_by("-decided_at", "-pk").first()


# --- decisions --------------------------------------------------------------------------------------


def _check_restrictions(decision: str, restricted_techniques: Iterable[str]) -> list[str]:
    codes = sorted({code.strip() for code in restricted_techniques if code and code.strip()})
    if decision != Decision.CLEARED_WITH_RESTRICTIONS:
        if codes:
            raise ReviewError(
                "Techniques to avoid go with 'cleared with restrictions' only.",
                code="restrictions_not_allowed",
            )
        return codes
    if not codes:
        raise ReviewError("Choose at least one technique to avoid.", code="restrictions_required")
    known = set(Technique.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise ReviewError(
            "Unknown technique code: %(codes)s.",
            code="unknown_technique",
            params={"codes": ", ".join(unknown)},
        )
    return codes


def review_decide(
    *,
    result: ScreeningResult,
    decision: str,
    note: str,
    restricted_techniques: Iterable[str] = (),
    by,
    expected_last_decision_id: int | None,
) -> ReviewDecision:
    """Record a staff decision on a flagged case and move the appointment accordingly.

    Rules: only clinic admins and the appointment's therapist decide; every decision has a note; a
    decision is never edited, a new one supersedes the newest. The result row is locked and the newest
    decision compared with `expected_last_decision_id` (the one the deciding page showed), so of two
    people deciding at once the second is told (code `already_decided`) instead of overwriting. An
    open case takes any decision; a confirmed one may only be cleared again (to change restrictions).
    The patient is emailed once, after the commit.
    """
    if decision not in Decision.values:
        raise ReviewError("Choose a decision.", code="invalid_decision")
    note = (note or "").strip()
    if not note:
        raise ReviewError("Please write a note: every decision needs a reason.", code="note_required")
    codes = _check_restrictions(decision, restricted_techniques)
    if not results_visible_to(by).filter(pk=result.pk).exists():
        raise ReviewError("You may not decide this case.", code="not_allowed")

    with transaction.atomic():
        locked = ScreeningResult.objects.select_for_update().select_related("appointment").get(pk=result.pk)
        newest = latest_decision(locked)
        if (newest.pk if newest else None) != expected_last_decision_id:
            raise ReviewError(
                "Someone decided this case while you were reading it. Please read their decision first.",
                code="already_decided",
            )
        appointment = locked.appointment
        reviewed = newest is not None and newest.decision in (
            Decision.CLEARED,
            Decision.CLEARED_WITH_RESTRICTIONS,
        )
        amending = appointment.status == Status.CONFIRMED and reviewed
        if appointment.status != Status.PENDING_REVIEW and not amending:
            raise ReviewError(
                "This case is closed: the appointment is %(status)s.",
                code="case_closed",
                params={"status": appointment.get_status_display().lower()},
            )
        if amending and decision not in (Decision.CLEARED, Decision.CLEARED_WITH_RESTRICTIONS):
            raise ReviewError(
                "The appointment is already confirmed: to stop it, cancel it from the appointment page.",
                code="case_closed",
            )
        made = ReviewDecision.objects.create(
            result=locked,
            decision=decision,
            note=note,
            restricted_techniques=codes,
            decided_by=by,
            supersedes=newest,
        )
        if decision in (Decision.CLEARED, Decision.CLEARED_WITH_RESTRICTIONS) and not amending:
            booking_services.appointment_confirm(appointment=appointment, by=by)
        elif decision == Decision.DECLINED:
            booking_services.appointment_decline(
                appointment=appointment, by=by, reason="Declined after review; referred to a doctor"
            )
        transaction.on_commit(lambda: _email_patient_decision(made.pk))
    return made


def _local(moment: datetime) -> str:
    tz = clinic_zone()
    return f"{moment.astimezone(tz):%A %d %B %Y, %H:%M} ({tz.key} time)"


def _email_patient_decision(decision_id: int) -> None:
    made = ReviewDecision.objects.select_related(
        "result__appointment__patient", "result__appointment__service"
    ).get(pk=decision_id)
    appointment = made.result.appointment
    patient = appointment.patient
    body = (
        f"Hello {patient.first_name or patient.email},\n\n"
        f"About your {appointment.service.name} on {_local(appointment.start)}:\n\n"
        f"{PATIENT_WORDS[made.decision]}\n\n"
        "You can see this at any time under My appointments on our website.\n\n"
        f"{settings.CLINIC_NAME}\n"
    )
    _send(
        subject=f"Your health form has been reviewed - {settings.CLINIC_NAME}",
        body=body,
        to=[patient.email],
        what=f"decision {decision_id}",
    )


def _send(*, subject: str, body: str, to: list[str], what: str) -> None:
    try:
        send_mail(subject=subject, message=body, from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=to)
    except Exception:  # noqa: BLE001 - the record is stored and shown on the pages regardless
        log.exception("Could not send the email for %s", what)


def _clinic_admin_emails() -> list[str]:
    User = get_user_model()
    return sorted(
        set(
            User.objects.filter(Q(groups__name="Clinic admins") | Q(is_superuser=True), is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )


# --- clearance letters ------------------------------------------------------------------------------


def sniff_letter_type(head: bytes) -> str | None:
    """The content type the file's first bytes show, or None when it is not a PDF, JPEG or PNG."""
    for signature, content_type, _ in LETTER_SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def check_letter_file(file: UploadedFile) -> str:
    """Refuse anything too big or not a PDF/JPEG/PNG by content; return the detected content type."""
    if file.size is None or file.size > MAX_LETTER_BYTES:
        raise ReviewError("The file is larger than 10 MB. Please send a smaller scan.", code="too_big")
    if file.size == 0:
        raise ReviewError("The file is empty.", code="empty")
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    content_type = sniff_letter_type(head)
    if content_type is None:
        raise ReviewError(
            "This file is not a PDF, JPG or PNG. Please upload a scan or photo of the letter.",
            code="wrong_type",
        )
    return content_type


def clearance_letter_upload(*, appointment: Appointment, file: UploadedFile, by) -> ClearanceLetter:
    """Store a doctor's letter for an appointment waiting for review. Only the patient uploads; the type
    is judged from the content; the file is kept in private storage under a name of our own."""
    if by.pk != appointment.patient_id:
        raise ReviewError("Only the patient can send their clearance letter.", code="not_allowed")
    if appointment.status != Status.PENDING_REVIEW:
        raise ReviewError(
            "This appointment is not waiting for a clearance letter.", code="not_waiting_for_letter"
        )
    content_type = check_letter_file(file)
    original = os.path.basename((file.name or "").replace("\\", "/"))[:200] or "letter"
    letter = ClearanceLetter(
        appointment=appointment,
        content_type=content_type,
        original_name=original,
        size=file.size,
        uploaded_by=by,
    )
    letter.file.save(original, file, save=False)
    try:
        with transaction.atomic():
            letter.save()
            transaction.on_commit(lambda: _email_therapist_letter(letter.pk))
    except Exception:
        letter.file.delete(save=False)
        raise
    return letter


def _email_therapist_letter(letter_id: int) -> None:
    letter = ClearanceLetter.objects.select_related("appointment__therapist__user").get(pk=letter_id)
    appointment = letter.appointment
    _send(
        subject=f"A clearance letter arrived - {settings.CLINIC_NAME}",
        body=(
            f"A patient uploaded a clearance letter for the appointment on {_local(appointment.start)}.\n"
            "Open the review queue on the staff pages to read it and decide. "
            "No health details are included in this email."
        ),
        to=[appointment.therapist.user.email],
        what=f"clearance letter {letter_id}",
    )


def letters_visible_to(user) -> QuerySet[ClearanceLetter]:
    """The patient's own letters, the appointment's therapist's, all for clinic admins."""
    qs = ClearanceLetter.objects.select_related("appointment")
    if not (user and user.is_authenticated):
        return qs.none()
    if user.has_perm(REVIEW_ALL_PERMISSION):
        return qs
    return qs.filter(Q(appointment__patient=user) | Q(appointment__therapist__user=user))


# --- deadlines --------------------------------------------------------------------------------------


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
            message=(
                f"Review overdue: the flagged case for {_local(appointment.start)} with "
                f"{appointment.therapist} is not decided yet."
            )[:300],
        )
        transaction.on_commit(lambda: _email_admins_escalation(alert.pk))
    return True


def _email_admins_escalation(alert_id: int) -> None:
    alert = StaffAlert.objects.get(pk=alert_id)
    _send(
        subject=f"Review overdue: a flagged case needs a decision - {settings.CLINIC_NAME}",
        body=(
            f"{alert.message}\n\nIf nobody decides before the appointment starts, the appointment is "
            "released and the patient told. Open the review queue on the staff pages. "
            "No health details are included in this email."
        ),
        to=_clinic_admin_emails(),
        what=f"escalation alert {alert_id}",
    )


def _release(*, result_id: int) -> bool:
    with transaction.atomic():
        result = ScreeningResult.objects.select_for_update().select_related("appointment").get(pk=result_id)
        appointment = result.appointment
        newest = latest_decision(result)
        still_open = appointment.status == Status.PENDING_REVIEW and (
            newest is None or newest.decision == Decision.NEEDS_CLEARANCE
        )
        if not still_open:
            return False
        booking_services.appointment_decline(appointment=appointment, reason=NOT_REVIEWED_IN_TIME)
        StaffAlert.objects.create(
            appointment=appointment,
            message=f"Released: the flagged case for {_local(appointment.start)} was not reviewed in time."[
                :300
            ],
        )
        transaction.on_commit(lambda: _email_patient_released(appointment.pk))
    return True


def _email_patient_released(appointment_id: int) -> None:
    appointment = Appointment.objects.select_related("patient", "service").get(pk=appointment_id)
    patient = appointment.patient
    _send(
        subject=f"Your appointment could not go ahead - {settings.CLINIC_NAME}",
        body=(
            f"Hello {patient.first_name or patient.email},\n\n"
            f"About your {appointment.service.name} on {_local(appointment.start)}:\n\n"
            f"{RELEASED_WORDS}\n\n{settings.CLINIC_NAME}\n"
        ),
        to=[patient.email],
        what=f"release of appointment {appointment_id}",
    )
