"""Real threads, each with its own database connection, racing for the same time. These run on the
file-based SQLite test database and, in CI, on PostgreSQL."""

from datetime import date

import pytest

from bookings import absences, services
from bookings.models import ACTIVE_STATUSES, Appointment, Closure, Status
from clinic.tests.concurrency import race as shared_race
from clinic.tests.factories import UserFactory, front_desk_user

from .factories import AppointmentFactory, bookable_therapist
from .fixtures import at

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("frozen_now"),
]


def race(attempts):
    return shared_race(attempts, success="booked")


def booker(patient, service, therapist, start):
    return lambda: services.appointment_book(
        patient=patient, service=service, therapist=therapist, start=start
    )


def test_fifty_simultaneous_attempts_at_one_slot_create_exactly_one(service, therapist):
    patients = [UserFactory() for _ in range(50)]
    outcome = race([booker(p, service, therapist, at(3, 10)) for p in patients])
    assert outcome["booked"] == 1, outcome
    assert outcome["refused:slot_taken"] == 49, outcome
    assert Appointment.objects.filter(status=Status.HELD).count() == 1


def test_simultaneous_partially_overlapping_slots_create_exactly_one(service, therapist):
    patients = [UserFactory() for _ in range(50)]
    starts = [at(3, 10), at(3, 10, 15), at(3, 10, 30), at(3, 10, 45), at(3, 11)]
    outcome = race([booker(p, service, therapist, starts[i % len(starts)]) for i, p in enumerate(patients)])
    assert outcome["booked"] == 1, outcome
    assert sum(n for k, n in outcome.items() if k.startswith("refused")) == 49, outcome
    assert not any(k.startswith("error") for k in outcome), outcome


def test_one_patient_booking_two_therapists_at_once_gets_one(service, therapist):
    other = bookable_therapist(service)
    patient = UserFactory()
    attempts = [booker(patient, service, t, at(3, 10)) for t in (therapist, other) * 10]
    outcome = race(attempts)
    assert outcome["booked"] == 1, outcome
    assert sum(n for k, n in outcome.items() if k.startswith("refused")) == 19, outcome
    assert Appointment.objects.filter(patient=patient).count() == 1


def test_one_patient_racing_for_many_slots_holds_no_more_than_the_cap(service, therapist):
    patient = UserFactory()
    starts = [at(day, hour) for day in (3, 4, 5) for hour in (9, 11, 13, 15)][:10]
    outcome = race([booker(patient, service, therapist, start) for start in starts])
    assert outcome["booked"] == 2, outcome
    assert outcome["refused:too_many_holds"] == 8, outcome
    assert Appointment.objects.filter(patient=patient, status=Status.HELD).count() == 2


# --- a closure saved while patients book into the days it closes ------------------------------------


def _closure_races_bookings(service, therapist, *, day: int, cancel: bool):
    """One closure of day `day` saved at the same moment as five patients book that day."""
    admin = UserFactory(is_staff=True, is_superuser=True)
    closure = Closure(first_day=date(2026, 6, day), last_day=date(2026, 6, day), reason="Burst pipe")
    result = {}

    def close():
        result["listed"] = absences.closure_save(closure=closure, by=admin, cancel_appointments=cancel)

    patients = [UserFactory() for _ in range(5)]
    attempts = [booker(p, service, therapist, at(day, 9 + 2 * i)) for i, p in enumerate(patients)]
    outcome = race([close, *attempts])
    assert not any(k.startswith("error") for k in outcome), outcome
    # `booked` counts the closure's save too: six callables, each saved or refused.
    assert outcome["booked"] + outcome["refused:slot_unavailable"] == 6, outcome
    inside = Appointment.objects.filter(start__date=date(2026, 6, day))
    return inside, result["listed"], outcome


@pytest.mark.parametrize("day", [3, 4, 5, 8, 9])
def test_a_closure_saved_while_patients_book_cancels_every_booking_that_got_in(service, therapist, day):
    inside, cancelled, outcome = _closure_races_bookings(service, therapist, day=day, cancel=True)
    # Either a booking was refused (the closure came first) or the closure found and cancelled it.
    assert not inside.filter(status__in=ACTIVE_STATUSES).exists(), outcome
    assert {a.pk for a in cancelled} == set(inside.values_list("pk", flat=True)), outcome


@pytest.mark.parametrize("day", [3, 4, 5, 8, 9])
def test_a_closure_saved_while_patients_book_lists_every_booking_that_got_in(service, therapist, day):
    inside, listed, outcome = _closure_races_bookings(service, therapist, day=day, cancel=False)
    assert {a.pk for a in listed} == set(
        inside.filter(status__in=ACTIVE_STATUSES).values_list("pk", flat=True)
    )
    assert inside.count() == outcome["booked"] - 1, outcome


def test_two_desks_marking_one_arrival_at_once_record_it_once(service, therapist):
    appointment = AppointmentFactory(therapist=therapist, service=service, start=at(1, 10))
    desks = [front_desk_user(), front_desk_user()]
    outcomes = shared_race(
        [lambda d=d: services.appointment_mark_arrived(appointment=appointment, by=d) for d in desks]
    )
    assert outcomes == {"ok": 1, "refused:already_arrived": 1}
    appointment.refresh_from_db()
    assert appointment.arrived_by in desks
