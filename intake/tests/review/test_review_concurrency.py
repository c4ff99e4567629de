"""Two staff deciding the same case at the same moment, in real threads with their own connections
(the file-based SQLite test database; PostgreSQL in CI): one decision wins, the other is told."""

from collections import Counter

import pytest
from django.core import mail

from bookings.models import Status
from clinic.tests.concurrency import race as shared_race
from clinic.tests.factories import clinic_admin_user
from intake.models import Decision, ReviewDecision
from intake.review.services import review_decide

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("frozen_now"),
]


def race(attempts):
    return shared_race(attempts, success="decided")


def test_of_two_simultaneous_decisions_the_second_is_told_it_was_decided(case):
    therapist_user = case.appointment.therapist.user
    admin = clinic_admin_user()

    def decider(user, decision):
        return lambda: review_decide(
            result=case, decision=decision, note="Decided.", by=user, expected_last_decision_id=None
        )

    outcome = race([decider(therapist_user, Decision.CLEARED), decider(admin, Decision.DECLINED)])
    assert outcome == Counter({"decided": 1, "refused:already_decided": 1}), outcome
    (made,) = ReviewDecision.objects.filter(result=case)
    case.appointment.refresh_from_db()
    expected = Status.CONFIRMED if made.decision == Decision.CLEARED else Status.DECLINED
    assert case.appointment.status == expected
    assert len([m for m in mail.outbox if m.subject.startswith("Your health form has been reviewed")]) == 1


def test_ten_simultaneous_deciders_record_exactly_one_decision(case):
    admins = [clinic_admin_user() for _ in range(10)]
    attempts = [
        (lambda user=user: review_decide(
            result=case, decision=Decision.NEEDS_CLEARANCE, note="Ask the GP.", by=user,
            expected_last_decision_id=None,
        ))
        for user in admins
    ]  # fmt: skip
    outcome = race(attempts)
    assert outcome == Counter({"decided": 1, "refused:already_decided": 9}), outcome
    assert ReviewDecision.objects.filter(result=case).count() == 1
