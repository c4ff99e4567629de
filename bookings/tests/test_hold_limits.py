"""Issue 11 item 20: one patient held 94 slots in 20 s. A patient may hold only a few unfinished
bookings at once (the policy's cap), and the hold page and API refuse bursts (a shared-cache limiter)."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from bookings import services
from bookings.models import Appointment, Status
from bookings.services import BookingError
from clinic import ratelimit
from clinic.models import ClinicPolicy
from clinic.tests.factories import UserFactory

from .factories import AppointmentFactory
from .fixtures import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

API_URL = "/api/v1/appointments"


def book(patient, service, therapist, start, **kw):
    return services.appointment_book(patient=patient, service=service, therapist=therapist, start=start, **kw)


def api_client(patient) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient)
    client.get("/")
    client.csrf = client.cookies["csrftoken"].value
    return client


def api_post(client, service, therapist, start):
    return client.post(
        API_URL,
        json.dumps({"service": service.slug, "therapist": therapist.pk, "start": start.isoformat()}),
        content_type="application/json",
        headers={"X-CSRFToken": client.csrf},
    )


def page_post(client, service, therapist, start):
    return client.post(
        reverse("bookings:hold", args=[service.slug]) + "?date=2026-06-03",
        {"start": start.isoformat(), "therapist": therapist.pk},
    )


# --- The cap on live holds (policy `max_live_holds`, default 2) ---


def test_policy_allows_two_live_holds_by_default():
    assert ClinicPolicy.get().max_live_holds == 2


def test_a_third_live_hold_is_refused_with_a_clear_message(service, therapist):
    patient = UserFactory()
    book(patient, service, therapist, at(3, 10))
    book(patient, service, therapist, at(3, 12))
    with pytest.raises(BookingError) as exc:
        book(patient, service, therapist, at(3, 14))
    assert exc.value.code == "too_many_holds"
    assert "You already hold 2 times" in exc.value.messages[0]
    assert Appointment.objects.filter(patient=patient).count() == 2


def test_expired_confirmed_and_cancelled_bookings_do_not_count_toward_the_cap(service, therapist):
    patient = UserFactory()
    lapsed = book(patient, service, therapist, at(3, 10))
    book(patient, service, therapist, at(3, 12))
    AppointmentFactory(patient=patient, therapist=therapist, service=service, start=at(4, 10))
    AppointmentFactory(
        patient=patient, therapist=therapist, service=service, start=at(4, 12), status=Status.CANCELLED
    )
    Appointment.objects.filter(pk=lapsed.pk).update(hold_expires_at=at(1, 7))  # ran out an hour ago
    assert book(patient, service, therapist, at(3, 14)).status == Status.HELD


def test_the_cap_follows_the_policy(service, therapist):
    ClinicPolicy.objects.update_or_create(pk=1, defaults={"max_live_holds": 3})
    patient = UserFactory()
    for hour in (10, 12, 14):
        book(patient, service, therapist, at(3, hour))
    with pytest.raises(BookingError) as exc:
        book(patient, service, therapist, at(3, 16))
    assert "You already hold 3 times" in exc.value.messages[0]


def test_the_cap_is_per_patient(service, therapist):
    first, second = UserFactory(), UserFactory()
    book(first, service, therapist, at(3, 10))
    book(first, service, therapist, at(3, 12))
    assert book(second, service, therapist, at(3, 14)).patient == second


def test_an_idempotent_retry_of_a_held_slot_is_not_refused_by_the_cap(service, therapist):
    patient = UserFactory()
    book(patient, service, therapist, at(3, 10))
    first = book(patient, service, therapist, at(3, 12), idempotency_key="k-1")
    assert book(patient, service, therapist, at(3, 12), idempotency_key="k-1").pk == first.pk


def test_api_third_hold_is_409_with_the_reason(service, therapist):
    patient = UserFactory()
    client = api_client(patient)
    assert api_post(client, service, therapist, at(3, 10)).status_code == 201
    assert api_post(client, service, therapist, at(3, 12)).status_code == 201
    resp = api_post(client, service, therapist, at(3, 14))
    assert resp.status_code == 409
    assert resp.json()["code"] == "too_many_holds"
    assert "You already hold 2 times" in resp.json()["message"]


def test_hold_page_third_hold_is_409_with_the_reason(client, service, therapist):
    patient = UserFactory()
    client.force_login(patient)
    assert page_post(client, service, therapist, at(3, 10)).status_code == 302
    assert page_post(client, service, therapist, at(3, 12)).status_code == 302
    resp = page_post(client, service, therapist, at(3, 14))
    assert resp.status_code == 409
    assert "You already hold 2 times" in resp.content.decode()
    assert Appointment.objects.filter(patient=patient).count() == 2


# --- The rate limit on the hold endpoints ---


@pytest.fixture
def tight_limits(settings):
    settings.HOLD_RATE_LIMIT_PER_USER = 3
    settings.HOLD_RATE_LIMIT_PER_IP = 5
    settings.HOLD_RATE_LIMIT_WINDOW_SECONDS = 60
    return settings


def test_limiter_allows_the_limit_then_refuses_until_the_window_ends():
    results = [ratelimit.hit("test", "user:1", limit=3, window_seconds=60) for _ in range(5)]
    assert results == [True, True, True, False, False]
    assert ratelimit.hit("test", "user:2", limit=3, window_seconds=60)  # another key has its own count
    with time_machine.travel(at(1, 8, 1), tick=False):
        assert ratelimit.hit("test", "user:1", limit=3, window_seconds=60)


def test_limiter_counts_in_the_configured_default_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "clinic_cache"}
    }
    call_command("createcachetable", verbosity=0)  # the test database is built with a memory cache
    assert ratelimit.hit("test", "user:7", limit=1, window_seconds=60)
    assert not ratelimit.hit("test", "user:7", limit=1, window_seconds=60)
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM clinic_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert any("user:7" in key for key in keys), keys
    caches["default"].clear()


def test_hold_page_over_the_rate_limit_is_429_with_a_message(client, service, therapist, tight_limits):
    client.force_login(UserFactory())
    for hour in (9, 11, 13):  # the slot is taken each time: refused, but each attempt counts
        AppointmentFactory(therapist=therapist, service=service, start=at(3, hour))
        assert page_post(client, service, therapist, at(3, hour)).status_code == 409
    resp = page_post(client, service, therapist, at(3, 15))
    assert resp.status_code == 429
    assert "Too many booking attempts" in resp.content.decode()
    assert resp["Retry-After"] == "60"
    assert not Appointment.objects.filter(start=at(3, 15)).exists()


def test_api_over_the_rate_limit_is_429_json(service, therapist, tight_limits):
    client = api_client(UserFactory())
    for hour in (9, 11, 13):
        AppointmentFactory(therapist=therapist, service=service, start=at(3, hour))
        assert api_post(client, service, therapist, at(3, hour)).status_code == 409
    resp = api_post(client, service, therapist, at(3, 15))
    assert resp.status_code == 429
    assert resp.json()["code"] == "rate_limited"
    assert "Too many booking attempts" in resp.json()["message"]
    assert not Appointment.objects.filter(start=at(3, 15)).exists()


def test_many_accounts_from_one_address_are_limited_by_address(service, therapist, tight_limits):
    statuses = []
    for i in range(6):
        client = api_client(UserFactory())
        statuses.append(api_post(client, service, therapist, at(3 + i, 10)).status_code)
    assert statuses == [201, 201, 201, 201, 201, 429]


def test_the_limit_is_shared_between_the_page_and_the_api(client, service, therapist, tight_limits):
    patient = UserFactory()
    client.force_login(patient)
    api = api_client(patient)
    for day in (3, 4):
        AppointmentFactory(therapist=therapist, service=service, start=at(day, 10))
    assert page_post(client, service, therapist, at(3, 10)).status_code == 409
    assert api_post(api, service, therapist, at(4, 10)).status_code == 409
    assert page_post(client, service, therapist, at(3, 10)).status_code == 409
    assert api_post(api, service, therapist, at(5, 10)).status_code == 429


def test_a_new_window_lets_the_patient_try_again(client, service, therapist, tight_limits):
    client.force_login(UserFactory())
    AppointmentFactory(therapist=therapist, service=service, start=at(3, 10))
    for _ in range(3):
        page_post(client, service, therapist, at(3, 10))
    assert page_post(client, service, therapist, at(3, 12)).status_code == 429
    with time_machine.travel(at(1, 8) + timedelta(minutes=1), tick=False):
        assert page_post(client, service, therapist, at(3, 12)).status_code == 302


def test_behind_trusted_proxies_the_client_address_is_the_one_they_forwarded(rf, settings):
    request = rf.post("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert ratelimit.client_ip(request) == "10.0.0.2"  # no proxy configured: the header is ignored
    settings.TRUSTED_PROXY_COUNT = 1
    assert ratelimit.client_ip(request) == "203.0.113.9"  # not the spoofable left-most entry
