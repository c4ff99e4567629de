"""The review deadlines as timed tasks, with a frozen clock: a case that enters review schedules its
escalation at the policy's deadline and its release at the appointment's start; each task checks the
case when it runs, so a decided, moved or cancelled case is left alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from bookings import services as booking_services
from bookings.models import Status
from clinic.models import ClinicPolicy
from clinic.tests.factories import clinic_admin_user, front_desk_user
from intake.models import Decision, StaffAlert
from intake.review.deadlines import review_deadlines_run
from intake.review.services import review_decide
from intake.review.tasks import escalate_review, release_review
from intake.screening.services import appointment_screen

from ..review_fixtures import at, flagged_booking, hours_before, submitted_intake

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def admin(db):
    return clinic_admin_user(email="boss@example.org")


@pytest.fixture
def case(sam, service, therapist, admin, deferred_tasks):
    """Sam's flagged booking on 3 June 10:00, waiting for review, its tasks scheduled on commit."""
    with deferred_tasks.committed():
        return flagged_booking(patient=sam, service=service, therapist=therapist, start=at(3, 10))


def escalation_emails():
    return [m for m in mail.outbox if m.subject.startswith("Review overdue")]


def test_a_case_entering_review_schedules_escalation_and_release(case, deferred_tasks):
    assert deferred_tasks.times(escalate_review) == [hours_before(case.appointment, 24)]
    assert deferred_tasks.times(release_review) == [at(3, 10)]
    assert deferred_tasks.args(release_review) == [(case.appointment.pk,)]


def test_escalation_runs_at_the_deadline_once(case, deferred_tasks):
    deferred_tasks.run_due(at=hours_before(case.appointment, 24) - timedelta(minutes=1))
    assert escalation_emails() == []
    ran = deferred_tasks.run_due(at=hours_before(case.appointment, 24))
    assert ran["escalate_review"] == ["escalated"]
    (email,) = escalation_emails()
    assert email.to == ["boss@example.org"]
    case.refresh_from_db()
    assert case.escalated_at == hours_before(case.appointment, 24)
    with time_machine.travel(hours_before(case.appointment, 2), tick=False):
        assert escalate_review.call(case.appointment.pk) == "nothing to do"
    assert len(escalation_emails()) == 1


def test_an_undecided_case_is_released_at_the_start(case, sam, deferred_tasks):
    ran = deferred_tasks.run_due(at=at(3, 10))
    assert ran["release_review"] == ["released"]
    case.appointment.refresh_from_db()
    assert case.appointment.status == Status.DECLINED
    assert [m.to for m in mail.outbox if m.subject.startswith("Your appointment could not go ahead")] == [
        [sam.email]
    ]


def test_a_case_decided_before_its_deadline_is_neither_escalated_nor_released(case, deferred_tasks):
    with deferred_tasks.committed():
        review_decide(
            result=case, decision=Decision.CLEARED, note="Fine.", by=case.appointment.therapist.user,
            expected_last_decision_id=None,
        )  # fmt: skip
    ran = deferred_tasks.run_due(at=at(3, 10))
    assert ran["escalate_review"] == ["nothing to do"]
    assert ran["release_review"] == ["nothing to do"]
    case.appointment.refresh_from_db()
    assert case.appointment.status == Status.CONFIRMED
    assert not StaffAlert.objects.exists()


def test_a_cancelled_case_is_left_alone(case, sam, deferred_tasks):
    with deferred_tasks.committed():
        booking_services.appointment_cancel(appointment=case.appointment, by=sam)
    ran = deferred_tasks.run_due(at=at(3, 10))
    assert ran["escalate_review"] == ran["release_review"] == ["nothing to do"]
    case.appointment.refresh_from_db()
    assert case.appointment.status == Status.CANCELLED
    assert escalation_emails() == []


def test_a_case_moved_later_gets_new_deadlines_and_the_old_ones_do_nothing(case, deferred_tasks):
    with deferred_tasks.committed():
        booking_services.appointment_reschedule(
            appointment=case.appointment, start=at(5, 14), by=front_desk_user()
        )
    assert deferred_tasks.times(escalate_review) == [at(2, 10), at(4, 14)]
    assert deferred_tasks.times(release_review) == [at(3, 10), at(5, 14)]
    ran = deferred_tasks.run_due(at=at(3, 10))
    assert ran["escalate_review"] == ran["release_review"] == ["nothing to do"]
    case.appointment.refresh_from_db()
    assert case.appointment.status == Status.PENDING_REVIEW
    ran = deferred_tasks.run_due(at=at(5, 14))
    assert ran["escalate_review"] == ["escalated"]
    assert ran["release_review"] == ["released"]


def test_the_deadline_follows_the_policy(sam, service, therapist, admin, deferred_tasks):
    policy = ClinicPolicy.get()
    policy.review_deadline_hours = 48
    policy.save()
    with deferred_tasks.committed():
        result = flagged_booking(patient=sam, service=service, therapist=therapist, start=at(4, 10))
    assert deferred_tasks.times(escalate_review) == [hours_before(result.appointment, 48)]


def test_a_case_opened_after_its_deadline_is_escalated_at_once(
    sam, service, therapist, admin, deferred_tasks
):
    # Front desk books for Sam (no form yet) 26 hours ahead; the form arrives 20 hours before the visit.
    with deferred_tasks.committed():
        appointment = booking_services.appointment_book_for_review(
            patient=sam, service=service, therapist=therapist, start=at(2, 10), by=front_desk_user()
        )
    assert deferred_tasks.run_due(at=at(1, 10))["escalate_review"] == ["nothing to do"]  # no case yet
    with time_machine.travel(at(1, 14), tick=False), deferred_tasks.committed():
        appointment_screen(appointment=appointment, intake=submitted_intake(sam, herniated_disc=True))
    appointment.refresh_from_db()
    assert appointment.status == Status.PENDING_REVIEW
    assert deferred_tasks.run_due(at=at(1, 14))["escalate_review"] == ["escalated"]
    assert len(escalation_emails()) == 1


def test_the_manual_command_and_the_tasks_never_escalate_twice(case, deferred_tasks):
    with deferred_tasks.committed():
        assert review_deadlines_run(now=hours_before(case.appointment, 23))["escalated"] == 1
    assert deferred_tasks.run_due(at=hours_before(case.appointment, 23))["escalate_review"] == [
        "nothing to do"
    ]
    assert StaffAlert.objects.filter(kind=StaffAlert.Kind.OVERDUE).count() == 1
