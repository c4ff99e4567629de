from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from bookings import services
from bookings.models import Appointment, Status
from bookings.services import BookingError
from clinic.tests.factories import UserFactory, front_desk_user

from .factories import AppointmentFactory, ServiceFactory, bookable_therapist
from .fixtures import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def book(patient, service, therapist, start, **kw):
    return services.appointment_book(patient=patient, service=service, therapist=therapist, start=start, **kw)


def test_booking_a_free_slot_holds_it(service, therapist):
    appt = book(UserFactory(), service, therapist, at(3, 10))
    assert appt.status == Status.HELD
    assert appt.end == at(3, 11)
    assert appt.blocks_until == at(3, 11, 15)
    assert appt.hold_expires_at is not None


def test_second_booking_of_same_slot_is_refused(service, therapist):
    book(UserFactory(), service, therapist, at(3, 10))
    with pytest.raises(BookingError) as exc:
        book(UserFactory(), service, therapist, at(3, 10))
    assert exc.value.code == "slot_taken"
    assert Appointment.objects.count() == 1


def test_a_taken_slot_is_refused_before_the_booking_transaction(service, therapist):
    """The crowd that loses a race is answered after one indexed query, without queueing for the
    booking transaction (SQLite's write lock); only a time found free there is checked under the lock."""
    book(UserFactory(), service, therapist, at(3, 10))
    patient = UserFactory()
    with CaptureQueriesContext(connection) as ctx, pytest.raises(BookingError) as exc:
        book(patient, service, therapist, at(3, 10, 30))
    assert exc.value.code == "slot_taken"
    sql = [q["sql"] for q in ctx.captured_queries]
    assert not any(q.startswith(("SAVEPOINT", "BEGIN")) for q in sql), sql
    assert len(sql) == 2, sql  # the service's therapists (a valid request), then the clash


def test_partial_overlap_is_refused(service, therapist):
    book(UserFactory(), service, therapist, at(3, 10))
    with pytest.raises(BookingError) as exc:
        book(UserFactory(), service, therapist, at(3, 10, 30))
    assert exc.value.code == "slot_taken"


def test_booking_inside_buffer_is_refused_and_after_buffer_allowed(service, therapist):
    book(UserFactory(), service, therapist, at(3, 10))
    with pytest.raises(BookingError):
        book(UserFactory(), service, therapist, at(3, 11))  # inside the 15-minute buffer
    assert book(UserFactory(), service, therapist, at(3, 11, 15)).status == Status.HELD


def test_back_to_back_without_buffer_is_allowed(therapist):
    short = ServiceFactory(duration_minutes=30, buffer_minutes=0)
    short.therapists.add(therapist)
    book(UserFactory(), short, therapist, at(3, 10))
    assert book(UserFactory(), short, therapist, at(3, 10, 30)).start == at(3, 10, 30)


def test_patient_cannot_be_in_two_places(service, therapist):
    other = bookable_therapist(service)
    patient = UserFactory()
    book(patient, service, therapist, at(3, 10))
    with pytest.raises(BookingError) as exc:
        book(patient, service, other, at(3, 10, 30))
    assert exc.value.code == "patient_busy"


def test_slot_outside_hours_or_off_grid_is_refused(service, therapist):
    for start in (at(3, 7), at(3, 10, 7), at(3, 16, 30)):
        with pytest.raises(BookingError) as exc:
            book(UserFactory(), service, therapist, start)
        assert exc.value.code == "slot_unavailable"


def test_cancel_frees_the_slot(service, therapist):
    patient = UserFactory()
    appt = book(patient, service, therapist, at(3, 10))
    services.appointment_cancel(appointment=appt, by=patient, reason="Away")
    appt.refresh_from_db()
    assert appt.status == Status.CANCELLED
    assert appt.cancelled_by == patient
    assert book(UserFactory(), service, therapist, at(3, 10)).status == Status.HELD


def test_expired_hold_does_not_block(service, therapist, frozen_now):
    book(UserFactory(), service, therapist, at(3, 10))
    with time_machine.travel(frozen_now + timedelta(minutes=16), tick=False):
        again = book(UserFactory(), service, therapist, at(3, 10))
    assert again.status == Status.HELD
    assert Appointment.objects.filter(status=Status.EXPIRED).count() == 1


def test_lapsed_hold_cannot_be_confirmed(service, therapist, frozen_now):
    appt = book(UserFactory(), service, therapist, at(3, 10))
    with (
        time_machine.travel(frozen_now + timedelta(minutes=16), tick=False),
        pytest.raises(BookingError) as exc,
    ):
        services.appointment_confirm(appointment=appt)
    assert exc.value.code == "expired"


def test_same_idempotency_key_returns_the_first_booking(service, therapist):
    patient = UserFactory()
    first = book(patient, service, therapist, at(3, 10), idempotency_key="abc")
    second = book(patient, service, therapist, at(3, 10), idempotency_key="abc")
    assert first.pk == second.pk
    assert Appointment.objects.count() == 1


def test_cancellation_outside_the_window_is_refused_for_patients_but_not_staff(service, therapist):
    patient = UserFactory()
    appt = AppointmentFactory(
        patient=patient, therapist=therapist, service=service, start=at(2, 7)
    )  # 23 h ahead
    with pytest.raises(BookingError) as exc:
        services.appointment_cancel(appointment=appt, by=patient)
    assert exc.value.code == "outside_window"
    services.appointment_cancel(appointment=appt, by=front_desk_user(), reason="Therapist ill")
    appt.refresh_from_db()
    assert appt.status == Status.CANCELLED


@pytest.mark.parametrize("who", ["therapist", "stranger"])
def test_only_the_patient_or_appointment_staff_may_cancel_or_move(service, therapist, who):
    appt = AppointmentFactory(therapist=therapist, service=service, start=at(3, 10))
    by = therapist.user if who == "therapist" else UserFactory()
    with pytest.raises(BookingError) as exc:
        services.appointment_cancel(appointment=appt, by=by)
    assert exc.value.code == "not_allowed"
    with pytest.raises(BookingError) as exc:
        services.appointment_reschedule(appointment=appt, start=at(4, 10), by=by)
    assert exc.value.code == "not_allowed"
    appt.refresh_from_db()
    assert (appt.status, appt.start) == (Status.CONFIRMED, at(3, 10))


def test_booking_for_another_patient_needs_appointment_staff(service, therapist):
    patient = UserFactory()
    with pytest.raises(BookingError) as exc:
        book(patient, service, therapist, at(3, 10), booked_by=UserFactory())
    assert exc.value.code == "not_allowed"
    assert not Appointment.objects.exists()
    appt = book(patient, service, therapist, at(3, 10), booked_by=front_desk_user())
    assert appt.status == Status.HELD


def test_only_the_appointments_own_therapist_marks_it(service, therapist, frozen_now):
    appt = AppointmentFactory(therapist=therapist, service=service, start=frozen_now - timedelta(hours=2))
    for by in (front_desk_user(), appt.patient, bookable_therapist(service).user):
        with pytest.raises(BookingError) as exc:
            services.appointment_mark(appointment=appt, to=Status.COMPLETED, by=by)
        assert exc.value.code == "not_allowed"
    services.appointment_mark(appointment=appt, to=Status.COMPLETED, by=therapist.user)
    appt.refresh_from_db()
    assert appt.status == Status.COMPLETED


def test_reschedule_moves_atomically_and_keeps_the_old_slot_on_failure(service, therapist):
    patient = UserFactory()
    appt = book(patient, service, therapist, at(3, 10))
    services.appointment_confirm(appointment=appt)
    blocker = book(UserFactory(), service, therapist, at(3, 14))
    with pytest.raises(BookingError):
        services.appointment_reschedule(appointment=appt, start=at(3, 14), by=patient)
    appt.refresh_from_db()
    assert (appt.start, appt.status) == (at(3, 10), Status.CONFIRMED)
    # The refused move left the hold that blocked it as it was.
    blocker.refresh_from_db()
    assert (blocker.start, blocker.status) == (at(3, 14), Status.HELD)
    moved = services.appointment_reschedule(appointment=appt, start=at(3, 10, 30), by=patient)
    assert moved.pk == appt.pk
    assert moved.start == at(3, 10, 30)
    assert moved.sequence == 1
    # The old time is free again for someone else.
    services.appointment_reschedule(appointment=moved, start=at(4, 9), by=patient)
    assert book(UserFactory(), service, therapist, at(3, 10)).status == Status.HELD


def test_transitions_outside_the_table_are_refused(service, therapist):
    appt = AppointmentFactory(therapist=therapist, service=service, start=at(3, 10), status=Status.CANCELLED)
    with pytest.raises(BookingError) as exc:
        services.appointment_confirm(appointment=appt)
    assert exc.value.code == "invalid_transition"


def test_emails_are_sent_after_commit_with_ics(service, therapist, django_capture_on_commit_callbacks):
    patient = UserFactory(email="sam@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        appt = book(patient, service, therapist, at(3, 10))
        services.appointment_confirm(appointment=appt)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sam@example.org"]
    assert "Wednesday 3 June 2026, 10:00" in message.body
    assert "Europe/London" in message.body
    assert message.alternatives[0][1] == "text/html"
    assert message.attachments[0][0] == "appointment.ics"


def test_no_email_when_the_transaction_rolls_back(service, therapist, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                appt = book(UserFactory(), service, therapist, at(3, 10))
                services.appointment_confirm(appointment=appt)
                raise RuntimeError("boom")
        except RuntimeError:
            pass
    assert callbacks == []
    assert mail.outbox == []


@pytest.mark.parametrize("notify", [True, False])
def test_a_decline_emails_the_patient_unless_the_caller_tells_them_itself(
    service, therapist, django_capture_on_commit_callbacks, notify
):
    patient = UserFactory(email="sam@example.org")
    appt = AppointmentFactory(
        patient=patient, therapist=therapist, service=service, start=at(3, 10), status=Status.PENDING_REVIEW
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_decline(appointment=appt, reason="Declined after review", notify=notify)
    assert appt.status == Status.DECLINED
    assert len([m for m in mail.outbox if patient.email in m.to]) == (1 if notify else 0)


def test_appointment_email_says_it_is_in_british_english(
    service, therapist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appt = book(UserFactory(), service, therapist, at(3, 10))
        services.appointment_confirm(appointment=appt)
    assert '<html lang="en-GB">' in mail.outbox[0].alternatives[0][0]


class _DeadlockDetected(Exception):
    sqlstate = "40P01"  # what psycopg's DeadlockDetected carries


def _deadlock() -> OperationalError:
    error = OperationalError("deadlock detected")
    error.__cause__ = _DeadlockDetected("deadlock detected")
    return error


def test_a_booking_that_meets_a_database_deadlock_is_refused_with_try_again(service, therapist, monkeypatch):
    """Two bookings crossing the therapist's and the patient's no-overlap constraints may deadlock on
    PostgreSQL; the loser is refused with a clear word (a 409 in the API), never a 500."""

    def crossing(**kwargs):
        raise _deadlock()

    monkeypatch.setattr(services, "_check_free", crossing)
    with pytest.raises(BookingError) as refused:
        book(UserFactory(), service, therapist, at(2, 10))
    assert refused.value.code == "busy"
    assert Appointment.objects.count() == 0


def test_a_move_that_meets_a_database_deadlock_is_refused_with_try_again(service, therapist, monkeypatch):
    patient = UserFactory()
    appointment = book(patient, service, therapist, at(2, 10))

    def crossing(**kwargs):
        raise _deadlock()

    monkeypatch.setattr(services, "_check_free", crossing)
    with pytest.raises(BookingError) as refused:
        services.appointment_reschedule(appointment=appointment, start=at(2, 14), by=patient)
    assert refused.value.code == "busy"
    appointment.refresh_from_db()
    assert appointment.start == at(2, 10)


def test_other_database_errors_are_not_mistaken_for_a_busy_slot(service, therapist, monkeypatch):
    def broken(**kwargs):
        raise OperationalError("no such table: bookings_appointment")

    monkeypatch.setattr(services, "_check_free", broken)
    with pytest.raises(OperationalError):
        book(UserFactory(), service, therapist, at(2, 10))
