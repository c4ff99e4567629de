"""Who may read and do what with the clinical record: one place for every view, template, API and service.

- The patient reads their own record, sends their own clearance letters and sees their own plans.
- Clinic admins (`intake.view_intake_answers`) read every record and review every case.
- Therapists (`clinic.review_intakes`) review the cases of their own appointments, and read a patient's
  health form only while they have an active appointment with the patient, or for the clinic's
  `therapist_access_days` after a completed one: a cancelled, declined, refused or expired booking, or
  a no-show, gives no access.
- Front desk staff see the screening status on the appointment, never the answers or the cases.

Every staff read of the record goes through here and is recorded (an access event, clinic.audit): a view
gets a record with `get_record_or_404` (clinic.audit's, re-exported: through one of the `*_visible_to`
sets), checks a health form with `read_intake`, or reports the patients a list page shows with
`record_reads`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from bookings.models import Appointment, Status
from clinic.audit.access import get_record_or_404 as get_record_or_404
from clinic.audit.access import record_access
from clinic.audit.models import AccessKind
from clinic.models import ClinicPolicy

from .models import ClearanceLetter, HomeCarePlan, Intake, ScreeningResult, StaffAlert

REVIEW_ALL_PERMISSION = "intake.view_intake_answers"  # clinic admins (and superusers)
REVIEW_OWN_PERMISSION = "clinic.review_intakes"  # therapists: cases of their own appointments


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated)


def reads_every_record(user) -> bool:
    """Clinic admins: every patient's answers, every case, every letter."""
    return _signed_in(user) and user.has_perm(REVIEW_ALL_PERMISSION)


def therapist_access_q(user, *, now: datetime | None = None) -> Q:
    """Appointments through which `user`, as their therapist, may read the patient's health form:
    active ones (a hold only while it lasts) and completed ones for the policy's access days."""
    now = now or timezone.now()
    since = now - timedelta(days=ClinicPolicy.get().therapist_access_days)
    return Q(therapist__user=user) & (
        Q(status__in=(Status.PENDING_REVIEW, Status.CONFIRMED))
        | Q(status=Status.HELD, hold_expires_at__gt=now)
        | Q(status=Status.COMPLETED, end__gte=since)
    )


def can_read_intake(user, patient, *, now: datetime | None = None) -> bool:
    """The patient, clinic admins, and a therapist of the patient's active or recently completed
    appointment (`therapist_access_q`). Front desk staff see the screening outcome, never the answers."""
    if not _signed_in(user):
        return False
    if user.pk == patient.pk or reads_every_record(user):
        return True
    return (
        user.has_perm(REVIEW_OWN_PERMISSION)
        and Appointment.objects.filter(therapist_access_q(user, now=now), patient=patient).exists()
    )


def intake_readable_patient_ids(user, patient_ids, *, now: datetime | None = None) -> set[int]:
    """Which of `patient_ids` `user` may read the health form of (`can_read_intake` for a list, in one
    query at most): for a page that links each patient's form only where it opens."""
    ids = set(patient_ids)
    if not (_signed_in(user) and ids):
        return set()
    if reads_every_record(user):
        return ids
    if not user.has_perm(REVIEW_OWN_PERMISSION):
        return {user.pk} & ids
    readable = Appointment.objects.filter(therapist_access_q(user, now=now), patient_id__in=ids)
    return set(readable.values_list("patient_id", flat=True)) | ({user.pk} & ids)


def can_review(user, result: ScreeningResult | None = None) -> bool:
    """Without `result`: whether the user reviews cases at all (clinic admins and therapists; front
    desk staff see the screening status, never the cases). With it: whether they may open and decide
    that case (clinic admins any, a therapist those of their own appointments)."""
    if not _signed_in(user):
        return False
    if reads_every_record(user):
        return True
    if not user.has_perm(REVIEW_OWN_PERMISSION):
        return False
    return result is None or result.appointment.therapist.user_id == user.pk


def results_visible_to(user) -> QuerySet[ScreeningResult]:
    """Screening results this user may review: all for clinic admins, their own appointments' for
    therapists, none for anyone else."""
    qs = ScreeningResult.objects.all()
    if not can_review(user):
        return qs.none()
    if reads_every_record(user):
        return qs
    return qs.filter(appointment__therapist__user=user)


def can_send_letter(user, appointment: Appointment) -> bool:
    """A doctor's clearance letter comes from the patient only."""
    return _signed_in(user) and appointment.patient_id == user.pk


def letters_visible_to(user) -> QuerySet[ClearanceLetter]:
    """The patient's own letters, the appointment's therapist's, all for clinic admins."""
    qs = ClearanceLetter.objects.select_related("appointment")
    if not _signed_in(user):
        return qs.none()
    if reads_every_record(user):
        return qs
    return qs.filter(Q(appointment__patient=user) | Q(appointment__therapist__user=user))


def can_assign_plan(user, appointment: Appointment) -> bool:
    """A home-care plan is assigned by the appointment's own therapist."""
    return _signed_in(user) and appointment.therapist.user_id == user.pk


def plans_visible_to(user) -> QuerySet[HomeCarePlan]:
    """A patient's own home-care plans (the therapist sees theirs on the appointment's plan page)."""
    if not _signed_in(user):
        return HomeCarePlan.objects.none()
    return HomeCarePlan.objects.filter(patient=user)


ALERTS_ALL_PERMISSIONS = (REVIEW_ALL_PERMISSION, "clinic.manage_appointments")  # admins, front desk


def alerts_visible_to(user) -> QuerySet[StaffAlert]:
    """Staff alerts this user is shown: every one for clinic admins and front desk, those of their own
    appointments for therapists, none for anyone else."""
    qs = StaffAlert.objects.all()
    if not _signed_in(user):
        return qs.none()
    if any(user.has_perm(perm) for perm in ALERTS_ALL_PERMISSIONS):
        return qs
    if user.has_perm(REVIEW_OWN_PERMISSION):
        return qs.filter(appointment__therapist__user=user)
    return qs.none()


def can_read_alert_case(user, alert: StaffAlert) -> bool:
    """The case behind an alert (its health details) is for clinic admins and the appointment's
    therapist; front desk staff see who to phone and when, never why."""
    if not _signed_in(user):
        return False
    if reads_every_record(user):
        return True
    return user.has_perm(REVIEW_OWN_PERMISSION) and alert.appointment.therapist.user_id == user.pk


# --- reads, recorded ------------------------------------------------------------------------------------


def read_intake(request, intake: Intake) -> bool:
    """Whether the request's user may read this health form (`can_read_intake`); if so, a staff
    member's read is recorded."""
    if not can_read_intake(request.user, intake.patient):
        return False
    record_access(request, kind=AccessKind.INTAKE, records=[intake])
    return True


def record_reads(request, *, kind: AccessKind, records: Iterable[Model]) -> None:
    """A list page showed these records (already scoped to the user): one access event per patient."""
    record_access(request, kind=kind, records=records)
