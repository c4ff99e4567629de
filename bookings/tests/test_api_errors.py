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


# --- wrong methods, unknown addresses, bodies that are not JSON --------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("post", AVAILABILITY, "GET"),
        ("delete", APPOINTMENTS, "GET or POST"),
        ("put", f"{APPOINTMENTS}/1/cancel", "POST"),
        ("get", f"{APPOINTMENTS}/1/cancel", "POST"),
        ("patch", "/api/v1/openapi.json", "GET or HEAD"),
        ("post", "/api/v1/openapi.json", "GET or HEAD"),
    ],
)
def test_a_wrong_method_on_an_api_route_is_a_json_405_naming_the_allowed_ones(
    patient_client, method, path, allowed
):
    resp = getattr(patient_client, method)(path)
    assert_json_error(resp, 405, "method_not_allowed")
    assert sorted(resp["Allow"].split(", ")) == sorted(allowed.split(" or "))
    assert allowed in resp.json()["message"]


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/nope", "/api/v1/", "/api/v9/availability"])
def test_an_unknown_api_address_is_a_json_404(patient_client, path):
    assert_json_error(patient_client.get(path), 404, "not_found")
    assert_json_error(patient_client.post(path, "{}", content_type="application/json"), 404, "not_found")


MALFORMED_JSON = ["{", '{"service": "psoas-60",}', "[1,", b"\xff\xfe{}", "{'service': 1}"]


@pytest.mark.parametrize("body", MALFORMED_JSON)
def test_a_booking_with_a_malformed_json_body_is_400(patient_client, service, therapist, body):
    resp = patient_client.post(APPOINTMENTS, body, content_type="application/json")
    assert_json_error(resp, 400, "invalid_json")
    assert Appointment.objects.count() == 0


@pytest.mark.parametrize("body", MALFORMED_JSON)
def test_a_cancel_with_a_malformed_json_body_is_400_and_cancels_nothing(
    patient_client, service, therapist, body
):
    appt = AppointmentFactory(
        patient=patient_client.patient, therapist=therapist, service=service, start=at(3, 10)
    )
    resp = patient_client.post(f"{APPOINTMENTS}/{appt.pk}/cancel", body, content_type="application/json")
    assert_json_error(resp, 400, "invalid_json")
    appt.refresh_from_db()
    assert appt.status != "cancelled"


@pytest.mark.parametrize("body", ["[]", '"psoas-60"', "1", "[{}]"])
def test_a_json_body_that_is_not_an_object_is_400(patient_client, service, therapist, body):
    resp = patient_client.post(APPOINTMENTS, body, content_type="application/json")
    assert_json_error(resp, 400, "invalid_json")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", "text/html"]
)
def test_a_json_body_sent_as_another_content_type_is_400(patient_client, service, therapist, content_type):
    body = json.dumps({"service": service.slug, "therapist": therapist.pk, "start": at(3, 10).isoformat()})
    resp = patient_client.post(APPOINTMENTS, body, content_type=content_type)
    assert_json_error(resp, 400, "wrong_content_type")
    assert "application/json" in resp.json()["message"]
    assert Appointment.objects.count() == 0


def test_a_form_post_to_the_api_is_400(patient_client, service, therapist):
    resp = patient_client.post(APPOINTMENTS, {"service": service.slug, "therapist": therapist.pk})
    assert_json_error(resp, 400, "wrong_content_type")


def test_a_json_body_with_a_charset_is_accepted(patient_client, service, therapist):
    body = json.dumps({"service": service.slug, "therapist": therapist.pk, "start": at(3, 10).isoformat()})
    resp = patient_client.post(APPOINTMENTS, body, content_type="application/json; charset=utf-8")
    assert resp.status_code == 201, resp.content


@pytest.mark.parametrize("therapist_id", [10**30, -(10**30), 2**63])
def test_booking_with_an_absurd_therapist_id_is_400(patient_client, service, therapist, therapist_id):
    body = {"service": service.slug, "therapist": therapist_id, "start": at(3, 10).isoformat()}
    assert_json_error(post(patient_client, APPOINTMENTS, body), 400, "unknown_therapist")


@pytest.mark.parametrize("therapist_id", ["9" * 30, "-" + "9" * 30, "1\x00", "abc"])
def test_availability_for_an_absurd_therapist_id_is_400(client, service, therapist, therapist_id):
    resp = client.get(AVAILABILITY, {"service": service.slug, "therapist": therapist_id})
    assert resp.status_code == 400, resp.content
    assert set(resp.json()) == {"code", "message"}


@pytest.mark.parametrize("field", ["service", "start"])
def test_a_nul_byte_in_a_json_string_is_400(patient_client, service, therapist, field):
    body = {"service": service.slug, "therapist": therapist.pk, "start": at(3, 10).isoformat()}
    body[field] = body[field][:4] + "\x00" + body[field][4:]
    assert_json_error(post(patient_client, APPOINTMENTS, body), 400)
    assert Appointment.objects.count() == 0
