"""Issue 12, notification kinds of the bookings app: each is an outbox row written in the transaction of
the change (rolled back: nothing), to the patient, text and HTML on the clinic's base, times in the
clinic's zone with the zone named, links absolute from SITE_URL, and no health detail; queued once per
(appointment, kind, event)."""

from __future__ import annotations

import base64

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils.http import urlencode

from bookings import absences, notifications, services
from bookings.models import Closure, Status, TimeOff
from clinic.outbox.models import OutboxMessage
from clinic.tests.emails import SITE_URL, assert_clean_email, email_setup, only
from clinic.tests.factories import UserFactory, clinic_admin_user, front_desk_user

from .factories import AppointmentFactory
from .fixtures import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

# What a patient might have told the clinic about their health: no appointment email may carry it.
HEALTH_WORDS = ["herniated", "disc", "pregnan", "numb", "screening", "flag", "contraindication"]


class RolledBack(Exception):
    pass


@pytest.fixture(autouse=True)
def _emails(settings):
    email_setup(settings)


@pytest.fixture
def ada(db):
    return UserFactory(first_name="Ada", email="ada@example.org")


@pytest.fixture
def confirmed(ada, service, therapist):
    return AppointmentFactory(patient=ada, therapist=therapist, service=service, start=at(4, 10))


def rolled_back(action) -> None:
    """Run `action` in a transaction that then rolls back."""
    with pytest.raises(RolledBack), transaction.atomic():
        action()
        raise RolledBack


def calendar(message: OutboxMessage) -> str:
    (attachment,) = message.attachments
    assert attachment["filename"] == "appointment.ics"
    return base64.b64decode(attachment["content"]).decode()


# --- confirmed ------------------------------------------------------------------------------------


def test_the_confirmation_is_queued_in_the_transaction_that_confirms(ada, service, therapist):
    held = services.appointment_book(patient=ada, service=service, therapist=therapist, start=at(3, 10))
    rolled_back(lambda: services.appointment_confirm(appointment=held))
    assert not OutboxMessage.objects.exists()

    services.appointment_confirm(appointment=held)
    message = only("appointment.confirmed")
    assert message.recipient == "ada@example.org"
    assert_clean_email(message, forbidden=HEALTH_WORDS)
    assert "Wednesday 3 June 2026, 10:00" in message.body_text
    assert f"{SITE_URL}/appointments/{held.pk}/" in message.body_text
    assert "METHOD:REQUEST" in calendar(message)


# --- moved ----------------------------------------------------------------------------------------


def test_the_move_email_gives_the_old_and_new_time_and_therapist(confirmed, other_therapist):
    move = lambda: services.appointment_reschedule(  # noqa: E731
        appointment=confirmed, start=at(5, 14), therapist=other_therapist, by=front_desk_user()
    )
    rolled_back(move)
    assert not OutboxMessage.objects.exists()

    move()
    message = only("appointment.changed")
    assert message.recipient == "ada@example.org"
    assert_clean_email(message, forbidden=HEALTH_WORDS)
    for part in (message.body_text, message.body_html):
        assert "Thursday 4 June 2026, 10:00 with Priya Shah" in part
        assert "Friday 5 June 2026, 14:00 to 15:00 with Omar Reyes" in part
    assert "SEQUENCE:1" in calendar(message)


# --- cancelled ------------------------------------------------------------------------------------


def test_the_cancellation_carries_a_calendar_cancel(confirmed, ada):
    rolled_back(lambda: services.appointment_cancel(appointment=confirmed, by=ada))
    assert not OutboxMessage.objects.exists()

    services.appointment_cancel(appointment=confirmed, by=ada, reason="My bad back again")
    message = only("appointment.cancelled")
    assert message.recipient == "ada@example.org"
    # The patient's own note is not repeated back to them: it may say something about their health.
    assert_clean_email(message, forbidden=[*HEALTH_WORDS, "bad back"])
    ics = calendar(message)
    assert "METHOD:CANCEL" in ics and "STATUS:CANCELLED" in ics


# --- front-desk booking ---------------------------------------------------------------------------


def test_a_front_desk_booking_asks_the_patient_for_the_health_form(ada, service, therapist):
    desk = front_desk_user()
    book = lambda: services.appointment_book_for_review(  # noqa: E731
        patient=ada, service=service, therapist=therapist, start=at(3, 13), by=desk
    )
    rolled_back(book)
    assert not OutboxMessage.objects.exists()

    appointment = book()
    message = only("appointment.booked_for_you")
    assert message.recipient == "ada@example.org"
    assert "health form" in message.subject
    assert_clean_email(message, forbidden=HEALTH_WORDS)
    form_link = f"{SITE_URL}{reverse('intake:appointment-start', args=[appointment.pk])}"
    assert form_link in message.body_text
    assert f'href="{form_link}"' in message.body_html
    assert "Wednesday 3 June 2026, 13:00" in message.body_text
    assert message.attachments == []  # not confirmed yet: no calendar entry


def test_the_front_desk_page_queues_the_health_form_email(client, ada, service, therapist):
    client.force_login(front_desk_user())
    url = (
        f"{reverse('bookings:front-desk-book')}?{urlencode({'patient': ada.email, 'service': service.slug})}"
    )
    resp = client.post(url, {"start": at(3, 13).isoformat(), "therapist": therapist.pk})
    assert resp.status_code == 302
    assert only("appointment.booked_for_you").recipient == ada.email


def test_a_patient_booking_for_themselves_gets_no_health_form_email(ada, service, therapist):
    services.appointment_book(patient=ada, service=service, therapist=therapist, start=at(3, 10))
    assert not OutboxMessage.objects.exists()  # a hold sends nothing: the form follows on the page


# --- closure and time off -------------------------------------------------------------------------


def test_a_closure_that_cancels_tells_the_patient_why(confirmed):
    closure = Closure(first_day=at(4, 0).date(), last_day=at(4, 0).date(), reason="Staff training")
    absences.closure_save(closure=closure, by=clinic_admin_user(), cancel_appointments=True)
    confirmed.refresh_from_db()
    assert confirmed.status == Status.CANCELLED
    message = only("appointment.cancelled_closure")
    assert message.recipient == "ada@example.org"
    assert "clinic is closed" in message.subject
    assert_clean_email(message, forbidden=HEALTH_WORDS)
    assert "Staff training" in message.body_text and "Staff training" in message.body_html
    assert "METHOD:CANCEL" in calendar(message)


def test_time_off_that_cancels_tells_the_patient_the_therapist_is_away_but_not_why(confirmed, therapist):
    time_off = TimeOff(therapist=therapist, start=at(4, 9), end=at(4, 17), reason="Hospital appointment")
    absences.time_off_save(time_off=time_off, by=clinic_admin_user(), cancel_appointments=True)
    message = only("appointment.cancelled_time_off")
    assert message.recipient == "ada@example.org"
    assert "therapist is away" in message.subject
    assert_clean_email(message, forbidden=[*HEALTH_WORDS, "Hospital"])
    assert absences.TIME_OFF_REASON in message.body_text
    assert "METHOD:CANCEL" in calendar(message)


def test_time_off_and_its_cancellations_are_one_transaction(confirmed, therapist):
    time_off = TimeOff(therapist=therapist, start=at(4, 9), end=at(4, 17), reason="Course")
    with pytest.raises(services.BookingError):  # a patient may not cancel for the clinic
        absences.time_off_save(time_off=time_off, by=UserFactory(), cancel_appointments=True)
    assert not TimeOff.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_time_off_kept_leaves_the_appointment_booked_and_sends_nothing(confirmed, therapist):
    time_off = TimeOff(therapist=therapist, start=at(4, 9), end=at(4, 17))
    kept = absences.time_off_save(time_off=time_off, by=clinic_admin_user(), cancel_appointments=False)
    assert kept == [confirmed]
    assert not OutboxMessage.objects.exists()


def test_time_off_in_the_admin_asks_then_cancels_and_emails(client, confirmed, therapist):
    client.force_login(clinic_admin_user())
    data = {
        "therapist": therapist.pk,
        "start_0": "2026-06-04",
        "start_1": "09:00",
        "end_0": "2026-06-04",
        "end_1": "17:00",
        "reason": "Course",
    }
    resp = client.post(reverse("admin:bookings_timeoff_add"), data)
    assert resp.status_code == 200
    assert "falls on 1 active appointment" in resp.content.decode()
    assert not OutboxMessage.objects.exists()
    resp = client.post(
        reverse("admin:bookings_timeoff_add"), {**data, "on_appointments": "cancel"}, follow=True
    )
    assert "Cancelled 1 appointment(s) in the time off" in resp.content.decode()
    assert only("appointment.cancelled_time_off").recipient == "ada@example.org"


# --- once per event -------------------------------------------------------------------------------


def test_the_same_change_is_queued_once(confirmed):
    notifications.queue_appointment_email(confirmed.pk, kind=notifications.CONFIRMED)
    notifications.queue_appointment_email(confirmed.pk, kind=notifications.CONFIRMED)
    assert OutboxMessage.objects.filter(kind="appointment.confirmed").count() == 1


def test_an_unknown_cancellation_kind_is_refused(confirmed, ada):
    with pytest.raises(ValueError, match="Not a cancellation email"):
        services.appointment_cancel(appointment=confirmed, by=ada, notice=notifications.CONFIRMED)
    confirmed.refresh_from_db()
    assert confirmed.status == Status.CONFIRMED
