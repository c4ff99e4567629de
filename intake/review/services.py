"""Staff decisions on flagged cases.

A decision moves the appointment through the booking services only (intake never writes an
appointment itself): cleared -> confirmed; cleared with restrictions -> confirmed, with the techniques
to avoid; needs clearance -> stays waiting for review while the patient sends a doctor's letter;
declined -> declined, slot freed. Decisions are never edited: a new one supersedes the last.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from bookings import services as booking_services
from bookings.models import Status
from clinic.audit.trail import acted_by
from clinic.errors import DomainError
from clinic.inputs import clean_text
from techniques.models import Technique

from ..models import DECISION_NOTE_MAX_LENGTH, Decision, ReviewDecision, ScreeningResult
from ..permissions import can_review
from .emails import email_patient_decision
from .selectors import OPEN_CASE_DECISIONS, OPEN_CASE_STATUS, latest_decision


class ReviewError(DomainError):
    """A review rule refused the request; `code` says which."""


CLEARANCES = frozenset({Decision.CLEARED, Decision.CLEARED_WITH_RESTRICTIONS})


@dataclass(frozen=True)
class Follows:
    """What may follow a decision: the appointment status the case must be in, the decisions allowed
    then, and what a refused decision is told."""

    appointment_status: str
    decisions: frozenset[str]
    refusal: str = ""


# Which decision may follow the newest one (None: no decision yet). An open case takes any decision; a
# cleared case, once its appointment is confirmed, may only be cleared again (to change the
# restrictions); a declined case takes none. Anything not listed here is refused.
DECISION_TRANSITIONS: dict[str | None, Follows] = {
    **{newest: Follows(OPEN_CASE_STATUS, frozenset(Decision.values)) for newest in OPEN_CASE_DECISIONS},
    **{
        newest: Follows(
            Status.CONFIRMED,
            CLEARANCES,
            "The appointment is already confirmed: to stop it, cancel it from the appointment page.",
        )
        for newest in CLEARANCES
    },
    Decision.DECLINED: Follows(Status.DECLINED, frozenset()),
}


def decisions_allowed(*, newest: ReviewDecision | None, appointment) -> frozenset[str]:
    """The decisions the table allows on this case now (none when it is closed): what the case page
    offers, and what `review_decide` accepts."""
    follows = DECISION_TRANSITIONS[newest.decision if newest else None]
    return follows.decisions if appointment.status == follows.appointment_status else frozenset()


def _check_transition(*, newest: ReviewDecision | None, decision: str, appointment) -> None:
    follows = DECISION_TRANSITIONS[newest.decision if newest else None]
    if appointment.status != follows.appointment_status or not follows.decisions:
        raise ReviewError(
            "This case is closed: the appointment is %(status)s.",
            code="case_closed",
            params={"status": appointment.get_status_display().lower()},
        )
    if decision not in follows.decisions:
        raise ReviewError(follows.refusal, code="case_closed")


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

    Rules: only clinic admins and the appointment's therapist decide; every decision has a note (its
    text normalised by `clean_text`, so invisible characters alone are no note; bounded in length); a
    decision is never edited, a new one supersedes the newest. The result row is locked and the newest
    decision compared with `expected_last_decision_id` (the one the deciding page showed), so of two
    people deciding at once the second is told (code `already_decided`) instead of overwriting. An
    open case takes any decision; a confirmed one may only be cleared again (to change restrictions).
    The patient is emailed once (with the calendar entry when it confirms), after the commit.
    """
    if decision not in Decision.values:
        raise ReviewError("Choose a decision.", code="invalid_decision")
    note = clean_text(note)
    if not note:
        raise ReviewError("Please write a note: every decision needs a reason.", code="note_required")
    if len(note) > DECISION_NOTE_MAX_LENGTH:
        raise ReviewError(
            "The note is %(limit)s characters at most.",
            code="note_too_long",
            params={"limit": DECISION_NOTE_MAX_LENGTH},
        )
    codes = _check_restrictions(decision, restricted_techniques)
    if not can_review(by, result):
        raise ReviewError("You may not decide this case.", code="not_allowed")

    with transaction.atomic(), acted_by(by):
        locked = ScreeningResult.objects.select_for_update().select_related("appointment").get(pk=result.pk)
        newest = latest_decision(locked)
        if (newest.pk if newest else None) != expected_last_decision_id:
            raise ReviewError(
                "Someone decided this case while you were reading it. Please read their decision first.",
                code="already_decided",
            )
        appointment = locked.appointment
        _check_transition(newest=newest, decision=decision, appointment=appointment)
        made = ReviewDecision.objects.create(
            result=locked,
            decision=decision,
            note=note,
            restricted_techniques=codes,
            decided_by=by,
            supersedes=newest,
        )
        confirmed = decision in CLEARANCES and appointment.status == OPEN_CASE_STATUS
        if confirmed:
            # The decision email below tells the patient and carries the calendar entry.
            booking_services.appointment_confirm(appointment=appointment, by=by, notify=False)
        elif decision == Decision.DECLINED:
            booking_services.appointment_decline(
                appointment=appointment,
                by=by,
                reason="Declined after review; referred to a doctor",
                notify=False,  # the decision email below tells the patient and cancels the calendar entry
            )
        email_patient_decision(made.pk, confirmed=confirmed)
    return made
