"""The health form on the clinic tablet ("kiosk"). A patient marked arrived without a valid health form,
or whose check-in is due, fills it in on the tablet: the desk gets a one-time code, short-lived and
bound to that appointment; typed on the tablet, it opens that patient's form and nothing else, signs
out whoever was signed in there, and ends on a neutral "hand the tablet back" page. Now is Monday 1
June 2026, 08:00 in London."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from bookings import services as booking_services
from bookings.models import Status
from bookings.tests.factories import AppointmentFactory
from clinic.tests.factories import UserFactory, clinic_admin_user, front_desk_user
from intake.models import CheckIn, Intake, KioskForm, KioskPass
from intake.questionnaire import kiosk

from ..review_fixtures import at, submitted_intake
from .steps import clear_steps

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

KIOSK = reverse("intake:kiosk")
DONE = reverse("intake:kiosk-done")


@pytest.fixture
def desk(db):
    return front_desk_user(first_name="Dana", last_name="Desk")


@pytest.fixture
def visit(patient, service, therapist):
    """Sam's confirmed visit today at 09:00, no health form yet."""
    return AppointmentFactory(patient=patient, therapist=therapist, service=service, start=at(1, 9))


@pytest.fixture
def arrived(visit, desk):
    return booking_services.appointment_mark_arrived(appointment=visit, by=desk)


@pytest.fixture
def tablet():
    return Client()


def start_url(appointment) -> str:
    return reverse("intake:kiosk-start", args=[appointment.pk])


def start_code(client, desk, appointment) -> str:
    client.force_login(desk)
    response = client.post(start_url(appointment))
    assert response.status_code == 200
    return re.search(r'id="kiosk-code">([\d ]+)<', response.content.decode()).group(1)


def enter(tablet, code):
    return tablet.post(KIOSK, {"code": code})


def fill_in_the_health_form(tablet):
    for index, data in enumerate(clear_steps()):
        response = tablet.post(reverse("intake:kiosk-step", args=[index]), data)
        assert response.status_code == 302, response.content.decode()[:2000]
    return tablet.post(reverse("intake:kiosk-check"))


# --- the desk -------------------------------------------------------------------------------------


def test_marking_arrived_without_a_health_form_goes_on_to_the_tablet_page(client, visit, desk):
    client.force_login(desk)
    response = client.post(reverse("bookings:appointment-arrived", args=[visit.pk]))
    assert response["Location"] == start_url(visit)
    body = client.get(start_url(visit)).content.decode()
    assert "Sam T.: health form missing" in body
    assert "Start on the tablet" in body


def test_marking_arrived_with_a_valid_form_and_check_in_done_goes_back_to_the_day(
    client, visit, desk, patient
):
    intake = submitted_intake(patient)
    CheckIn.objects.create(
        appointment=visit, patient=patient, intake=intake, health_changed=False, unwell_today=False
    )
    client.force_login(desk)
    response = client.post(reverse("bookings:appointment-arrived", args=[visit.pk]))
    assert response["Location"] == reverse("bookings:front-desk-day") + "?date=2026-06-01"


def test_a_due_check_in_is_offered_on_the_tablet(client, visit, desk, patient, arrived):
    submitted_intake(patient)
    assert kiosk.form_due(visit) == KioskForm.CHECK_IN
    client.force_login(desk)
    assert "Sam T.: check-in due" in client.get(start_url(visit)).content.decode()


def test_the_desk_gets_a_one_time_code_and_only_its_hash_is_stored(client, visit, desk, arrived):
    code = start_code(client, desk, visit)
    digits = code.replace(" ", "")
    assert len(digits) == kiosk.CODE_DIGITS
    kiosk_pass = KioskPass.objects.get()
    assert (kiosk_pass.appointment, kiosk_pass.form, kiosk_pass.created_by) == (
        visit,
        KioskForm.HEALTH_FORM,
        desk,
    )
    assert kiosk_pass.expires_at == kiosk_pass.created_at + timedelta(minutes=kiosk.CODE_MINUTES)
    assert digits not in kiosk_pass.code_hash


@pytest.mark.parametrize("who", ["patient", "therapist", "other patient"])
def test_only_the_front_desk_and_clinic_admins_start_the_tablet(client, visit, arrived, therapist, who):
    user = {"patient": visit.patient, "therapist": therapist.user, "other patient": UserFactory()}[who]
    client.force_login(user)
    assert client.get(start_url(visit)).status_code == 404
    assert client.post(start_url(visit)).status_code == 404
    assert not KioskPass.objects.exists()


def test_a_clinic_admin_may_start_the_tablet(client, visit, arrived):
    assert start_code(client, clinic_admin_user(), visit)


def test_before_arrival_no_code_is_made(client, visit, desk):
    client.force_login(desk)
    response = client.post(start_url(visit))
    assert response.status_code == 409
    assert "Mark the patient arrived first" in response.content.decode()
    assert not KioskPass.objects.exists()


def test_with_nothing_due_no_code_is_made(client, visit, desk, patient, arrived):
    intake = submitted_intake(patient)
    CheckIn.objects.create(
        appointment=visit, patient=patient, intake=intake, health_changed=False, unwell_today=False
    )
    client.force_login(desk)
    response = client.post(start_url(visit))
    assert response.status_code == 409
    assert "Nothing to fill in" in response.content.decode()
    assert not KioskPass.objects.exists()


def test_a_cancelled_visit_gets_no_code(client, visit, desk, arrived):
    booking_services.appointment_cancel(appointment=visit, by=desk)
    client.force_login(desk)
    assert client.post(start_url(visit)).status_code == 409
    assert not KioskPass.objects.exists()


# --- the tablet -----------------------------------------------------------------------------------


def test_the_code_opens_the_patients_form_with_nobody_signed_in(client, tablet, visit, desk, arrived):
    code = start_code(client, desk, visit)
    response = enter(tablet, code)
    assert response["Location"] == reverse("intake:kiosk-form")
    assert "_auth_user_id" not in tablet.session
    response = tablet.get(reverse("intake:kiosk-form"))
    assert response["Location"] == reverse("intake:kiosk-step", args=[0])
    body = tablet.get(response["Location"]).content.decode()
    assert "Health form · step 1 of 7" in body
    assert "<nav" not in body  # no menu: the form, and a way to stop
    assert "/staff/" not in body and "/accounts/" not in body


def test_the_code_signs_out_staff_signed_in_on_the_tablet(client, tablet, visit, desk, arrived):
    code = start_code(client, desk, visit)
    tablet.force_login(desk)
    enter(tablet, code)
    assert "_auth_user_id" not in tablet.session
    assert tablet.get(reverse("bookings:front-desk-day"))["Location"].startswith(reverse("account_login"))


def test_the_patient_fills_in_the_form_and_the_tablet_ends_on_a_neutral_page(
    client, tablet, visit, desk, arrived, patient
):
    enter(tablet, start_code(client, desk, visit))
    response = fill_in_the_health_form(tablet)
    assert response["Location"] == DONE
    intake = Intake.objects.get(patient=patient)
    assert intake.status == Intake.Status.SUBMITTED
    assert KioskPass.objects.get().finished_at is not None
    body = tablet.get(DONE).content.decode()
    assert "hand the tablet back" in body
    assert "Sam" not in body
    # Whatever the tablet remembers opens nothing any more.
    assert tablet.get(reverse("intake:kiosk-step", args=[0]))["Location"] == DONE
    assert tablet.get(reverse("intake:kiosk-check"))["Location"] == DONE


def test_the_check_in_on_the_tablet_is_two_questions(client, tablet, visit, desk, patient, arrived):
    submitted_intake(patient)
    enter(tablet, start_code(client, desk, visit))
    assert tablet.get(reverse("intake:kiosk-form"))["Location"] == reverse("intake:kiosk-check-in")
    response = tablet.post(reverse("intake:kiosk-check-in"), {"health_changed": "no", "unwell_today": "no"})
    assert response["Location"] == DONE
    assert CheckIn.objects.get(appointment=visit).unwell_today is False
    visit.refresh_from_db()
    assert visit.status == Status.CONFIRMED


def test_stopping_keeps_the_saved_steps_and_ends_the_tablet(client, tablet, visit, desk, arrived, patient):
    enter(tablet, start_code(client, desk, visit))
    tablet.post(reverse("intake:kiosk-step", args=[0]), clear_steps()[0])
    assert tablet.post(reverse("intake:kiosk-stop"))["Location"] == DONE
    assert Intake.objects.get(patient=patient).status == Intake.Status.DRAFT
    assert tablet.get(reverse("intake:kiosk-step", args=[1]))["Location"] == DONE


def test_a_code_works_once(client, tablet, visit, desk, arrived):
    code = start_code(client, desk, visit)
    enter(tablet, code)
    response = enter(Client(), code)
    assert response.status_code == 400
    assert "That code does not work" in response.content.decode()


def test_an_expired_code_does_not_work(client, tablet, visit, desk, arrived):
    code = start_code(client, desk, visit)
    with time_machine.travel(at(1, 8, kiosk.CODE_MINUTES), tick=False):
        assert enter(tablet, code).status_code == 400
    assert KioskPass.objects.get().redeemed_at is None


def test_a_wrong_code_does_not_work(tablet, visit, arrived):
    assert enter(tablet, "0000 0000").status_code == 400
    assert enter(tablet, "not a code").status_code == 400


def test_starting_again_stops_the_earlier_code(client, tablet, visit, desk, arrived):
    first = start_code(client, desk, visit)
    second = start_code(client, desk, visit)
    assert enter(tablet, first).status_code == 400
    assert enter(tablet, second).status_code == 302


def test_the_tablet_form_ends_after_its_time(client, tablet, visit, desk, arrived):
    enter(tablet, start_code(client, desk, visit))
    with time_machine.travel(at(1, 8, kiosk.SESSION_MINUTES), tick=False):
        assert tablet.get(reverse("intake:kiosk-step", args=[0]))["Location"] == DONE


def test_a_tampered_tablet_session_opens_nothing(client, tablet, visit, desk, arrived):
    enter(tablet, start_code(client, desk, visit))
    session = tablet.session
    session[kiosk.SESSION_KEY] = {"pass": KioskPass.objects.get().pk, "secret": "guessed"}
    session.save()
    assert tablet.get(reverse("intake:kiosk-step", args=[0]))["Location"] == DONE


def test_without_a_code_the_tablet_pages_open_nothing(tablet, visit, arrived):
    for name in ("intake:kiosk-form", "intake:kiosk-check", "intake:kiosk-check-in"):
        assert tablet.get(reverse(name))["Location"] == DONE
    assert tablet.post(reverse("intake:kiosk-stop"))["Location"] == DONE


def test_too_many_codes_on_one_tablet_are_refused(tablet, visit, arrived):
    for _ in range(10):
        enter(tablet, "1234 5678")
    response = enter(tablet, "1234 5678")
    assert response.status_code == 429
    assert "Too many codes" in response.content.decode()


def test_the_visits_page_offers_the_tablet_to_the_desk_while_the_patient_is_here(
    client, visit, desk, arrived
):
    client.force_login(desk)
    body = client.get(reverse("bookings:appointment-detail", args=[visit.pk])).content.decode()
    assert f'href="{start_url(visit)}"' in body
    client.force_login(visit.patient)
    body = client.get(reverse("bookings:appointment-detail", args=[visit.pk])).content.decode()
    assert start_url(visit) not in body


def test_the_visits_page_offers_no_tablet_before_arrival(client, visit, desk):
    client.force_login(desk)
    body = client.get(reverse("bookings:appointment-detail", args=[visit.pk])).content.decode()
    assert start_url(visit) not in body
