"""Real threads, each with its own database connection, racing for the same time. These run on the
file-based SQLite test database and, in CI, on PostgreSQL."""

import pytest

from bookings import services
from bookings.models import Appointment, Status
from clinic.tests.concurrency import race as shared_race
from clinic.tests.factories import UserFactory

from .factories import bookable_therapist
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
