"""Bookings and closing an account: a closed account books nothing, and a booking racing the erasure
either lands first and is cancelled by it, or comes after it and is refused; never an error, and never
an active appointment left for a closed account."""

from __future__ import annotations

import pytest

from bookings import services
from bookings.models import ACTIVE_STATUSES, Appointment
from clinic.rights.services import patient_erase
from clinic.tests.concurrency import race
from clinic.tests.factories import UserFactory

from .factories import AppointmentFactory
from .fixtures import at

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.mark.django_db
def test_a_closed_account_cannot_book(service, therapist, django_capture_on_commit_callbacks):
    patient = UserFactory()
    # A past visit: the account is kept (anonymised) for the retention period, not deleted at once.
    AppointmentFactory(
        patient=patient, therapist=therapist, service=service, start=at(1, 7), status="completed"
    )
    with django_capture_on_commit_callbacks(execute=True):
        patient_erase(patient=patient, by=patient)
    patient.refresh_from_db()
    with pytest.raises(services.BookingError) as refused:
        services.appointment_book(patient=patient, service=service, therapist=therapist, start=at(3, 10))
    assert refused.value.code == "account_closed"
    assert Appointment.objects.filter(patient=patient).count() == 1  # only the past visit


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_booking_racing_the_erasure_never_leaves_an_active_appointment(service, therapist):
    outcomes = []
    for hour in (9, 11, 13, 15):
        patient = UserFactory()
        if hour > 11:  # with a past visit the account is kept, anonymised; without, deleted at once
            AppointmentFactory(
                patient=patient, therapist=therapist, service=service, start=at(1, 6), status="completed"
            )
        # The first hold exists already, so the erasure has something to cancel either way.
        services.appointment_book(patient=patient, service=service, therapist=therapist, start=at(3, hour))
        outcome = race(
            [
                lambda p=patient: patient_erase(patient=p, by=p),
                lambda p=patient, h=hour: services.appointment_book(
                    patient=p, service=service, therapist=therapist, start=at(4, h)
                ),
            ]
        )
        outcomes.append(outcome)
        assert not any(key.startswith("error") for key in outcome), outcome
        assert outcome["ok"] >= 1, outcome  # the erasure always succeeds
        assert set(outcome) <= {"ok", "refused:account_closed"}, outcome
        assert not Appointment.objects.filter(patient=patient, status__in=ACTIVE_STATUSES).exists()
