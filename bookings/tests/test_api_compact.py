"""/api/v2/availability: the compact shape, its OpenAPI schema, and conditional GETs on the
availability version."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bookings import compact, services
from bookings.api import CompactAvailabilityOut
from bookings.models import Appointment, Closure, Status, WeeklyHours
from clinic.models import ClinicPolicy
from clinic.tests.factories import UserFactory

from .factories import AppointmentFactory, ServiceFactory, bookable_therapist
from .fixtures import LONDON, NOW, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

URL = "/api/v2/availability"
V1 = "/api/v1/availability"


def get(client, etag: str | None = None, **params):
    params = {"service": "psoas-60", "from": "2026-06-02", "days": 2, **params}
    headers = {"If-None-Match": etag} if etag else {}
    return client.get(URL, params, headers=headers)


def commit_point() -> None:
    """What a commit does to the availability version on PostgreSQL (its triggers are deferred)."""
    connection.check_constraints()


def test_any_therapist_lists_each_time_once_with_the_therapists_free_then(client, therapist, other_therapist):
    AppointmentFactory(therapist=other_therapist, service=therapist.services.get(), start=at(2, 9))
    data = get(client, days=1).json()
    assert data["time_zone"] == "Europe/London"
    assert data["service"] == {"slug": "psoas-60", "name": data["service"]["name"], "duration_minutes": 60}
    (day,) = data["days"]
    assert day["date"] == "2026-06-02"
    starts = [t["start"] for t in day["times"]]
    assert starts == sorted(set(starts))
    assert day["times"][0] == {"start": "2026-06-02T09:00:00+01:00", "therapists": [therapist.pk]}
    both = next(t for t in day["times"] if t["start"] == "2026-06-02T10:15:00+01:00")
    assert both["therapists"] == [other_therapist.pk, therapist.pk]  # name order: Omar, Priya
    assert data["therapists"] == [
        {"id": other_therapist.pk, "name": "Omar Reyes"},
        {"id": therapist.pk, "name": "Priya Shah"},
    ]


def test_compact_answer_holds_exactly_the_slots_of_v1(client, therapist, other_therapist, service):
    AppointmentFactory(therapist=therapist, service=service, start=at(3, 11))
    Closure.objects.create(first_day=date(2026, 6, 4), last_day=date(2026, 6, 4), reason="Training")
    params = {"service": "psoas-60", "from": "2026-06-01", "days": 5}
    v1 = client.get(V1, params).json()["slots"]
    v2 = client.get(URL, params).json()
    pairs = {(t["start"], pk) for day in v2["days"] for t in day["times"] for pk in t["therapists"]}
    assert pairs == {(s["start"], s["therapist"]["id"]) for s in v1}
    assert len(pairs) == len(v1) > 0


def test_every_day_asked_for_is_listed_even_without_times(client, therapist):
    WeeklyHours.objects.filter(therapist=therapist, weekday=date(2026, 6, 3).weekday()).delete()
    days = get(client, days=3).json()["days"]
    assert [d["date"] for d in days] == ["2026-06-02", "2026-06-03", "2026-06-04"]
    assert days[1]["times"] == []
    assert days[0]["times"] and days[2]["times"]


def test_one_therapist_only(client, therapist, other_therapist):
    data = get(client, therapist=therapist.pk).json()
    assert {pk for d in data["days"] for t in d["times"] for pk in t["therapists"]} == {therapist.pk}
    assert data["therapists"] == [{"id": therapist.pk, "name": "Priya Shah"}]


def test_times_carry_the_offset_of_their_day_across_the_autumn_change(client, therapist):
    with time_machine.travel(datetime(2026, 10, 23, 8, 0, tzinfo=LONDON), tick=False):
        days = get(client, therapist=therapist.pk, **{"from": "2026-10-24"}).json()["days"]
    assert days[0]["times"][0]["start"] == "2026-10-24T09:00:00+01:00"
    assert days[1]["times"][0]["start"] == "2026-10-25T09:00:00+00:00"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"service": "nope"}, "unknown_service"),
        ({"therapist": 99999}, "unknown_therapist"),
        ({"therapist": "abc"}, "invalid_input"),
        ({"from": "2026-13-40"}, "invalid_input"),
        ({"days": 63}, "invalid_input"),
        ({"service": "a b"}, "invalid_input"),
    ],
)
def test_bad_queries_get_400_with_a_json_error_and_no_etag(client, therapist, params, code):
    response = get(client, **params)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert "ETag" not in response


def test_real_answers_match_the_schema_that_documents_them(client, therapist, other_therapist):
    # The schema forbids extra keys, so a key the view adds without the schema fails here.
    CompactAvailabilityOut.model_validate(get(client, days=3).json())
    CompactAvailabilityOut.model_validate(get(client, therapist=therapist.pk, days=1).json())


def test_openapi_document_describes_the_compact_shape(client):
    doc = client.get("/api/v2/openapi.json").json()
    operation = doc["paths"]["/api/v2/availability"]["get"]
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/CompactAvailabilityOut"}
    assert "304" in operation["responses"]
    schemas = doc["components"]["schemas"]
    assert set(schemas["CompactAvailabilityOut"]["properties"]) == {
        "time_zone",
        "service",
        "days",
        "therapists",
    }
    assert set(schemas["CompactDayOut"]["properties"]) == {"date", "times"}
    assert set(schemas["CompactTimeOut"]["properties"]) == {"start", "therapists"}
    assert schemas["CompactTimeOut"]["properties"]["therapists"]["items"] == {"type": "integer"}
    assert {p["name"] for p in operation["parameters"] if p["in"] == "query"} == {
        "service",
        "therapist",
        "from",
        "days",
    }


def test_openapi_document_describes_the_conditional_get_and_cache_headers(client):
    operation = client.get("/api/v2/openapi.json").json()["paths"]["/api/v2/availability"]["get"]
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert headers == {"If-None-Match", "Cache-Control"}
    for status in ("200", "304"):
        assert set(operation["responses"][status]["headers"]) == {"ETag", "Last-Modified"}


def test_v1_keeps_its_shape(client, therapist):
    slot = client.get(V1, {"service": "psoas-60", "from": "2026-06-02", "days": 1}).json()["slots"][0]
    assert slot == {
        "start": "2026-06-02T09:00:00+01:00",
        "end": "2026-06-02T10:00:00+01:00",
        "therapist": {"id": therapist.pk, "name": "Priya Shah"},
    }


# --- Conditional GETs ---


def test_unchanged_availability_answers_304_without_a_body(client, therapist):
    commit_point()
    first = get(client)
    assert first.status_code == 200
    etag = first["ETag"]
    assert first["Last-Modified"]
    again = get(client, etag=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert "no-store" in again["Cache-Control"]


def test_a_booking_changes_the_answer_and_its_etag(client, therapist, service):
    etag = get(client)["ETag"]
    services.appointment_book(patient=UserFactory(), service=service, therapist=therapist, start=at(2, 9))
    commit_point()
    response = get(client, etag=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert response.json()["days"][0]["times"][0]["start"] != "2026-06-02T09:00:00+01:00"


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda t: t.weekly_hours.filter(weekday=1).update(start_time=time(10)), id="hours"),
        pytest.param(
            lambda t: Closure.objects.create(
                first_day=date(2026, 6, 2), last_day=date(2026, 6, 2), reason="X"
            ),
            id="closure",
        ),
        pytest.param(
            lambda t: ClinicPolicy.objects.update_or_create(pk=1, defaults={"slot_step_minutes": 30}),
            id="policy",
        ),
    ],
)
def test_a_write_elsewhere_answers_200_with_a_new_etag(client, therapist, write):
    etag = get(client)["ETag"]
    write(therapist)
    commit_point()
    response = get(client, etag=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_the_clock_alone_expires_an_etag_when_the_first_slot_falls_inside_the_notice(client, therapist):
    # Minimum notice 12 hours: the first slot (2 June 09:00) is bookable until 1 June 21:00.
    etag = get(client)["ETag"]
    with time_machine.travel(at(1, 20, 59), tick=False):
        assert get(client, etag=etag).status_code == 304
    with time_machine.travel(at(1, 21) + timedelta(seconds=1), tick=False):
        response = get(client, etag=etag)
    assert response.status_code == 200
    assert response.json()["days"][0]["times"][0]["start"] == "2026-06-02T09:15:00+01:00"


def test_a_hold_lapsing_expires_the_etag(client, therapist, service):
    AppointmentFactory(
        therapist=therapist,
        service=service,
        start=at(2, 12),
        status=Status.HELD,
        hold_expires_at=NOW + timedelta(minutes=15),
    )
    commit_point()
    etag = get(client)["ETag"]
    with time_machine.travel(NOW + timedelta(minutes=14), tick=False):
        assert get(client, etag=etag).status_code == 304
    with time_machine.travel(NOW + timedelta(minutes=15), tick=False):
        response = get(client, etag=etag)
    assert response.status_code == 200
    starts = [t["start"] for t in response.json()["days"][0]["times"]]
    assert "2026-06-02T12:00:00+01:00" in starts


def test_without_a_first_day_the_answer_is_fresh_until_midnight_at_most(client, therapist, service):
    WeeklyHours.objects.filter(therapist=therapist).delete()  # nothing free: only the date can change it
    commit_point()
    etag = client.get(URL, {"service": "psoas-60"}, headers={}).get("ETag")
    with time_machine.travel(at(1, 23, 59), tick=False):
        assert client.get(URL, {"service": "psoas-60"}, headers={"If-None-Match": etag}).status_code == 304
    with time_machine.travel(at(2, 0, 0), tick=False):
        response = client.get(URL, {"service": "psoas-60"}, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.json()["days"][0]["date"] == "2026-06-02"


def test_an_etag_of_another_query_is_not_accepted(client, therapist):
    etag = get(client)["ETag"]
    assert get(client, etag=etag, days=3).status_code == 200
    assert get(client, etag=etag, therapist=therapist.pk).status_code == 200


@pytest.mark.parametrize("header", ['"nonsense"', "W/", '"1.2"', '"x.y.z"', "garbage, , ,"])
def test_malformed_if_none_match_gets_a_full_answer(client, therapist, header):
    assert get(client, etag=header).status_code == 200


def test_weak_form_and_lists_of_etags_are_understood(client, therapist):
    etag = get(client)["ETag"]
    assert get(client, etag=f'"old", W/{etag}').status_code == 304


def test_star_answers_304_once_there_is_an_answer(client, therapist):
    response = get(client, etag="*")
    assert response.status_code == 304
    assert response["ETag"] == get(client)["ETag"]


def test_booking_path_is_never_answered_from_a_validator(client, therapist, service):
    """A hold always checks the database: a slot listed in an answer the client still holds is refused
    once taken, whatever the client's ETag says."""
    get(client)
    services.appointment_book(patient=UserFactory(), service=service, therapist=therapist, start=at(2, 9))
    with pytest.raises(services.BookingError) as refused:
        services.appointment_book(patient=UserFactory(), service=service, therapist=therapist, start=at(2, 9))
    assert refused.value.code == "slot_taken"


# --- The server-side cache (on the same version) ---


def test_a_repeated_query_is_answered_from_the_kept_answer_after_reading_only_the_version(
    client, therapist, django_assert_num_queries
):
    commit_point()
    first = get(client)
    with django_assert_num_queries(1):
        again = get(client)
    assert again.status_code == 200
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    assert again["Last-Modified"] == first["Last-Modified"]
    with django_assert_num_queries(1):  # and a 304 for the kept answer's ETag, or any
        assert get(client, etag="*").status_code == 304


def test_no_cache_in_the_request_works_the_answer_out_again(client, therapist):
    commit_point()
    first = get(client)
    again = count_queries(
        lambda: client.get(
            URL,
            {"service": "psoas-60", "from": "2026-06-02", "days": 2},
            headers={"Cache-Control": "no-cache"},
        )
    )
    assert again == 10
    assert get(client)["ETag"] == first["ETag"]


def test_the_cache_can_be_turned_off(client, therapist, settings):
    settings.AVAILABILITY_CACHE_SECONDS = 0
    commit_point()
    get(client)
    assert count_queries(lambda: get(client)) == 10


def test_a_kept_answer_is_not_served_once_the_clock_changed_it(client, therapist):
    """Kept on 1 June at 08:00; at 21:01 the first slot (2 June 09:00) is inside the 12 hours' notice."""
    commit_point()
    get(client)
    with time_machine.travel(at(1, 21) + timedelta(seconds=1), tick=False):
        response = get(client)
    assert response.json()["days"][0]["times"][0]["start"] == "2026-06-02T09:15:00+01:00"


def test_an_unreachable_cache_still_gets_an_answer(client, therapist, monkeypatch):
    class Down:
        def get(self, *args, **kwargs):
            raise ConnectionError("cache down")

        set = get

    monkeypatch.setattr(compact, "cache", Down())
    assert get(client).status_code == 200
    assert get(client).status_code == 200


def test_booking_never_reads_or_writes_the_kept_answers(client, therapist, service, monkeypatch):
    """The kept answer of the day says 09:00 is free; booking it twice (the API, then the service layer)
    still creates one, as each hold checks the database."""
    commit_point()
    assert get(client).json()["days"][0]["times"][0]["start"] == "2026-06-02T09:00:00+01:00"

    def forbidden(**kwargs):
        raise AssertionError("the booking path read the availability cache")

    monkeypatch.setattr(compact, "kept_answer", forbidden)
    monkeypatch.setattr(compact, "keep_answer", forbidden)
    patient = Client()
    patient.force_login(UserFactory())
    hold = {"service": "psoas-60", "therapist": therapist.pk, "start": at(2, 9).isoformat()}
    response = patient.post("/api/v1/appointments", json.dumps(hold), content_type="application/json")
    assert response.status_code == 201, response.content
    with pytest.raises(services.BookingError) as refused:
        services.appointment_book(patient=UserFactory(), service=service, therapist=therapist, start=at(2, 9))
    assert refused.value.code == "slot_taken"


# --- Query counts ---


def count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def many_appointments(service, therapists, n: int) -> None:
    patient = UserFactory()
    rows = []
    for i in range(n):
        start = datetime.combine(date(2026, 6, 2) + timedelta(days=i % 7), time(9), tzinfo=LONDON)
        start += timedelta(minutes=60 * (i // 7 % 8))
        rows.append(
            Appointment(
                patient=patient,
                therapist=therapists[i % len(therapists)],
                service=service,
                start=start,
                end=start + timedelta(minutes=60),
                blocks_until=start + timedelta(minutes=75),
                status=Status.CANCELLED,  # cancelled: one patient may hold any number
            )
        )
    Appointment.objects.bulk_create(rows)


@pytest.mark.parametrize("therapist_count", [1, 4])
def test_query_counts_are_constant(client, django_assert_num_queries, therapist_count):
    service = ServiceFactory(slug="psoas-60")
    therapists = [bookable_therapist(service) for _ in range(therapist_count)]
    many_appointments(service, therapists, 60)
    commit_point()
    params = {"service": "psoas-60", "days": 7}
    # The version, the service, and the engine's eight: policy, therapists, licences, licence types,
    # hours, time off, closures, appointments.
    with django_assert_num_queries(10):
        etag = client.get(URL, params)["ETag"]
    with django_assert_num_queries(11):  # and the therapist asked for
        client.get(URL, {**params, "therapist": therapists[0].pk})
    with django_assert_num_queries(1):  # a 304 reads only the version
        assert client.get(URL, params, headers={"If-None-Match": etag}).status_code == 304
    with django_assert_num_queries(1):  # and so does an answer kept in the cache
        assert client.get(URL, params).status_code == 200
