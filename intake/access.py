"""Who may read a patient's health answers, and the questions' current wording."""

from __future__ import annotations

from bookings.models import Appointment

from .models import ScreeningRule


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


def question_wording() -> dict[str, str]:
    """Answer key -> the patient wording of the first active rule that reads it (an admin edit shows up)."""
    wording: dict[str, str] = {}
    for key, text in (
        ScreeningRule.objects.filter(active=True)
        .order_by("position", "key")
        .values_list("question_key", "question")
    ):
        wording.setdefault(key, text)
    return wording
