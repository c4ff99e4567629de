"""Issue 12, the emails screening sends: "waiting for review" to the patient and to the therapist (a case
needs your review, with its link), and the urgent alert to the therapist and clinic admins (the alert
page's link, no condition). Each is written in the screening's transaction (rolled back: nothing),
text and HTML, times in the clinic's zone with the zone named, links absolute from SITE_URL, and no
health detail."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse

from bookings import services as booking_services
from bookings.models import Status
from clinic.outbox.models import OutboxMessage
from clinic.tests.emails import SITE_URL, assert_clean_email, email_setup, only
from clinic.tests.factories import UserFactory, clinic_admin_user, front_desk_user
from intake.models import Decision, StaffAlert
from intake.review import services as review_services
from intake.screening import services as screening_services
from intake.tests.email_details import PATIENT, health_details
from intake.tests.review_fixtures import at, submitted_intake

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


class RolledBack(Exception):
    pass


@pytest.fixture(autouse=True)
def _emails(settings):
    email_setup(settings)


@pytest.fixture
def patient():
    return UserFactory(first_name="Sam", last_name="Taylor", email="sam@example.org")


@pytest.fixture
def held(patient, service, therapist):
    return booking_services.appointment_book(
        patient=patient, service=service, therapist=therapist, start=at(3, 10)
    )


def screen(appointment, patient, **answers):
    result = screening_services.appointment_screen(
        appointment=appointment, intake=submitted_intake(patient, **answers)
    )
    appointment.refresh_from_db()
    return result


def waiting_kinds() -> list[tuple[str, str]]:
    return sorted(
        OutboxMessage.objects.filter(kind__startswith="review.waiting").values_list("kind", "recipient")
    )


# --- waiting for review ---------------------------------------------------------------------------


def test_a_flag_tells_the_patient_and_the_therapist_in_the_screenings_transaction(held, patient, therapist):
    with pytest.raises(RolledBack), transaction.atomic():
        screen(held, patient, herniated_disc=True)
        raise RolledBack
    assert not OutboxMessage.objects.exists()

    result = screen(held, patient, herniated_disc=True)
    assert held.status == Status.PENDING_REVIEW
    assert waiting_kinds() == [
        ("review.waiting", "sam@example.org"),
        ("review.waiting_therapist", therapist.user.email),
    ]
    details = health_details(result)
    assert "herniated disc" in details  # the check below would catch the condition

    to_patient = only("review.waiting")
    assert_clean_email(to_patient, forbidden=details)
    status_link = f"{SITE_URL}{reverse('intake:review-status', args=[held.pk])}"
    assert status_link in to_patient.body_text and f'href="{status_link}"' in to_patient.body_html
    assert "Wednesday 3 June 2026, 10:00" in to_patient.body_text

    to_therapist = only("review.waiting_therapist")
    assert to_therapist.subject.startswith("A case needs your review")
    assert_clean_email(to_therapist, forbidden=[*details, *PATIENT])
    case_link = f"{SITE_URL}{reverse('intake:review-case', args=[result.pk])}"
    assert case_link in to_therapist.body_text and f'href="{case_link}"' in to_therapist.body_html


def test_a_clear_form_sends_no_waiting_email(held, patient):
    screen(held, patient)
    assert held.status == Status.CONFIRMED
    assert waiting_kinds() == []
    assert OutboxMessage.objects.filter(kind="appointment.confirmed").count() == 1


def test_screening_a_waiting_case_again_with_the_same_flag_sends_nothing_more(held, patient):
    screen(held, patient, herniated_disc=True)
    screen(held, patient, herniated_disc=True)
    assert len(waiting_kinds()) == 2


def test_a_front_desk_booking_whose_form_raises_a_flag_now_waits_for_the_therapist(
    patient, service, therapist
):
    appointment = booking_services.appointment_book_for_review(
        patient=patient, service=service, therapist=therapist, start=at(3, 10), by=front_desk_user()
    )
    assert waiting_kinds() == []  # waiting for the form, not yet for a therapist
    screen(appointment, patient, herniated_disc=True)
    assert appointment.status == Status.PENDING_REVIEW
    assert waiting_kinds() == [
        ("review.waiting", "sam@example.org"),
        ("review.waiting_therapist", therapist.user.email),
    ]


def test_a_confirmed_visit_with_a_new_flag_waits_again_and_both_are_told_again(
    held, patient, therapist, frozen_now
):
    screen(held, patient, herniated_disc=True)
    review_services.review_decide(
        result=held.screening,
        decision=Decision.CLEARED,
        note="Fine to go ahead.",
        by=clinic_admin_user(),
        expected_last_decision_id=None,
    )
    with time_machine.travel(frozen_now + timedelta(days=1), tick=False):
        screen(held, patient, herniated_disc=True, kidney=True)
    assert held.status == Status.PENDING_REVIEW
    assert OutboxMessage.objects.filter(kind="review.waiting").count() == 2
    assert OutboxMessage.objects.filter(kind="review.waiting_therapist").count() == 2


# --- the urgent alert -----------------------------------------------------------------------------


def test_the_urgent_alert_links_to_the_alert_page_and_names_no_condition(held, patient, therapist):
    admin = clinic_admin_user(email="boss@example.org")
    with pytest.raises(RolledBack), transaction.atomic():
        screen(held, patient, saddle_numbness=True)
        raise RolledBack
    assert not OutboxMessage.objects.exists() and not StaffAlert.objects.exists()

    result = screen(held, patient, saddle_numbness=True)
    assert held.status == Status.REFUSED
    alert = StaffAlert.objects.get(appointment=held)
    messages = OutboxMessage.objects.filter(kind="screening.urgent")
    assert sorted(m.recipient for m in messages) == sorted([admin.email, therapist.user.email])
    details = health_details(result)
    assert "saddle numbness" in details
    alert_link = f"{SITE_URL}/staff/alerts/{alert.pk}/"
    for message in messages:
        assert message.subject.startswith("URGENT")
        assert_clean_email(message, forbidden=[*details, *PATIENT, "numb", "bladder", "bowel"])
        assert alert_link in message.body_text
        assert f'href="{alert_link}"' in message.body_html
    assert waiting_kinds() == []
