"""The acceptance of issue 12 through the pages, with the production task backend and real SMTP:

- with the mail server refusing connections, a booking made on the booking and health-form pages
  still succeeds; its confirmation stays pending and is delivered exactly once when the server is
  back and the worker runs;
- with a mail server that accepts connections and never answers (EMAIL_TIMEOUT as shipped, 10 s), no
  page that causes an email takes 15 s, or even opens a connection to it: only the worker talks to
  the mail server.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse

from bookings.models import Appointment, Status
from bookings.tests.factories import AppointmentFactory
from bookings.tests.fixtures import at
from clinic.models import User
from clinic.outbox.models import OutboxMessage
from clinic.outbox.models import Status as MessageStatus
from clinic.tests.factories import PASSWORD, UserFactory, front_desk_user
from clinic.tests.smtp import run_db_worker, silent_smtp_server, smtp_sink, use_smtp_and_database_tasks

from .questionnaire.steps import clear_steps

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("frozen_now"),
]

REQUEST_LIMIT_SECONDS = 15


def book_on_the_pages(client, service, therapist, start) -> Appointment:
    """Hold a slot on the booking page, then send a clear health form, page by page."""
    response = client.post(
        reverse("bookings:hold", args=[service.slug]), {"start": start.isoformat(), "therapist": therapist.pk}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    appointment = Appointment.objects.get(start=start, therapist=therapist)
    for index, data in enumerate(clear_steps()):
        response = client.post(
            f"/intake/step/{index}/?appointment={appointment.pk}", {**data, "appointment": appointment.pk}
        )
        assert response.status_code == 302, (index, response.content.decode()[:2000])
    response = client.post(f"/intake/check/?appointment={appointment.pk}", {"appointment": appointment.pk})
    assert response["Location"] == f"/intake/appointment/{appointment.pk}/result/"
    appointment.refresh_from_db()
    return appointment


def test_a_booking_on_the_pages_succeeds_while_smtp_refuses_and_is_confirmed_by_email_once_later(
    client, settings, service, therapist
):
    port = use_smtp_and_database_tasks(settings)  # nothing listens on the port: connection refused
    patient = UserFactory(first_name="Sam", last_name="Taylor", email="sam@example.org")
    client.force_login(patient)

    appointment = book_on_the_pages(client, service, therapist, at(3, 10))
    assert appointment.status == Status.CONFIRMED

    run_db_worker()
    # The reminder and check-in request queued with it are due later.
    (confirmation,) = OutboxMessage.objects.filter(appointment=appointment, kind="appointment.confirmed")
    assert confirmation.status == MessageStatus.PENDING
    assert confirmation.attempts == 1
    assert "refused" in confirmation.last_error.lower()

    with smtp_sink(port) as sink:
        run_db_worker()  # the retry is not due yet
        assert sink.messages == []
        with time_machine.travel(confirmation.next_attempt_at + timedelta(seconds=1), tick=False):
            run_db_worker()
            call_command("outbox_sweep", verbosity=0)
            run_db_worker()
    confirmation.refresh_from_db()
    assert confirmation.status == MessageStatus.SENT
    assert sink.outbox_ids() == {str(confirmation.pk): 1}
    assert sink.messages[0]["To"] == "sam@example.org"


def timed(make_request):
    started = time.monotonic()
    response = make_request()
    return response, time.monotonic() - started


def test_no_page_waits_on_a_mail_server_that_never_answers(client, settings, service, therapist):
    assert django_settings.EMAIL_TIMEOUT == 10  # as shipped
    port = use_smtp_and_database_tasks(settings)
    patient = UserFactory(first_name="Sam", last_name="Taylor", email="sam@example.org")
    to_cancel = AppointmentFactory(patient=patient, therapist=therapist, service=service, start=at(4, 10))
    UserFactory(email="walk-in@example.org")
    new_password = "a-new-long-password-81"
    pages = {
        "sign up": lambda: client.post(
            reverse("account_signup"),
            {
                "first_name": "Noor",
                "last_name": "Haddad",
                "email": "noor@example.org",
                "password1": new_password,
                "password2": new_password,
            },
        ),
        "ask for a password reset": lambda: client.post(
            reverse("account_reset_password"), {"email": "sam@example.org"}
        ),
        "cancel an appointment": lambda: client.post(
            reverse("bookings:appointment-cancel", args=[to_cancel.pk]), {"reason": "Away"}
        ),
        "front desk books for a patient": lambda: client.post(
            reverse("bookings:front-desk-book") + f"?patient=walk-in%40example.org&service={service.slug}",
            {"start": at(5, 13).isoformat(), "therapist": therapist.pk},
        ),
    }
    took: dict[str, float] = {}
    statuses: dict[str, int] = {}
    with silent_smtp_server(port) as server:
        for name, make_request in pages.items():
            client.logout()
            if name == "cancel an appointment":
                client.login(email="sam@example.org", password=PASSWORD)
            elif name == "front desk books for a patient":
                client.force_login(front_desk_user())
            response, took[name] = timed(make_request)
            statuses[name] = response.status_code
        client.logout()
        client.force_login(patient)
        started = time.monotonic()
        booked = book_on_the_pages(client, service, therapist, at(3, 10))
        took["book and send the health form"] = time.monotonic() - started

        assert {name: status for name, status in statuses.items() if status >= 400} == {}
        assert {name: seconds for name, seconds in took.items() if seconds >= REQUEST_LIMIT_SECONDS} == {}
        assert server.connections == 0  # no page even opened a connection to the mail server

    assert booked.status == Status.CONFIRMED
    assert User.objects.filter(email="noor@example.org").exists()
    waiting = set(OutboxMessage.objects.filter(status=MessageStatus.PENDING).values_list("kind", "recipient"))
    assert ("appointment.confirmed", "sam@example.org") in waiting
    assert ("appointment.cancelled", "sam@example.org") in waiting
    assert {recipient for _, recipient in waiting} >= {"noor@example.org", "sam@example.org"}
