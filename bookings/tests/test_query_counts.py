"""Query counts pinned for the patient's appointment pages, the appointments API and the booking
writes: each is the same for one row as for many, so a missing select_related or a query per row shows
up here first. The writes are counted with their on-commit work (the emails) run."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.urls import reverse

from bookings import services
from bookings.models import Status
from clinic.tests.factories import UserFactory

from .factories import AppointmentFactory, ServiceFactory, bookable_therapist
from .fixtures import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

# A signed-in request reads the session and the user (which shows a patient holds no permission, so no
# permission query follows); the session is not saved again within a minute of its last save.
API_LIST_QUERIES = 3
APPOINTMENT_PAGE_QUERIES = 7  # with the clinic profile for the footer
# The change trail: auditlog reads the appointment before each change and writes an entry (after a create,
# only the entry); stale holds are read (and locked) before they are expired. A booking first asks
# whether the time is taken (one query, outside the transaction, so a taken one is refused at once).
# PostgreSQL: one more, the shared schedule lock a booking takes against a concurrent closure
# (bookings/schedule_locks.py); SQLite's IMMEDIATE transactions need none.
SCHEDULE_LOCK = 1 if connection.vendor == "postgresql" else 0
BOOK_QUERIES = 19 + SCHEDULE_LOCK
# A change that emails the patient also writes its outbox row and, with the tests' immediate task
# backend, sends it at once (claim, send, mark sent): about 10 to 12 queries of the counts below.
# The pending reminder and check-in request are skipped (one update each) on a cancel, and replaced on a
# move (the row for the new time rendered and written, the old one skipped). Each email and its
# calendar file read the clinic's profile (name, address, phone).
CANCEL_QUERIES = 28
RESCHEDULE_QUERIES = 48 + SCHEDULE_LOCK


# A hold through the API, the whole request: the session and the user, the service, the therapist (offering
# it), that they offer it (the booking service's own check), whether the time is taken. Refused there;
# a free time goes on to the booking (BOOK_QUERIES, less one: a request reads the clinic policy once)
# and reads the new appointment back for the answer. The session is not saved (see above).
HOLD_REFUSED_QUERIES = 6
HOLD_WON_QUERIES = 23 + SCHEDULE_LOCK


def patients_appointments(patient, count: int):
    """`count` appointments of the patient, each with its own therapist and service, across statuses."""
    statuses = [Status.CONFIRMED, Status.HELD, Status.PENDING_REVIEW, Status.CANCELLED]
    for i in range(count):
        service = ServiceFactory()
        AppointmentFactory(
            patient=patient,
            therapist=bookable_therapist(service),
            service=service,
            start=at(4 + i, 9),
            status=statuses[i % len(statuses)],
        )


def others_bookings(service, therapist, count: int):
    """`count` other patients' bookings with the therapist, on the days the tests book and move to."""
    for i in range(count):
        AppointmentFactory(therapist=therapist, service=service, start=at(3 + i // 2, 12 + 2 * (i % 2)))


@pytest.mark.parametrize("count", [1, 10])
def test_api_appointment_list_query_count_does_not_grow(client, django_assert_num_queries, count):
    patient = UserFactory()
    patients_appointments(patient, count)
    client.force_login(patient)
    client.get("/api/v1/appointments")  # the session's first request
    with django_assert_num_queries(API_LIST_QUERIES):
        resp = client.get("/api/v1/appointments")
    assert resp.status_code == 200
    assert len(resp.json()) == count


@pytest.mark.parametrize("count", [1, 10])
@pytest.mark.parametrize("status", [Status.HELD, Status.CONFIRMED])
def test_appointment_page_query_count_does_not_grow(
    client, django_assert_num_queries, service, therapist, status, count
):
    patient = UserFactory()
    patients_appointments(patient, count)
    others_bookings(service, therapist, count)
    mine = AppointmentFactory(
        patient=patient, therapist=therapist, service=service, start=at(3, 10), status=status
    )
    client.force_login(patient)
    url = reverse("bookings:appointment-detail", args=[mine.pk])
    client.get(url)
    with django_assert_num_queries(APPOINTMENT_PAGE_QUERIES):
        resp = client.get(url)
    assert resp.status_code == 200


def hold(client, service, therapist, start):
    body = {"service": service.slug, "therapist": therapist.pk, "start": start.isoformat()}
    return client.post("/api/v1/appointments", json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("count", [1, 6])
def test_a_refused_hold_request_query_count_does_not_grow(
    client, django_assert_num_queries, service, therapist, count
):
    others_bookings(service, therapist, count)
    AppointmentFactory(therapist=therapist, service=service, start=at(3, 10))
    patient = UserFactory()
    patients_appointments(patient, count)
    client.force_login(patient)
    with django_assert_num_queries(HOLD_REFUSED_QUERIES):
        resp = hold(client, service, therapist, at(3, 10))
    assert resp.status_code == 409 and resp.json()["code"] == "slot_taken"


@pytest.mark.parametrize("count", [1, 6])
def test_a_won_hold_request_query_count_does_not_grow(
    client, django_assert_num_queries, django_capture_on_commit_callbacks, service, therapist, count
):
    others_bookings(service, therapist, count)
    patient = UserFactory()
    patients_appointments(patient, count)
    client.force_login(patient)
    with django_assert_num_queries(HOLD_WON_QUERIES), django_capture_on_commit_callbacks(execute=True):
        resp = hold(client, service, therapist, at(3, 10))
    assert resp.status_code == 201 and resp.json()["status"] == Status.HELD


@pytest.mark.parametrize("count", [1, 6])
def test_booking_query_count_does_not_grow(
    django_assert_num_queries, django_capture_on_commit_callbacks, service, therapist, count
):
    others_bookings(service, therapist, count)
    patient = UserFactory()
    patients_appointments(patient, count)
    with django_assert_num_queries(BOOK_QUERIES), django_capture_on_commit_callbacks(execute=True):
        appointment = services.appointment_book(
            patient=patient, service=service, therapist=therapist, start=at(3, 10)
        )
    assert appointment.status == Status.HELD


@pytest.mark.parametrize("count", [1, 6])
def test_cancel_query_count_does_not_grow(
    django_assert_num_queries, django_capture_on_commit_callbacks, service, therapist, count
):
    others_bookings(service, therapist, count)
    patient = UserFactory()
    patients_appointments(patient, count)
    appointment = AppointmentFactory(patient=patient, therapist=therapist, service=service, start=at(3, 10))
    with django_assert_num_queries(CANCEL_QUERIES), django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=appointment, by=patient, reason="Away")
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED


@pytest.mark.parametrize("count", [1, 6])
def test_reschedule_query_count_does_not_grow(
    django_assert_num_queries, django_capture_on_commit_callbacks, service, therapist, count
):
    others_bookings(service, therapist, count)
    patient = UserFactory()
    patients_appointments(patient, count)
    appointment = AppointmentFactory(patient=patient, therapist=therapist, service=service, start=at(3, 10))
    with django_assert_num_queries(RESCHEDULE_QUERIES), django_capture_on_commit_callbacks(execute=True):
        moved = services.appointment_reschedule(appointment=appointment, start=at(3, 10, 30), by=patient)
    assert moved.start == at(3, 10, 30)
