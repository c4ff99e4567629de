"""The check-in asks about the day of the visit, once (issue 11, item 5)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bookings import services as booking_services
from bookings.models import Status
from bookings.tests.factories import AppointmentFactory
from bookings.tests.fixtures import LONDON
from clinic.tests.factories import UserFactory
from intake.models import Intake, Outcome
from intake.tests.questionnaire.steps import clear_steps
from intake.tests.review_fixtures import submitted_intake

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]  # Monday 1 June 2026, 08:00


@pytest.fixture
def patient():
    return UserFactory(first_name="Sam", last_name="Taylor", email="sam@example.org")


def hold(patient, service, therapist, day: int, hour: int = 10):
    return booking_services.appointment_book(
        patient=patient,
        service=service,
        therapist=therapist,
        start=datetime(2026, 6, day, hour, tzinfo=LONDON),
    )


def test_a_visit_days_away_is_asked_about_the_visit_day(client, patient, service, therapist):
    submitted_intake(patient)
    appointment = hold(patient, service, therapist, day=3)
    client.force_login(patient)
    page = client.get(f"/intake/appointment/{appointment.pk}/check-in/").content.decode()
    assert "Your visit is on Wednesday 3 June. On that day" in page
    assert "Today, do you have" not in page


def test_a_visit_today_is_asked_about_today(client, patient, service, therapist, frozen_now):
    submitted_intake(patient)
    appointment = AppointmentFactory(
        patient=patient,
        therapist=therapist,
        service=service,
        start=datetime(2026, 6, 1, 14, tzinfo=LONDON),
        status=Status.HELD,
        hold_expires_at=frozen_now + timedelta(minutes=10),
    )
    client.force_login(patient)
    page = client.get(f"/intake/appointment/{appointment.pk}/check-in/").content.decode()
    assert "Today, do you have" in page


def test_the_reopened_form_does_not_ask_the_visit_day_question_again(client, patient, service, therapist):
    submitted_intake(patient)
    appointment = hold(patient, service, therapist, day=3)
    client.force_login(patient)
    resp = client.post(
        f"/intake/appointment/{appointment.pk}/check-in/", {"health_changed": "yes", "unwell_today": "yes"}
    )
    assert resp["Location"] == f"/intake/step/0/?appointment={appointment.pk}"
    draft = Intake.objects.get(patient=patient, status=Intake.Status.DRAFT)
    assert draft.answers["unwell_today"] is True
    steps = clear_steps()
    for index, data in enumerate(steps[:3]):
        client.post(f"/intake/step/{index}/?appointment={appointment.pk}", data)
    page = client.get(f"/intake/step/3/?appointment={appointment.pk}").content.decode()
    assert 'name="unwell_today"' not in page
    conditions = {k: v for k, v in steps[3].items() if k != "unwell_today"}
    assert client.post(f"/intake/step/3/?appointment={appointment.pk}", conditions).status_code == 302
    for index, data in enumerate(steps[4:], start=4):
        client.post(f"/intake/step/{index}/?appointment={appointment.pk}", data)
    client.post(f"/intake/check/?appointment={appointment.pk}", {"appointment": appointment.pk})
    appointment.refresh_from_db()
    # The answer given on the check-in is the one screened: unwell on the visit day holds the visit.
    assert appointment.screening.outcome == Outcome.BLOCKED
    assert {flag["rule_key"] for flag in appointment.screening.flags} == {"unwell_today"}


def test_a_form_filled_in_without_a_check_in_still_asks_about_the_visit_day(
    client, patient, service, therapist
):
    appointment = hold(patient, service, therapist, day=3)
    client.force_login(patient)
    steps = clear_steps()
    for index, data in enumerate(steps[:3]):
        client.post(f"/intake/step/{index}/?appointment={appointment.pk}", data)
    page = client.get(f"/intake/step/3/?appointment={appointment.pk}").content.decode()
    assert 'name="unwell_today"' in page
    assert "Your visit is on Wednesday 3 June. On that day" in page
