"""The appointment email: from the clinic's one base template, text and HTML, times in the clinic's zone
with the zone named, an absolute link from SITE_URL, and the calendar file."""

from __future__ import annotations

import pytest
from django.core import mail

from bookings import services
from clinic.tests.factories import UserFactory

from .fixtures import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def test_the_confirmation_names_the_zone_and_links_absolutely(
    settings, service, therapist, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://clinic.example"
    patient = UserFactory(first_name="Ada")
    appointment = services.appointment_book(
        patient=patient, service=service, therapist=therapist, start=at(3, 10)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_confirm(appointment=appointment)
    (email,) = mail.outbox
    link = f"https://clinic.example/appointments/{appointment.pk}/"
    assert email.body.startswith("Hello Ada,")
    assert "(Europe/London time)" in email.body
    assert link in email.body
    assert email.body.rstrip().endswith("https://clinic.example/")  # the base template's footer
    html = email.alternatives[0].content
    assert f'href="{link}"' in html
    assert "Europe/London time" in html
    assert email.attachments[0][0] == "appointment.ics"
