"""The therapist's side after screening: what is ruled out for an appointment, and home-care plans.

A technique ruled out for the patient (by the screening result, or by the newest review decision) may
still be assigned, but only with a written reason, which is kept on the plan item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse

from bookings.models import Appointment, Status
from bookings.selectors import clinic_zone
from clinic.audit.trail import acted_by, record_bulk_create
from clinic.errors import DomainError
from clinic.inputs import clean_text
from clinic.outbox.emails import absolute_url, email_subject, render_email
from clinic.outbox.services import outbox_enqueue
from techniques.models import Technique, TechniqueKind

from ..models import OVERRIDE_REASON_MAX_LENGTH, PLAN_NOTE_MAX_LENGTH, HomeCarePlan, PlanItem
from ..permissions import can_assign_plan
from ..review.restrictions import restrictions_for


class PlanError(DomainError):
    """A home-care plan rule refused the request; `code` says which."""


# A plan follows a session that took place or is about to: never a held, cancelled or declined one.
PLANNABLE_STATUSES = (Status.CONFIRMED, Status.COMPLETED)


@dataclass(frozen=True)
class PlanItemData:
    """One line of a plan as the therapist entered it."""

    technique: Technique
    frequency: str
    hold_seconds: int | None = None
    repetitions: int | None = None
    note: str = ""
    override_reason: str = ""


def plan_techniques():
    """The techniques a plan may hold: published self-care techniques (in-clinic manual therapy is
    never homework)."""
    return Technique.objects.published().exclude(kind=TechniqueKind.MANUAL_THERAPY)


def plan_assign(
    *,
    appointment: Appointment,
    by,
    note: str,
    items: Sequence[PlanItemData],
) -> HomeCarePlan:
    """Give the appointment's patient a home-care plan from the published self-care catalogue.

    Rules: only the appointment's own therapist, only after a confirmed or completed appointment, at
    least one technique, each once, each with a frequency; all text normalised (`clean_text`) and
    bounded in length. A technique ruled out for this patient
    (`restrictions_for`) needs a written override reason, which is stored on its item; without one the
    plan is refused with code `override_reason_required`. The appointment row is locked while the
    rules are checked, so its status and restrictions are read as they stand. The patient is emailed
    once the plan is stored, with a link to their plans page from SITE_URL.
    """
    if not items:
        raise PlanError("Choose at least one technique for the plan.", code="plan_empty")
    note = _bounded(note, PLAN_NOTE_MAX_LENGTH, "The note", "note_too_long")
    with transaction.atomic(), acted_by(by):
        current = (
            # `of`: PostgreSQL cannot lock the nullable side of the outer join to the screening.
            Appointment.objects.select_for_update(of=("self",))
            .select_related("therapist", "patient", "screening")
            .get(pk=appointment.pk)
        )
        if not can_assign_plan(by, current):
            raise PlanError(
                "Only the appointment's own therapist can assign its plan.", code="not_own_appointment"
            )
        if current.status not in PLANNABLE_STATUSES:
            raise PlanError(
                f"A plan can follow only a confirmed or completed appointment; this one is "
                f"{current.get_status_display().lower()}.",
                code="appointment_not_plannable",
            )
        allowed = {t.pk: t for t in plan_techniques().filter(pk__in=[item.technique.pk for item in items])}
        ruled_out = set(restrictions_for(current))
        seen: set[int] = set()
        rows: list[PlanItem] = []
        for item in items:
            technique = allowed.get(item.technique.pk)
            if technique is None:
                raise PlanError(
                    "%(technique)s is not in the published self-care catalogue.",
                    code="technique_unavailable",
                    params={"technique": item.technique},
                )
            if technique.pk in seen:
                raise PlanError(
                    "%(technique)s is in the plan twice.",
                    code="technique_twice",
                    params={"technique": technique},
                )
            seen.add(technique.pk)
            frequency = _bounded(item.frequency, 100, "How often", "frequency_too_long")
            item_note = _bounded(item.note, 300, "An exercise's note", "item_note_too_long")
            reason = _bounded(
                item.override_reason,
                OVERRIDE_REASON_MAX_LENGTH,
                "An override reason",
                "override_reason_too_long",
            )
            if not frequency:
                raise PlanError(
                    "Say how often to do %(technique)s.",
                    code="frequency_required",
                    params={"technique": technique},
                )
            if technique.code in ruled_out and not reason:
                raise PlanError(
                    "%(technique)s is ruled out for this patient: write why you assign it anyway.",
                    code="override_reason_required",
                    params={"technique": technique},
                )
            rows.append(
                PlanItem(
                    technique=technique,
                    hold_seconds=item.hold_seconds,
                    repetitions=item.repetitions,
                    frequency=frequency,
                    note=item_note,
                    # A reason is recorded only where it overrides something.
                    override_reason=reason if technique.code in ruled_out else "",
                )
            )
        plan = HomeCarePlan.objects.create(
            patient=current.patient, therapist=current.therapist, appointment=current, note=note
        )
        for row in rows:
            row.plan = plan
        try:
            with transaction.atomic():
                PlanItem.objects.bulk_create(rows)
                record_bulk_create(rows)
        except IntegrityError as exc:
            raise PlanError("A technique is in the plan twice.", code="technique_twice") from exc
        _email_plan(plan.pk)
    return plan


def _bounded(text: str, limit: int, what: str, code: str) -> str:
    """`text` normalised by `clean_text`, refused when longer than `limit`."""
    text = clean_text(text)
    if len(text) > limit:
        raise PlanError(f"{what} is {limit} characters at most.", code=code)
    return text


def _email_plan(plan_id: int) -> None:
    """The patient's email: who gave them exercises and the link to see them. It names no technique
    (a plan says something about the patient's health); the page behind the sign-in does."""
    plan = HomeCarePlan.objects.select_related("patient", "therapist", "appointment").get(pk=plan_id)
    patient = plan.patient
    body_text, body_html = render_email(
        "intake/email/care_plan",
        {
            "greeting_name": patient.first_name or patient.email,
            "therapist_name": plan.therapist.display_name,
            "local_start": plan.appointment.start.astimezone(clinic_zone()) if plan.appointment else None,
            "plans_url": absolute_url(reverse("intake:my-plans")),
        },
    )
    outbox_enqueue(
        kind="care.plan",
        appointment=plan.appointment,
        event=f"plan-{plan_id}",
        to=patient.email,
        subject=email_subject("Your home care exercises"),
        body_text=body_text,
        body_html=body_html,
    )
