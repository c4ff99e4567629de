"""The review rules written once: which decision may follow which, and which cases are open."""

import itertools
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from bookings.models import Appointment, Status
from intake.models import Decision, ReviewDecision, ScreeningResult
from intake.review.selectors import is_open_case, latest_decision, open_cases
from intake.review.services import review_decide

from ..review_fixtures import at, quick_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

CLEARANCES = {Decision.CLEARED, Decision.CLEARED_WITH_RESTRICTIONS}


def decide(case, decision, *, expected=None):
    restricted = ["PIG"] if decision == Decision.CLEARED_WITH_RESTRICTIONS else []
    return review_decide(
        result=case,
        decision=decision,
        note="Read the form.",
        restricted_techniques=restricted,
        by=case.appointment.therapist.user,
        expected_last_decision_id=expected,
    )


def allowed_after(first: str) -> set[str]:
    if first == Decision.NEEDS_CLEARANCE:
        return set(Decision.values)
    if first in CLEARANCES:
        return set(CLEARANCES)
    return set()


@pytest.mark.parametrize("first", Decision.values)
@pytest.mark.parametrize("second", Decision.values)
def test_a_decision_follows_another_only_as_the_table_allows(therapist, first, second):
    case = quick_case(therapist=therapist, start=at(4, 10))
    made = decide(case, first)
    if second in allowed_after(first):
        assert decide(case, second, expected=made.pk).supersedes == made
    else:
        with pytest.raises(ValidationError) as exc:
            decide(case, second, expected=made.pk)
        assert exc.value.code == "case_closed"
        assert latest_decision(case) == made


def test_an_undecided_case_of_a_cancelled_appointment_takes_no_decision(case):
    Appointment.objects.filter(pk=case.appointment.pk).update(status=Status.CANCELLED)
    with pytest.raises(ValidationError) as exc:
        decide(case, Decision.CLEARED)
    assert exc.value.code == "case_closed"
    assert "cancelled" in exc.value.messages[0]
    assert not ReviewDecision.objects.exists()


NEWEST = [None, *Decision.values]


def test_the_open_case_query_and_predicate_agree_on_every_state(therapist):
    cases = {}
    for i, (status, newest) in enumerate(itertools.product(Status.values, NEWEST)):
        case = quick_case(therapist=therapist, start=at(2, 8) + timedelta(hours=2 * i))
        if newest is not None:
            ReviewDecision.objects.create(
                result=case, decision=newest, note="Set up.", decided_by=therapist.user
            )
        Appointment.objects.filter(pk=case.appointment.pk).update(status=status)
        cases[case.pk] = (status, newest)
    listed = set(open_cases().values_list("pk", flat=True))
    for case in ScreeningResult.objects.select_related("appointment"):
        assert (case.pk in listed) == is_open_case(case.appointment, latest_decision(case)), cases[case.pk]
    assert {cases[pk] for pk in listed} == {
        (Status.PENDING_REVIEW, None),
        (Status.PENDING_REVIEW, Decision.NEEDS_CLEARANCE),
    }
