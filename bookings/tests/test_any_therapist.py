"""'Any therapist': the clinic picks who takes the time, fairly (the least booked that day, then by
name) and safely (a therapist taken meanwhile passes the turn; none left is a clear "just taken")."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bookings import selectors, services
from bookings.models import Appointment, Status
from clinic.tests.factories import UserFactory

from .factories import AppointmentFactory
from .fixtures import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def book_any(patient, service, start):
    return services.appointment_book_any(patient=patient, service=service, start=start)


def test_with_nobody_booked_the_first_by_name_is_picked(service, therapist, other_therapist):
    appointment = book_any(UserFactory(), service, at(3, 10))
    assert appointment.therapist == other_therapist  # Omar Reyes before Priya Shah


def test_the_therapist_least_booked_that_day_is_picked(service, therapist, other_therapist):
    AppointmentFactory(therapist=other_therapist, service=service, start=at(3, 14))
    AppointmentFactory(therapist=therapist, service=service, start=at(4, 14))  # another day: not counted
    appointment = book_any(UserFactory(), service, at(3, 10))
    assert appointment.therapist == therapist


def test_a_therapist_taken_meanwhile_passes_the_turn_to_the_next_free_one(
    service, therapist, other_therapist, monkeypatch
):
    listed = selectors.therapists_free_at

    def taken_after_listing(**kwargs):
        free = listed(**kwargs)
        AppointmentFactory(therapist=free[0], service=service, start=kwargs["start"])  # another patient
        return free

    monkeypatch.setattr(selectors, "therapists_free_at", taken_after_listing)
    appointment = book_any(UserFactory(), service, at(3, 10))
    assert appointment.therapist == therapist
    assert appointment.status == Status.HELD


def test_when_every_therapist_is_taken_the_time_was_just_taken(service, therapist, other_therapist):
    for t in (therapist, other_therapist):
        AppointmentFactory(therapist=t, service=service, start=at(3, 10))
    with pytest.raises(services.BookingError) as exc:
        book_any(UserFactory(), service, at(3, 10))
    assert exc.value.code == "slot_taken"
    assert "just taken" in exc.value.message


def test_a_refusal_that_is_the_patients_own_ends_the_search(service, therapist, other_therapist):
    patient = UserFactory()
    AppointmentFactory(patient=patient, therapist=other_therapist, service=service, start=at(3, 10))
    with pytest.raises(services.BookingError) as exc:
        book_any(patient, service, at(3, 10))
    assert exc.value.code == "patient_busy"
    assert Appointment.objects.count() == 1


def test_a_naive_or_far_start_is_refused_before_anyone_is_asked(service, therapist):
    with pytest.raises(services.BookingError) as exc:
        book_any(UserFactory(), service, at(3, 10).replace(tzinfo=None))
    assert exc.value.code == "invalid_start"


def test_the_page_holds_an_any_therapist_time_with_the_fair_pick(client, service, therapist, other_therapist):
    AppointmentFactory(therapist=other_therapist, service=service, start=at(3, 9))
    client.force_login(UserFactory())
    resp = client.post(
        reverse("bookings:hold", args=[service.slug]), {"start": at(3, 12).isoformat(), "therapist": ""}
    )
    assert resp.status_code == 302
    assert Appointment.objects.get(status=Status.HELD).therapist == therapist


def test_the_page_says_just_taken_when_nobody_is_left(client, service, therapist):
    AppointmentFactory(therapist=therapist, service=service, start=at(3, 12))
    client.force_login(UserFactory())
    resp = client.post(
        reverse("bookings:hold", args=[service.slug]) + "?date=2026-06-03",
        {"start": at(3, 12).isoformat(), "therapist": ""},
    )
    assert resp.status_code == 409
    body = resp.content.decode()
    assert "just taken" in body
    assert "Wednesday 3 June 2026" in body


def move_to_14_with_any(client, service, therapist, *, own_busy: bool):
    patient = UserFactory()
    appointment = AppointmentFactory(patient=patient, therapist=therapist, service=service, start=at(5, 10))
    if own_busy:
        AppointmentFactory(therapist=therapist, service=service, start=at(5, 14))
    client.force_login(patient)
    resp = client.post(
        reverse("bookings:appointment-reschedule", args=[appointment.pk]),
        {"start": at(5, 14).isoformat(), "therapist": ""},
    )
    assert resp.status_code == 302
    appointment.refresh_from_db()
    return appointment.start, appointment.therapist


def test_moving_with_any_therapist_keeps_the_own_therapist_when_free(
    client, service, therapist, other_therapist
):
    assert move_to_14_with_any(client, service, therapist, own_busy=False) == (at(5, 14), therapist)


def test_moving_with_any_therapist_goes_to_another_when_the_own_is_busy(
    client, service, therapist, other_therapist
):
    assert move_to_14_with_any(client, service, therapist, own_busy=True) == (at(5, 14), other_therapist)
