"""Bookings' timed tasks with a frozen clock: a hold lapses at its expiry, a confirmed visit is
completed after its end; each is scheduled when the causing change commits, at the right time, and
does nothing when it runs after the state changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction

from bookings import services
from bookings.models import Appointment, Status
from bookings.tasks import AUTO_COMPLETE_GRACE, complete_visit, expire_hold
from clinic.tests.factories import UserFactory, front_desk_user

from .fixtures import NOW, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

HOLD = timedelta(minutes=15)  # the policy's default hold


def time_travel(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def held(service, therapist, deferred_tasks):
    with deferred_tasks.committed():
        return services.appointment_book(
            patient=UserFactory(), service=service, therapist=therapist, start=at(3, 10)
        )


@pytest.fixture
def confirmed(held, deferred_tasks):
    with deferred_tasks.committed():
        return services.appointment_confirm(appointment=held)


def status_of(appointment) -> str:
    appointment.refresh_from_db()
    return appointment.status


def test_a_hold_schedules_its_expiry_when_it_commits(held, deferred_tasks):
    assert deferred_tasks.times(expire_hold) == [NOW + HOLD]
    assert deferred_tasks.args(expire_hold) == [(held.pk,)]


def test_nothing_is_scheduled_when_the_booking_rolls_back(service, therapist, deferred_tasks):
    with deferred_tasks.committed(), pytest.raises(RuntimeError), transaction.atomic():
        services.appointment_book(
            patient=UserFactory(), service=service, therapist=therapist, start=at(3, 10)
        )
        raise RuntimeError("the request failed after the booking")
    assert deferred_tasks.pending() == []


def test_a_lapsed_hold_is_released_when_its_hold_ends(held, deferred_tasks):
    deferred_tasks.run_due(at=NOW + HOLD - timedelta(seconds=1))
    assert status_of(held) == Status.HELD
    assert deferred_tasks.run_due(at=NOW + HOLD)["expire_hold"] == ["expired 1"]
    assert status_of(held) == Status.EXPIRED


def test_a_renewed_hold_is_not_released_at_its_first_expiry(held, deferred_tasks):
    later = NOW + timedelta(minutes=10)
    with deferred_tasks.committed(), time_travel(later):
        assert services.appointment_extend_hold(appointment=held)
    assert deferred_tasks.times(expire_hold) == [NOW + HOLD, later + HOLD]
    assert deferred_tasks.run_due(at=NOW + HOLD)["expire_hold"] == ["nothing to do"]
    assert status_of(held) == Status.HELD
    assert deferred_tasks.run_due(at=later + HOLD)["expire_hold"] == ["expired 1"]
    assert status_of(held) == Status.EXPIRED


def test_a_hold_confirmed_in_time_is_not_released(confirmed, deferred_tasks):
    assert deferred_tasks.run_due(at=NOW + HOLD)["expire_hold"] == ["nothing to do"]
    assert status_of(confirmed) == Status.CONFIRMED


def test_a_hold_cancelled_before_it_lapses_stays_cancelled(held, deferred_tasks):
    with deferred_tasks.committed():
        services.appointment_cancel(appointment=held, by=held.patient)
    deferred_tasks.run_due(at=NOW + HOLD)
    assert status_of(held) == Status.CANCELLED


def test_the_lazy_expiry_still_frees_a_lapsed_hold_without_the_worker(held, service, therapist):
    # No task ran (no worker): the next booking of the slot expires the stale hold itself.
    with time_travel(NOW + HOLD + timedelta(minutes=1)):
        other = services.appointment_book(
            patient=UserFactory(), service=service, therapist=therapist, start=at(3, 10)
        )
    assert other.status == Status.HELD
    assert status_of(held) == Status.EXPIRED


def test_confirming_schedules_the_completion_after_the_end_plus_grace(confirmed, deferred_tasks):
    assert deferred_tasks.times(complete_visit) == [at(3, 11) + AUTO_COMPLETE_GRACE]
    assert deferred_tasks.args(complete_visit) == [(confirmed.pk,)]


def test_a_confirmed_visit_is_completed_after_its_end(confirmed, deferred_tasks):
    deferred_tasks.run_due(at=at(3, 11) + AUTO_COMPLETE_GRACE - timedelta(seconds=1))
    assert status_of(confirmed) == Status.CONFIRMED
    deferred_tasks.run_due(at=at(3, 11) + AUTO_COMPLETE_GRACE)
    assert status_of(confirmed) == Status.COMPLETED


def test_a_visit_moved_later_is_completed_after_its_new_end_only(confirmed, therapist, deferred_tasks):
    with deferred_tasks.committed():
        services.appointment_reschedule(appointment=confirmed, start=at(4, 14), by=front_desk_user())
    assert deferred_tasks.times(complete_visit) == [
        at(3, 11) + AUTO_COMPLETE_GRACE,
        at(4, 15) + AUTO_COMPLETE_GRACE,
    ]
    assert deferred_tasks.run_due(at=at(3, 12) + AUTO_COMPLETE_GRACE)["complete_visit"] == ["nothing to do"]
    assert status_of(confirmed) == Status.CONFIRMED
    assert deferred_tasks.run_due(at=at(4, 15) + AUTO_COMPLETE_GRACE)["complete_visit"] == ["completed"]
    assert status_of(confirmed) == Status.COMPLETED


@pytest.mark.parametrize("marked", [Status.NO_SHOW, Status.COMPLETED])
def test_a_visit_its_therapist_already_marked_is_left_alone(confirmed, therapist, deferred_tasks, marked):
    with time_travel(at(3, 11)):
        services.appointment_mark(appointment=confirmed, to=marked, by=therapist.user)
    assert deferred_tasks.run_due(at=at(3, 11) + AUTO_COMPLETE_GRACE)["complete_visit"] == ["nothing to do"]
    assert status_of(confirmed) == marked


def test_a_cancelled_visit_is_not_completed(confirmed, deferred_tasks):
    with deferred_tasks.committed():
        services.appointment_cancel(appointment=confirmed, by=front_desk_user())
    deferred_tasks.run_due(at=at(3, 11) + AUTO_COMPLETE_GRACE)
    assert status_of(confirmed) == Status.CANCELLED


def test_a_visit_completed_on_its_own_can_be_marked_a_no_show(confirmed, therapist, deferred_tasks):
    deferred_tasks.run_due(at=at(3, 11) + AUTO_COMPLETE_GRACE)
    with time_travel(at(3, 16)):
        services.appointment_mark(appointment=confirmed, to=Status.NO_SHOW, by=therapist.user)
    assert status_of(confirmed) == Status.NO_SHOW


def test_running_a_task_twice_changes_nothing_more(confirmed, deferred_tasks):
    deferred_tasks.run_due(at=at(3, 11) + AUTO_COMPLETE_GRACE)
    with time_travel(at(3, 13)):
        assert complete_visit.call(confirmed.pk) == "nothing to do"
        assert expire_hold.call(confirmed.pk) == "nothing to do"
    assert Appointment.objects.get(pk=confirmed.pk).status == Status.COMPLETED
