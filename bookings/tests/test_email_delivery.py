"""Appointment emails go through the outbox with the production task backend and real SMTP: a booking
succeeds while the mail server refuses, and its confirmation is delivered exactly once when the server
is back; a page never waits on a mail server that does not answer."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from bookings import services
from bookings.models import Status
from clinic.outbox.models import OutboxMessage
from clinic.outbox.models import Status as MessageStatus
from clinic.tests.factories import UserFactory
from clinic.tests.smtp import run_db_worker, silent_smtp_server, smtp_sink, use_smtp_and_database_tasks

from .factories import AppointmentFactory
from .fixtures import at

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("frozen_now"),
]


def test_a_booking_succeeds_while_smtp_refuses_and_its_confirmation_is_delivered_once_later(
    settings, service, therapist
):
    port = use_smtp_and_database_tasks(settings)
    patient = UserFactory(email="pat@example.com")
    appointment = services.appointment_book(
        patient=patient, service=service, therapist=therapist, start=at(3, 10)
    )
    appointment = services.appointment_confirm(appointment=appointment)
    assert appointment.status == Status.CONFIRMED

    run_db_worker()  # nothing listens: connection refused
    (message,) = OutboxMessage.objects.filter(appointment=appointment, kind="appointment.confirmed")
    assert message.status == MessageStatus.PENDING
    assert message.attempts == 1

    with smtp_sink(port) as sink, time_machine.travel(message.next_attempt_at + timedelta(seconds=1)):
        run_db_worker()
        call_command("outbox_sweep", verbosity=0)
        run_db_worker()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert [m["To"] for m in sink.messages] == ["pat@example.com"]
    assert "confirmed" in sink.messages[0]["Subject"]
    assert any(part.get_filename() == "appointment.ics" for part in sink.messages[0].walk())


def test_a_cancellation_page_does_not_wait_on_a_mail_server_that_never_answers(
    client, settings, service, therapist
):
    port = use_smtp_and_database_tasks(settings)
    settings.EMAIL_TIMEOUT = 1
    patient = UserFactory()
    appointment = AppointmentFactory(patient=patient, therapist=therapist, service=service, start=at(3, 10))
    client.force_login(patient)
    with silent_smtp_server(port):
        started = time.monotonic()
        response = client.post(
            reverse("bookings:appointment-cancel", args=[appointment.pk]), {"reason": "Away"}
        )
        assert time.monotonic() - started < 15
        assert response.status_code == 302
        (message,) = OutboxMessage.objects.filter(appointment=appointment, kind="appointment.cancelled")
        assert message.status == MessageStatus.PENDING
        run_db_worker()  # the worker, not the page, waits EMAIL_TIMEOUT and gives up for now
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING
    assert "timed out" in message.last_error
