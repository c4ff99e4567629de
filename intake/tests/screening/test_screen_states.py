"""An urgent screening has the same effect from every active state and every path (issue 11, item 1),
and a non-urgent re-screen moves a confirmed or waiting appointment the way the module docstring of
intake.screening.services says."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from bookings import services as booking_services
from bookings.models import Status
from clinic.tests.factories import UserFactory, clinic_admin_user, front_desk_user
from intake.models import Decision, Outcome, ScreeningResult, StaffAlert
from intake.review import selectors as review_selectors
from intake.review import services as review_services
from intake.screening import services as screening_services
from intake.tests.questionnaire.steps import clear_steps
from intake.tests.review_fixtures import at, submitted_intake

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

URGENT = {"saddle_numbness": True}  # seed_demo's urgent patient


@pytest.fixture
def patient():
    return UserFactory(first_name="Sam", last_name="Taylor", email="sam@example.org")


def _online_hold(patient, service, therapist):
    return booking_services.appointment_book(
        patient=patient, service=service, therapist=therapist, start=at(3, 10)
    )


def _front_desk_booking(patient, service, therapist):
    desk = front_desk_user()
    appointment = booking_services.appointment_book(
        patient=patient, service=service, therapist=therapist, start=at(3, 10), booked_by=desk
    )
    return booking_services.appointment_hold_for_review(appointment=appointment, by=desk)


def _screened(patient, service, therapist, **answers):
    appointment = _online_hold(patient, service, therapist)
    screening_services.appointment_screen(
        appointment=appointment, intake=submitted_intake(patient, **answers)
    )
    appointment.refresh_from_db()
    return appointment


def _fill_full_form(client, appointment, **overrides):
    for index, data in enumerate(clear_steps(**overrides)):
        resp = client.post(f"/intake/step/{index}/?appointment={appointment.pk}", data)
        assert resp.status_code == 302, resp.content.decode()[:2000]
    return client.post(f"/intake/check/?appointment={appointment.pk}", {"appointment": appointment.pk})


def _check_in(client, appointment):
    return client.post(
        f"/intake/appointment/{appointment.pk}/check-in/", {"health_changed": "no", "unwell_today": "no"}
    )


# (how the appointment was booked and where it stands, how the urgent answer reaches screening)
CASES = [
    ("held online", "full form"),
    ("held online", "check-in"),
    ("held online", "re-screen"),
    ("front desk, waiting for the form", "check-in"),
    ("front desk, waiting for the form", "full form"),
    ("front desk, waiting for the form", "re-screen"),
    ("pending review after a flag", "re-screen"),
    ("confirmed", "re-screen"),
    ("confirmed after review", "re-screen"),
]


@pytest.mark.parametrize(("state", "path"), CASES)
def test_urgent_answers_refuse_alert_once_and_tell_the_patient_from_every_state_and_path(
    client, patient, service, therapist, state, path, django_capture_on_commit_callbacks
):
    admin = clinic_admin_user(email="boss@example.org")
    if state == "held online":
        appointment = _online_hold(patient, service, therapist)
    elif state == "front desk, waiting for the form":
        appointment = _front_desk_booking(patient, service, therapist)
    elif state == "pending review after a flag":
        appointment = _screened(patient, service, therapist, herniated_disc=True)
        assert appointment.status == Status.PENDING_REVIEW
    elif state == "confirmed":
        appointment = _screened(patient, service, therapist)
        assert appointment.status == Status.CONFIRMED
    else:
        appointment = _screened(patient, service, therapist, herniated_disc=True)
        review_services.review_decide(
            result=appointment.screening,
            decision=Decision.CLEARED,
            note="Fine to go ahead.",
            by=admin,
            expected_last_decision_id=None,
        )
        appointment.refresh_from_db()
        assert appointment.status == Status.CONFIRMED
    mail.outbox.clear()
    client.force_login(patient)

    with django_capture_on_commit_callbacks(execute=True):
        if path == "full form":
            _fill_full_form(client, appointment, saddle_numbness="yes")
        elif path == "check-in":
            submitted_intake(patient, **URGENT)
            _check_in(client, appointment)
        else:
            intake = submitted_intake(patient, **URGENT)
            screening_services.appointment_screen(appointment=appointment, intake=intake)
            # Screening the same answers again changes and sends nothing more.
            screening_services.appointment_screen(appointment=appointment, intake=intake)

    appointment.refresh_from_db()
    assert appointment.status == Status.REFUSED
    assert appointment.screening.outcome == Outcome.URGENT
    assert StaffAlert.objects.filter(appointment=appointment).count() == 1
    # One urgent email each to the clinic admin and the therapist (an outbox row per recipient).
    urgent_mail = [m for m in mail.outbox if {admin.email, therapist.user.email} & set(m.to)]
    assert sorted(address for m in urgent_mail for address in m.to) == sorted(
        [admin.email, therapist.user.email]
    )
    assert all("saddle" not in m.body.lower() for m in urgent_mail)
    page = client.get(f"/intake/appointment/{appointment.pk}/result/").content.decode()
    assert "Please get medical care today" in page
    assert "will review" not in page


def test_a_new_flag_on_a_confirmed_appointment_puts_it_back_in_the_review_queue(patient, service, therapist):
    appointment = _screened(patient, service, therapist)
    assert appointment.status == Status.CONFIRMED
    result = screening_services.appointment_screen(
        appointment=appointment, intake=submitted_intake(patient, aneurysm=True)
    )
    appointment.refresh_from_db()
    assert appointment.status == Status.PENDING_REVIEW
    assert result in review_selectors.open_cases()


def test_a_cleared_case_rescreened_with_the_same_flags_stays_confirmed(patient, service, therapist):
    appointment = _screened(patient, service, therapist, herniated_disc=True)
    review_services.review_decide(
        result=appointment.screening,
        decision=Decision.CLEARED,
        note="Fine to go ahead.",
        by=clinic_admin_user(),
        expected_last_decision_id=None,
    )
    screening_services.appointment_screen(
        appointment=appointment, intake=submitted_intake(patient, herniated_disc=True)
    )
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED
    assert not review_selectors.open_cases().filter(appointment=appointment).exists()


def test_a_cleared_case_with_a_new_flag_is_reopened_for_review(patient, service, therapist, frozen_now):
    appointment = _screened(patient, service, therapist, herniated_disc=True)
    review_services.review_decide(
        result=appointment.screening,
        decision=Decision.CLEARED,
        note="Fine to go ahead.",
        by=clinic_admin_user(),
        expected_last_decision_id=None,
    )
    with time_machine.travel(frozen_now + timedelta(days=1), tick=False):
        result = screening_services.appointment_screen(
            appointment=appointment, intake=submitted_intake(patient, herniated_disc=True, kidney=True)
        )
    appointment.refresh_from_db()
    assert appointment.status == Status.PENDING_REVIEW
    assert review_selectors.open_cases().filter(appointment=appointment).exists()
    # The clearance was about the old answers: the case is undecided until someone decides again.
    assert review_selectors.latest_decision(result) is None


def test_front_desk_booking_with_a_clear_check_in_is_confirmed(client, patient, service, therapist):
    appointment = _front_desk_booking(patient, service, therapist)
    submitted_intake(patient)
    client.force_login(patient)
    _check_in(client, appointment)
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED
    assert ScreeningResult.objects.get(appointment=appointment).outcome == Outcome.CLEAR


def test_a_waiting_flagged_case_rescreened_clear_still_waits_for_a_person(patient, service, therapist):
    appointment = _screened(patient, service, therapist, herniated_disc=True)
    screening_services.appointment_screen(appointment=appointment, intake=submitted_intake(patient))
    appointment.refresh_from_db()
    assert appointment.status == Status.PENDING_REVIEW


# --- pregnancy weeks are counted to the appointment date (issue 11, item 3) -------------------------


def test_weeks_typed_on_the_form_are_counted_on_to_the_appointment(client, patient, service, therapist):
    # 18 weeks on Monday 1 June; the visit is two weeks later, at 20 weeks: nothing lying on the back.
    appointment = booking_services.appointment_book(
        patient=patient, service=service, therapist=therapist, start=at(15, 10)
    )
    client.force_login(patient)
    _fill_full_form(client, appointment, pregnant="yes", pregnancy_weeks="18", pregnancy_high_risk="no")
    appointment.refresh_from_db()
    assert appointment.screening.intake.answers["pregnancy_weeks_on"] == "2026-06-01"
    flags = {flag["rule_key"]: flag for flag in appointment.screening.flags}
    assert "pregnancy_20_weeks" in flags
    assert flags["pregnancy_20_weeks"]["answer"] == "20 at the appointment (18 on 2026-06-01)"
    assert {"SUP", "SLL"} <= set(appointment.screening.techniques_ruled_out)


def test_weeks_stored_without_a_date_count_from_the_day_the_form_was_sent(patient, service, therapist):
    appointment = booking_services.appointment_book(
        patient=patient, service=service, therapist=therapist, start=at(15, 10)
    )
    intake = submitted_intake(patient, pregnant=True, pregnancy_weeks=18, pregnancy_high_risk=False)
    result = screening_services.appointment_screen(appointment=appointment, intake=intake)
    assert "pregnancy_20_weeks" in {flag["rule_key"] for flag in result.flags}
