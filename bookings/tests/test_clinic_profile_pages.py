"""Issue 12: the clinic's profile in what bookings produce: the calendar file's LOCATION, and the phone
number on every page and message that sends the patient to the phone."""

from __future__ import annotations

import pytest
from django.urls import reverse
from icalendar import Calendar

from bookings import services
from bookings.feed.services import calendar_feed_issue
from bookings.ics import appointment_ics
from bookings.models import Service
from clinic.models import ClinicProfile
from clinic.tests.emails import PROFILE
from clinic.tests.factories import UserFactory

from .factories import AppointmentFactory, ServiceFactory, bookable_therapist
from .fixtures import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile():
    profile = ClinicProfile(**PROFILE)
    profile.save()
    return profile


def location(appointment) -> str:
    (event,) = Calendar.from_ical(appointment_ics(appointment)).walk("VEVENT")
    return str(event["LOCATION"])


def test_without_a_profile_the_calendar_location_is_the_clinic_name_setting(settings):
    settings.CLINIC_NAME = "Fallback Clinic"
    assert location(AppointmentFactory(start=at(3, 10))) == "Fallback Clinic"


def test_the_calendar_location_is_the_clinics_name_and_address(profile):
    appointment = AppointmentFactory(start=at(3, 10))
    assert location(appointment) == "Riverside Manual Therapy, 14 Riverside Walk, London, SE1 9ZZ"


@pytest.mark.usefixtures("frozen_now")
def test_the_therapists_feed_shows_the_clinics_address_as_each_sessions_location(
    client, profile, service, therapist
):
    AppointmentFactory(therapist=therapist, service=service, start=at(3, 10))
    token = calendar_feed_issue(therapist=therapist, by=therapist.user)
    feed = Calendar.from_ical(client.get(reverse("bookings:calendar-feed", args=[token])).content)
    (event,) = feed.walk("VEVENT")
    assert str(event["LOCATION"]) == "Riverside Manual Therapy, 14 Riverside Walk, London, SE1 9ZZ"
    assert feed.calendar_name.startswith("Riverside Manual Therapy: ")


def test_with_nothing_to_book_the_patient_is_given_the_number(client, profile):
    Service.objects.update(active=False)
    page = client.get(reverse("bookings:service-list")).content.decode()
    assert "No sessions can be booked online" in page
    assert (
        'Please phone the clinic on <a href="tel:02079460321" class="text-nowrap">020 7946 0321</a>.' in page
    )


@pytest.mark.usefixtures("frozen_now")
def test_too_late_to_change_online_gives_the_number(client, profile):
    patient = UserFactory()
    appointment = AppointmentFactory(patient=patient, start=at(1, 20))  # 12 hours ahead
    client.force_login(patient)
    page = client.get(reverse("bookings:appointment-detail", args=[appointment.pk])).content.decode()
    assert "can no longer be changed online" in page
    assert 'href="tel:02079460321"' in page
    with pytest.raises(services.BookingError, match="Please phone the clinic on 020 7946 0321."):
        services.appointment_cancel(appointment=appointment, by=patient)


@pytest.mark.usefixtures("frozen_now")
def test_too_late_to_change_without_a_number_still_says_to_phone(client):
    service = ServiceFactory()
    patient = UserFactory()
    appointment = AppointmentFactory(
        patient=patient, service=service, therapist=bookable_therapist(service), start=at(1, 20)
    )
    with pytest.raises(services.BookingError) as exc:
        services.appointment_cancel(appointment=appointment, by=patient)
    assert exc.value.messages[0].endswith("Please phone the clinic.")
