"""The API answers every failure as JSON `{code, message}`: bad input is a 400, never a 500, and even
an unexpected error comes back as JSON."""

import json

import pytest
from django.test import Client

from bookings import selectors
from bookings.models import Appointment
from clinic.tests.factories import UserFactory

from .factories import AppointmentFactory
from .fixtures import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

AVAILABILITY = "/api/v1/availability"
APPOINTMENTS = "/api/v1/appointments"


@pytest.fixture
def patient_client(django_user_model):
    client = Client()
    client.patient = UserFactory()
    client.force_login(client.patient)
    return client


def post(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", headers=headers)


def assert_json_error(resp, status: int, code: str | None = None):
    assert resp.status_code == status, resp.content
    assert resp["Content-Type"].startswith("application/json")
    data = resp.json()
    assert set(data) == {"code", "message"}
    if code:
        assert data["code"] == code


@pytest.mark.parametrize("first_day", ["0001-01-01", "9999-12-31", "9999-12-25"])
def test_availability_from_a_date_out_of_range_is_400(client, service, therapist, first_day):
    resp = client.get(AVAILABILITY, {"service": service.slug, "from": first_day, "days": 62})
    assert_json_error(resp, 400, "invalid_input")


@pytest.mark.parametrize("value", ["psoas\x0060", "\x00", "x" * 10_000])
def test_availability_with_a_hostile_service_is_400(client, service, therapist, value):
    resp = client.get(AVAILABILITY, {"service": value})
    assert_json_error(resp, 400)


@pytest.mark.parametrize(
    "start",
    [
        "9999-12-31T23:00:00+00:00",
        "9999-12-31T23:59:59-12:00",
        "0001-01-01T00:00:00+00:00",
        "0001-01-01T00:00:00+12:00",
    ],
)
def test_booking_at_year_1_or_9999_is_400(patient_client, service, therapist, start):
    resp = post(
        patient_client, APPOINTMENTS, {"service": service.slug, "therapist": therapist.pk, "start": start}
    )
    assert_json_error(resp, 400, "invalid_input")
    assert Appointment.objects.count() == 0


def test_booking_with_nul_in_the_service_is_400(patient_client, service, therapist):
    resp = post(
        patient_client,
        APPOINTMENTS,
        {"service": "psoas\x00", "therapist": therapist.pk, "start": at(3, 10).isoformat()},
    )
    assert_json_error(resp, 400)


def test_booking_with_a_nul_in_the_idempotency_key_is_400(patient_client, service, therapist):
    body = {"service": service.slug, "therapist": therapist.pk, "start": at(3, 10).isoformat()}
    resp = post(patient_client, APPOINTMENTS, body, **{"Idempotency-Key": "key\x00"})
    assert_json_error(resp, 400, "invalid_idempotency_key")


def test_cancel_reason_with_nul_and_control_characters_is_stored_clean(patient_client, service, therapist):
    appt = AppointmentFactory(
        patient=patient_client.patient, therapist=therapist, service=service, start=at(3, 10)
    )
    resp = post(
        patient_client, f"{APPOINTMENTS}/{appt.pk}/cancel", {"reason": "Away\x00 \u202eon\u200b trip"}
    )
    assert resp.status_code == 200, resp.content
    appt.refresh_from_db()
    assert appt.cancel_reason == "Away on trip"


@pytest.mark.parametrize("appointment_id", ["9" * 30, "0", "-1", "abc", "\x00"])
def test_cancel_with_a_hostile_id_is_a_json_4xx(patient_client, appointment_id):
    resp = post(patient_client, f"{APPOINTMENTS}/{appointment_id}/cancel", {})
    assert resp.status_code in (400, 404), resp.content
    assert set(resp.json()) == {"code", "message"}


def test_an_unexpected_error_is_a_json_500_and_logged(client, service, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(selectors, "free_slots", broken)
    client.raise_request_exception = False
    resp = client.get(AVAILABILITY, {"service": service.slug})
    assert_json_error(resp, 500, "server_error")
    assert "database on fire" not in resp.content.decode()
    assert "database on fire" in caplog.text


def test_a_refused_booking_keeps_its_code_and_status(patient_client, service, therapist):
    AppointmentFactory(therapist=therapist, service=service, start=at(3, 10))
    resp = post(
        patient_client,
        APPOINTMENTS,
        {"service": service.slug, "therapist": therapist.pk, "start": at(3, 10).isoformat()},
    )
    assert_json_error(resp, 409, "slot_taken")
