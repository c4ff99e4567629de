"""Who may read a patient's health form: the patient, clinic admins, and the therapist of an active or
recently completed appointment of theirs (never of a cancelled, declined or refused one)."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from bookings import services as booking_services
from bookings.models import Status
from bookings.tests.factories import AppointmentFactory
from clinic.models import ClinicPolicy
from clinic.tests.factories import front_desk_user
from intake.permissions import can_read_intake

from .review_fixtures import at, submitted_intake

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def intake_page(client, user, patient):
    client.force_login(user)
    return client.get(reverse("intake:patient-intake", args=[patient.pk]))


def test_a_therapist_cannot_read_the_form_once_front_desk_cancelled_the_booking(
    client, sam, service, therapist
):
    submitted_intake(sam)
    desk = front_desk_user()
    appointment = booking_services.appointment_book(
        patient=sam, service=service, therapist=therapist, start=at(3, 10), booked_by=desk
    )
    booking_services.appointment_hold_for_review(appointment=appointment, by=desk)
    assert intake_page(client, therapist.user, sam).status_code == 200
    booking_services.appointment_cancel(appointment=appointment, by=desk, reason="Booked by mistake")
    assert intake_page(client, therapist.user, sam).status_code == 404


@pytest.mark.parametrize(
    "status", [Status.CANCELLED, Status.DECLINED, Status.REFUSED, Status.EXPIRED, Status.NO_SHOW]
)
def test_an_appointment_that_did_not_go_ahead_gives_the_therapist_no_access(sam, service, therapist, status):
    AppointmentFactory(patient=sam, therapist=therapist, service=service, start=at(3, 10), status=status)
    assert not can_read_intake(therapist.user, sam)


@pytest.mark.parametrize("status", [Status.PENDING_REVIEW, Status.CONFIRMED])
def test_an_active_appointment_gives_its_therapist_access(sam, service, therapist, status):
    AppointmentFactory(patient=sam, therapist=therapist, service=service, start=at(3, 10), status=status)
    assert can_read_intake(therapist.user, sam)


def test_a_held_booking_gives_access_only_while_the_hold_lasts(sam, service, therapist, frozen_now):
    AppointmentFactory(
        patient=sam,
        therapist=therapist,
        service=service,
        start=at(3, 10),
        status=Status.HELD,
        hold_expires_at=frozen_now + timedelta(minutes=15),
    )
    assert can_read_intake(therapist.user, sam)
    with time_machine.travel(frozen_now + timedelta(minutes=16), tick=False):
        assert not can_read_intake(therapist.user, sam)


def test_a_completed_session_gives_access_for_the_days_the_clinic_sets(
    client, sam, service, therapist, frozen_now
):
    submitted_intake(sam)
    policy = ClinicPolicy.get()
    policy.therapist_access_days = 30
    policy.save()
    AppointmentFactory(
        patient=sam,
        therapist=therapist,
        service=service,
        start=frozen_now - timedelta(days=10),
        status=Status.COMPLETED,
    )
    assert intake_page(client, therapist.user, sam).status_code == 200
    with time_machine.travel(frozen_now + timedelta(days=19), tick=False):
        assert intake_page(client, therapist.user, sam).status_code == 200
    with time_machine.travel(frozen_now + timedelta(days=21), tick=False):
        assert intake_page(client, therapist.user, sam).status_code == 404


def test_another_therapists_appointment_gives_no_access(sam, service, therapist, other_therapist):
    AppointmentFactory(patient=sam, therapist=other_therapist, service=service, start=at(3, 10))
    assert not can_read_intake(therapist.user, sam)


def test_the_case_page_links_the_full_form_only_while_the_therapist_may_read_it(client, case, therapist):
    url = reverse("intake:review-case", args=[case.pk])
    form_url = reverse("intake:patient-intake", args=[case.appointment.patient_id])
    client.force_login(therapist.user)
    assert form_url in client.get(url).content.decode()
    booking_services.appointment_cancel(appointment=case.appointment, by=case.appointment.patient)
    assert form_url not in client.get(url).content.decode()
