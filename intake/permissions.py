"""Who may read what of the clinical record: one place for every view, template, API and service."""

from __future__ import annotations

from django.db.models import QuerySet

from bookings.models import Appointment

from .models import ScreeningResult


def can_read_intake(user, patient) -> bool:
    """The patient, the therapist of one of the patient's appointments, and clinic admins. Front desk
    staff see the screening outcome, never the answers."""
    if not user.is_authenticated:
        return False
    if user.pk == patient.pk or user.has_perm("intake.view_intake_answers"):
        return True
    return (
        user.has_perm("clinic.review_intakes")
        and Appointment.objects.filter(patient=patient, therapist__user=user).exists()
    )


REVIEW_ALL_PERMISSION = "intake.view_intake_answers"  # clinic admins (and superusers)
REVIEW_OWN_PERMISSION = "clinic.review_intakes"  # therapists: cases of their own appointments


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
