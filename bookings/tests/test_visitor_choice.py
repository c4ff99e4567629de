"""A visitor who picks a time keeps it: log in or sign up, and land on the held slot's next step; if it
was taken meanwhile, a clear message and the same day's times."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.http import urlencode

from bookings import visitor_choice
from bookings.models import Appointment, Status
from clinic.models import User
from clinic.tests.factories import PASSWORD, UserFactory

from .factories import AppointmentFactory
from .fixtures import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def pick(client, service, therapist_id="", start=None):
    return client.post(
        reverse("bookings:hold", args=[service.slug]),
        {"start": (start or at(3, 10)).isoformat(), "therapist": therapist_id},
    )


def resume_url(service):
    return reverse("bookings:hold-resume", args=[service.slug])


def log_in(client, user, service):
    return client.post(
        f"{reverse('account_login')}?{urlencode({'next': resume_url(service)})}",
        {"login": user.email, "password": PASSWORD},
    )


def sign_up(client, service, email="new.patient@example.org"):
    return client.post(
        f"{reverse('account_signup')}?{urlencode({'next': resume_url(service)})}",
        {
            "first_name": "Nia",
            "last_name": "Okafor",
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def test_a_visitors_pick_is_kept_and_they_are_asked_to_log_in(client, service, therapist):
    resp = pick(client, service, therapist.pk)
    assert resp.status_code == 302
    assert resp["Location"] == f"{reverse('account_login')}?{urlencode({'next': resume_url(service)})}"
    assert client.session[visitor_choice.CHOICE_KEY] == {
        "service": service.pk,
        "start": at(3, 10).isoformat(),
        "therapist": therapist.pk,
    }
    assert Appointment.objects.count() == 0  # nothing is held for nobody
    login_page = client.get(resp["Location"]).content.decode()
    assert "hold 10:00 on Wednesday 3 June" in login_page
    assert "next=" in login_page and "resume" in login_page  # the sign-up link keeps where to go


def test_logging_in_holds_the_picked_slot_and_lands_on_its_next_step(client, service, therapist):
    patient = UserFactory()
    pick(client, service, therapist.pk)
    resp = log_in(client, patient, service)
    assert resp.status_code == 302 and resp["Location"] == resume_url(service)
    appointment = Appointment.objects.get()
    assert (appointment.patient, appointment.therapist, appointment.start) == (patient, therapist, at(3, 10))
    assert appointment.status == Status.HELD
    landing = client.get(resume_url(service))
    assert landing["Location"] == f"/intake/appointment/{appointment.pk}/"
    assert "We are holding this time" in client.get(landing["Location"], follow=True).content.decode()


def test_signing_up_holds_the_picked_any_therapist_slot(client, service, therapist, other_therapist):
    pick(client, service, "")
    resp = sign_up(client, service)
    assert resp.status_code == 302
    patient = User.objects.get(email="new.patient@example.org")
    appointment = Appointment.objects.get(patient=patient)
    assert appointment.start == at(3, 10) and appointment.status == Status.HELD
    assert client.get(resume_url(service))["Location"] == f"/intake/appointment/{appointment.pk}/"


def test_a_slot_taken_meanwhile_gives_a_clear_message_and_the_same_days_times(client, service, therapist):
    pick(client, service, therapist.pk)
    AppointmentFactory(therapist=therapist, service=service, start=at(3, 10))  # someone else was quicker
    patient = UserFactory()
    log_in(client, patient, service)
    assert not Appointment.objects.filter(patient=patient).exists()
    resp = client.get(resume_url(service), follow=True)
    body = resp.content.decode()
    assert "just taken" in body
    assert resp.redirect_chain[-1][0] == reverse("bookings:service-slots", args=[service.slug]) + (
        f"?therapist={therapist.pk}&date=2026-06-03"
    )
    assert "Wednesday 3 June 2026" in body


def test_a_failed_login_keeps_the_pick_for_the_next_try(client, service, therapist):
    patient = UserFactory()
    pick(client, service, therapist.pk)
    client.post(reverse("account_login"), {"login": patient.email, "password": "wrong-password-123"})
    assert visitor_choice.CHOICE_KEY in client.session
    log_in(client, patient, service)
    assert Appointment.objects.filter(patient=patient, start=at(3, 10)).exists()


def test_logging_in_without_a_pick_holds_nothing_and_resume_goes_to_the_slots(client, service, therapist):
    patient = UserFactory()
    log_in(client, patient, service)
    assert Appointment.objects.count() == 0
    resp = client.get(resume_url(service))
    assert resp["Location"] == reverse("bookings:service-slots", args=[service.slug])


def test_a_visitors_garbled_pick_is_a_message_not_a_login(client, service, therapist):
    resp = client.post(reverse("bookings:hold", args=[service.slug]), {"start": "soon", "therapist": "x"})
    assert resp.status_code == 409
    assert "could not be read" in resp.content.decode() or "whole number" in resp.content.decode()
    assert visitor_choice.CHOICE_KEY not in client.session


def test_resume_asks_a_visitor_to_log_in(client, service):
    resp = client.get(resume_url(service))
    assert resp.status_code == 302
    assert reverse("account_login") in resp["Location"]
