"""Reads of the review queue: open cases, their newest decision, the queue and its badge count."""

from __future__ import annotations

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When

from bookings.models import Appointment, Status

from ..models import ClearanceLetter, Decision, Outcome, ReviewDecision, ScreeningResult
from ..permissions import results_visible_to

OUTCOME_RANK = {Outcome.URGENT: 4, Outcome.BLOCKED: 3, Outcome.REVIEW: 2, Outcome.CLEAR: 1}

# The "open case" rule, written once: the appointment waits for review and nobody has decided yet, or
# the newest decision asks for a doctor's letter. The queue, its badge, the deadlines and review_decide
# all read it from here (`open_cases` for a query, `is_open_case` for one case in hand).
OPEN_CASE_STATUS = Status.PENDING_REVIEW
OPEN_CASE_DECISIONS: frozenset[str | None] = frozenset({None, Decision.NEEDS_CLEARANCE})


def is_open_case(appointment: Appointment, newest: ReviewDecision | None) -> bool:
    """Whether the case of `appointment`, whose newest decision is `newest` (None: none yet), is open."""
    return (
        appointment.status == OPEN_CASE_STATUS
        and (newest.decision if newest else None) in OPEN_CASE_DECISIONS
    )


def _open_decision_q() -> Q:
    decided = [decision for decision in OPEN_CASE_DECISIONS if decision is not None]
    q = Q(latest_decision__in=decided)
    if None in OPEN_CASE_DECISIONS:
        q |= Q(latest_decision__isnull=True)
    return q


def _newest_decisions():
    # A decision made before the answers were last screened is not about them (a confirmed visit sent
    # back to review by a new flag): the case counts as undecided.
    return ReviewDecision.objects.filter(
        result=OuterRef("pk"), decided_at__gte=OuterRef("screened_at")
    ).order_by("-decided_at", "-pk")


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
    """Flagged cases still waiting (the open-case rule above), annotated by `with_review_state`."""
    qs = ScreeningResult.objects.all() if qs is None else qs
    return with_review_state(qs).filter(_open_decision_q(), appointment__status=OPEN_CASE_STATUS)


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
    """The newest decision about the answers as last screened (None: nobody has decided on them)."""
    return (
        ReviewDecision.objects.filter(result=result, decided_at__gte=result.screened_at)
        .order_by("-decided_at", "-pk")
        .first()
    )
