"""bookings shows what other apps register, and works on its own when nothing is registered."""

import copy

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from bookings import extensions, services
from bookings.api import appointment_out
from bookings.models import Appointment, Status
from clinic.outbox.models import OutboxMessage
from clinic.tests.factories import UserFactory, front_desk_user

from .factories import AppointmentFactory
from .fixtures import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def nothing_registered(monkeypatch):
    monkeypatch.setattr(extensions, "_next_step", None)
    monkeypatch.setattr(extensions, "_health_form", None)
    monkeypatch.setattr(extensions, "_panel_providers", [])


@pytest.fixture
def panel_template(settings, tmp_path):
    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "panel.html").write_text('<p id="extra">{{ panel.word }} for {{ panel.who }}</p>')
    templates = copy.deepcopy(django_settings.TEMPLATES)
    templates[0]["DIRS"] = [tmp_path, *templates[0]["DIRS"]]
    settings.TEMPLATES = templates
    return "extra/panel.html"


def test_hold_without_a_registered_next_step_goes_to_the_appointment_page(
    client, service, therapist, nothing_registered
):
    client.force_login(UserFactory())
    resp = client.post(
        reverse("bookings:hold", args=[service.slug]),
        {"start": at(3, 10).isoformat(), "therapist": therapist.pk},
    )
    appointment = Appointment.objects.get()
    assert resp.status_code == 302
    assert resp["Location"] == appointment.get_absolute_url()


def test_api_gives_no_next_url_without_a_registered_next_step(service, therapist, nothing_registered):
    appointment = AppointmentFactory(therapist=therapist, service=service, start=at(3, 10))
    assert appointment_out(appointment)["next_url"] is None


def test_appointment_page_renders_the_registered_panels_for_the_viewer(
    client, service, therapist, nothing_registered, panel_template
):
    patient = UserFactory()
    appointment = AppointmentFactory(patient=patient, therapist=therapist, service=service, start=at(3, 10))
    extensions.register_appointment_panels(
        lambda appt, user: [extensions.AppointmentPanel(panel_template, {"word": appt.pk, "who": user.pk})]
    )
    client.force_login(patient)
    page = client.get(appointment.get_absolute_url()).content.decode()
    assert f'<p id="extra">{appointment.pk} for {patient.pk}</p>' in page


def test_registering_the_same_panel_provider_twice_shows_it_once(nothing_registered):
    def provider(appointment, user):
        return [extensions.AppointmentPanel("x.html")]

    extensions.register_appointment_panels(provider)
    extensions.register_appointment_panels(provider)
    assert extensions.appointment_panels(None, None) == [extensions.AppointmentPanel("x.html")]


def test_appointment_page_without_panels_shows_the_booking_alone(
    client, service, therapist, nothing_registered
):
    patient = UserFactory()
    appointment = AppointmentFactory(
        patient=patient, therapist=therapist, service=service, start=at(3, 10), status=Status.HELD
    )
    client.force_login(patient)
    resp = client.get(appointment.get_absolute_url())
    assert resp.status_code == 200
    assert "Add to calendar" in resp.content.decode()


def test_without_a_registered_health_form_a_front_desk_booking_email_links_the_appointment(
    settings, service, therapist, nothing_registered
):
    settings.SITE_URL = "https://clinic.example"
    appointment = services.appointment_book_for_review(
        patient=UserFactory(), service=service, therapist=therapist, start=at(3, 13), by=front_desk_user()
    )
    (message,) = OutboxMessage.objects.filter(kind="appointment.booked_for_you")
    assert f"https://clinic.example/appointments/{appointment.pk}/" in message.body_text
    assert "/intake/" not in message.body_text
