"""The page after the health form says what happens next and how to reach the clinic."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bookings.models import Status
from bookings.tests.factories import AppointmentFactory
from bookings.tests.fixtures import at
from clinic.models import ClinicPolicy, ClinicProfile
from clinic.tests.emails import PROFILE
from clinic.tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def outcome_page(client, status):
    ClinicProfile(**PROFILE).save()
    patient = UserFactory()
    appointment = AppointmentFactory(patient=patient, start=at(5, 10), status=status)
    client.force_login(patient)
    return client.get(reverse("intake:outcome", args=[appointment.pk])).content.decode()


def test_a_confirmed_booking_says_the_email_the_reminder_and_the_contact(client):
    ClinicPolicy.objects.update(reminder_hours=24)
    body = outcome_page(client, Status.CONFIRMED)
    assert "You are booked" in body
    assert "What happens next" in body
    assert "Your confirmation, with a calendar file, is emailed to" in body
    assert "reminder the day before your visit" in body
    assert 'href="tel:02079460321"' in body[body.index('id="what-next"') :]


def test_a_booking_waiting_for_review_says_the_review_comes_first(client):
    body = outcome_page(client, Status.PENDING_REVIEW)
    assert "A therapist reviews your answers" in body
    assert "hello@clinic.example" in body[body.index('id="what-next"') :]
