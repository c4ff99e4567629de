"""What intake registers on the bookings pages at start-up (bookings itself never imports intake)."""

import pytest
from django.urls import reverse

from bookings import extensions
from bookings.models import Status
from bookings.tests.factories import AppointmentFactory
from clinic.tests.factories import UserFactory, front_desk_user

from .review_fixtures import at, quick_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def sam():
    return UserFactory(first_name="Sam")


def test_a_held_slot_goes_on_to_the_health_questions(sam, service, therapist):
    appointment = AppointmentFactory(
        patient=sam, therapist=therapist, service=service, start=at(3, 10), status=Status.HELD
    )
    assert extensions.next_step_url(appointment) == reverse("intake:appointment-start", args=[appointment.pk])


def test_a_confirmed_booking_has_no_next_step(sam, service, therapist):
    appointment = AppointmentFactory(
        patient=sam, therapist=therapist, service=service, start=at(3, 10), status=Status.CONFIRMED
    )
    assert extensions.next_step_url(appointment) is None


def test_the_patient_is_asked_for_the_health_questions_on_a_held_booking(client, sam, service, therapist):
    appointment = AppointmentFactory(
        patient=sam, therapist=therapist, service=service, start=at(3, 10), status=Status.HELD
    )
    client.force_login(sam)
    page = client.get(appointment.get_absolute_url()).content.decode()
    assert reverse("intake:appointment-start", args=[appointment.pk]) in page
    assert 'id="screening"' not in page


def test_front_desk_sees_the_outcome_without_the_patients_links(client, therapist):
    case = quick_case(therapist=therapist, start=at(3, 10))
    client.force_login(front_desk_user())
    page = client.get(case.appointment.get_absolute_url()).content.decode()
    assert 'id="screening">Therapist review<' in page
    assert reverse("intake:review-status", args=[case.appointment.pk]) not in page
    assert reverse("intake:appointment-start", args=[case.appointment.pk]) not in page


def test_the_patient_of_a_flagged_booking_is_pointed_to_the_review(client, therapist):
    case = quick_case(therapist=therapist, start=at(3, 10))
    client.force_login(case.appointment.patient)
    page = client.get(case.appointment.get_absolute_url()).content.decode()
    assert "A therapist is reviewing your health form." in page
    assert reverse("intake:review-status", args=[case.appointment.pk]) in page
