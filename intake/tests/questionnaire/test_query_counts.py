"""Query counts pinned for sending the health form and screening a booking: the same for one answer
that raises a flag as for many, and for a patient with one earlier form as with several. Screening is
counted with its on-commit work run."""

from __future__ import annotations

import pytest

from bookings import services as booking_services
from bookings.models import Status
from bookings.tests.fixtures import at
from intake.models import Intake
from intake.questionnaire.services import check_in_submit, intake_start, intake_submit
from intake.screening.services import appointment_screen

from ..review_fixtures import submitted_intake
from .steps import clear_steps

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

# The change trail: auditlog reads a row before each tracked change and writes an entry (an insert after
# each tracked create).
SUBMIT_QUERIES = 8
# Screening also (re)schedules the appointment's timed effects: the review deadlines of a case that
# opens, and the reminder and check-in request of a visit that stays or becomes confirmed. A flag puts
# the booking in review: the patient and the therapist are emailed (the clinic profile for each
# email's body and subject, two outbox rows, each sent at once by the test task backend).
SCREEN_QUERIES = 48
CHECK_IN_QUERIES = 62

RELATIVE_ANSWERS = ["herniated_disc", "knee", "kidney", "skin", "reduced_sensation", "anticoagulants"]


def flags(count: int) -> dict:
    return dict.fromkeys(RELATIVE_ANSWERS[:count], True)


def relative_flags(stored_flags) -> set[str]:
    return {flag["rule_key"] for flag in stored_flags if flag["severity"] == "relative"}


@pytest.mark.parametrize("count", [1, 5])
def test_intake_submit_query_count_does_not_grow(client, django_assert_num_queries, patient, count):
    for _ in range(count):
        submitted_intake(patient)
    client.force_login(patient)
    for index, data in enumerate(clear_steps(**dict.fromkeys(RELATIVE_ANSWERS[:count], "yes"))):
        assert client.post(f"/intake/step/{index}/", data).status_code == 302
    draft = intake_start(patient=patient)
    with django_assert_num_queries(SUBMIT_QUERIES):
        intake = intake_submit(intake=draft, user=patient)
    assert intake.status == Intake.Status.SUBMITTED


@pytest.mark.parametrize("count", [1, 6])
def test_screening_a_booking_query_count_does_not_grow(
    django_assert_num_queries, django_capture_on_commit_callbacks, patient, service, therapist, count
):
    appointment = booking_services.appointment_book(
        patient=patient, service=service, therapist=therapist, start=at(3, 10)
    )
    intake = submitted_intake(patient, **flags(count))
    with django_assert_num_queries(SCREEN_QUERIES), django_capture_on_commit_callbacks(execute=True):
        result = appointment_screen(appointment=appointment, intake=intake)
    assert relative_flags(result.flags) == set(RELATIVE_ANSWERS[:count])
    appointment.refresh_from_db()
    assert appointment.status == Status.PENDING_REVIEW


@pytest.mark.parametrize("count", [1, 6])
def test_check_in_query_count_does_not_grow(
    django_assert_num_queries, django_capture_on_commit_callbacks, patient, service, therapist, count
):
    intake = submitted_intake(patient, **flags(count))
    appointment = booking_services.appointment_book(
        patient=patient, service=service, therapist=therapist, start=at(3, 10)
    )
    with django_assert_num_queries(CHECK_IN_QUERIES), django_capture_on_commit_callbacks(execute=True):
        check_in = check_in_submit(
            appointment=appointment, intake=intake, health_changed=False, unwell_today=False
        )
    assert check_in.appointment == appointment
    assert relative_flags(appointment.screening.flags) == set(RELATIVE_ANSWERS[:count])
