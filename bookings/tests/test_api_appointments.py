import json

import pytest
from django.test import Client

from bookings.models import Appointment, Status
from clinic.tests.factories import UserFactory

from .factories import AppointmentFactory
from .fixtures import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

URL = "/api/v1/appointments"


@pytest.fixture
def api():
    """A browser-like client: session cookie plus the CSRF token, which the API checks."""
    client = Client(enforce_csrf_checks=True)
    patient = UserFactory()
    client.force_login(patient)
    client.get("/")  # a page with a form sets the csrftoken cookie
    client.patient = patient
    client.csrf = client.cookies["csrftoken"].value
    return client


def post(client, url, data, **headers):
    return client.post(
        url,
        json.dumps(data),
        content_type="application/json",
        headers={"X-CSRFToken": client.csrf, **headers},
    )


def body(service, therapist, start):
    return {"service": service.slug, "therapist": therapist.pk, "start": start.isoformat()}


def test_booking_returns_201_with_the_appointment(api, service, therapist):
    resp = post(api, URL, body(service, therapist, at(3, 10)))
    assert resp.status_code == 201, resp.content
    data = resp.json()
    assert data["start"] == "2026-06-03T10:00:00+01:00"
    assert data["therapist"]["id"] == therapist.pk
    assert data["status"] == "held"  # confirmed once the health questions are answered
    assert data["next_url"] == f"/intake/appointment/{data['id']}/"
    assert Appointment.objects.get().patient == api.patient


def test_taken_slot_is_409(api, service, therapist):
    AppointmentFactory(therapist=therapist, service=service, start=at(3, 10))
    resp = post(api, URL, body(service, therapist, at(3, 10)))
    assert resp.status_code == 409
    assert resp.json()["code"] == "slot_taken"


def test_slot_outside_availability_is_409(api, service, therapist):
    resp = post(api, URL, body(service, therapist, at(3, 20)))
    assert resp.status_code == 409
    assert resp.json()["code"] == "slot_unavailable"


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"service": "psoas-60", "therapist": "x", "start": "2026-06-03T10:00:00+01:00"},
        {"service": "psoas-60", "therapist": 1, "start": "tomorrow"},
        {"service": "psoas-60", "therapist": 1, "start": "2026-06-03T10:00:00"},
        {"service": "nope", "therapist": 1, "start": "2026-06-03T10:00:00+01:00"},
    ],
)
def test_bad_input_is_400_with_json_error(api, service, therapist, payload):
    resp = post(api, URL, payload)
    assert resp.status_code == 400
    assert set(resp.json()) == {"code", "message"}


def test_malformed_json_is_400(api, service, therapist):
    resp = api.post(URL, "{not json", content_type="application/json", headers={"X-CSRFToken": api.csrf})
    assert resp.status_code == 400
    assert "code" in resp.json()


def test_not_logged_in_is_401(service, therapist):
    resp = Client().post(
        URL, json.dumps(body(service, therapist, at(3, 10))), content_type="application/json"
    )
    assert resp.status_code == 401
    assert resp.json()["code"] == "not_authenticated"


def test_missing_csrf_token_is_refused(api, service, therapist):
    resp = api.post(URL, json.dumps(body(service, therapist, at(3, 10))), content_type="application/json")
    assert resp.status_code in (401, 403)
    assert Appointment.objects.count() == 0


def test_idempotency_key_makes_a_repeated_post_return_the_first_result(api, service, therapist):
    first = post(api, URL, body(service, therapist, at(3, 10)), **{"Idempotency-Key": "k-1"})
    again = post(api, URL, body(service, therapist, at(3, 10)), **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    assert again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Appointment.objects.count() == 1


def test_list_shows_only_own_appointments(api, service, therapist):
    AppointmentFactory(patient=api.patient, therapist=therapist, service=service, start=at(3, 10))
    AppointmentFactory(therapist=therapist, service=service, start=at(4, 10))
    data = api.get(URL).json()
    assert len(data) == 1


def test_cancel_own_appointment(api, service, therapist):
    appt = AppointmentFactory(patient=api.patient, therapist=therapist, service=service, start=at(3, 10))
    resp = post(api, f"{URL}/{appt.pk}/cancel", {"reason": "Away"})
    assert resp.status_code == 200
    assert resp.json()["status"] == "cancelled"


def test_cancel_someone_elses_appointment_is_404(api, service, therapist):
    appt = AppointmentFactory(therapist=therapist, service=service, start=at(3, 10))
    resp = post(api, f"{URL}/{appt.pk}/cancel", {})
    assert resp.status_code == 404
    assert resp.json()["code"] == "not_found"
    appt.refresh_from_db()
    assert appt.status == Status.CONFIRMED


def test_cancel_outside_window_is_409(api, service, therapist):
    appt = AppointmentFactory(patient=api.patient, therapist=therapist, service=service, start=at(2, 7))
    resp = post(api, f"{URL}/{appt.pk}/cancel", {})
    assert resp.status_code == 409
    assert resp.json()["code"] == "outside_window"


def test_openapi_schema_lists_appointment_routes(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/appointments" in paths
    assert "/api/v1/appointments/{appointment_id}/cancel" in paths
