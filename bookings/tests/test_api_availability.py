from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from .factories import ServiceFactory, bookable_therapist

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
URL = "/api/v1/availability"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(datetime(2026, 6, 1, 6, 0, tzinfo=LONDON), tick=False):
        yield


@pytest.fixture
def service():
    return ServiceFactory(slug="psoas-60", duration_minutes=60)


def test_availability_lists_slots_with_offsets_and_therapist(client, service):
    therapist = bookable_therapist(service, display_name="Priya Shah")
    resp = client.get(
        URL, {"service": "psoas-60", "therapist": therapist.pk, "from": "2026-06-02", "days": 1}
    )
    assert resp.status_code == 200
    data = resp.json()
    assert data["time_zone"] == "Europe/London"
    first = data["slots"][0]
    assert first["start"] == "2026-06-02T09:00:00+01:00"
    assert first["end"] == "2026-06-02T10:00:00+01:00"
    assert first["therapist"] == {"id": therapist.pk, "name": "Priya Shah"}


def test_availability_for_any_therapist_merges_them(client, service):
    a = bookable_therapist(service, display_name="A")
    b = bookable_therapist(service, display_name="B")
    data = client.get(URL, {"service": "psoas-60", "from": "2026-06-02", "days": 1}).json()
    assert {s["therapist"]["id"] for s in data["slots"]} == {a.pk, b.pk}
    starts = [s["start"] for s in data["slots"]]
    assert starts == sorted(starts)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"service": "nope"}, "unknown_service"),
        ({"service": "psoas-60", "therapist": 99999}, "unknown_therapist"),
        ({"service": "psoas-60", "therapist": "abc"}, "invalid_input"),
        ({"service": "psoas-60", "from": "2026-13-40"}, "invalid_input"),
        ({"service": "psoas-60", "from": "yesterday"}, "invalid_input"),
        ({"service": "psoas-60", "days": 0}, "invalid_input"),
        ({"service": "psoas-60", "days": 63}, "invalid_input"),
        ({"service": "psoas-60", "days": "many"}, "invalid_input"),
        ({}, "invalid_input"),
    ],
)
def test_bad_availability_queries_get_400_with_a_json_error(client, service, params, code):
    bookable_therapist(service)
    resp = client.get(URL, params)
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == code
    assert body["message"]


def test_inactive_service_is_unknown(client, service):
    service.active = False
    service.save()
    assert client.get(URL, {"service": "psoas-60"}).json()["code"] == "unknown_service"


def test_therapist_who_does_not_offer_the_service_is_refused(client, service):
    other = bookable_therapist(ServiceFactory())
    resp = client.get(URL, {"service": "psoas-60", "therapist": other.pk})
    assert resp.status_code == 400
    assert resp.json()["code"] == "unknown_therapist"


def test_openapi_schema_describes_availability(client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    assert "/api/v1/availability" in resp.json()["paths"]


def test_winter_times_carry_an_explicit_zero_offset(client, service):
    therapist = bookable_therapist(service)
    with time_machine.travel(datetime(2026, 11, 28, 8, 0, tzinfo=LONDON), tick=False):
        params = {"service": "psoas-60", "therapist": therapist.pk, "from": "2026-12-01", "days": 1}
        data = client.get(URL, params).json()
    assert data["slots"][0]["start"] == "2026-12-01T09:00:00+00:00"
