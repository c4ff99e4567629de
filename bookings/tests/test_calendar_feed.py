"""The therapist's calendar feed: a private address serving their own sessions as `.ics` that any
calendar parses, naming patients "First L.", never cached, no cookie; a replaced or turned-off
address answers 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from bookings import services
from bookings.feed.models import CalendarFeed
from bookings.feed.services import calendar_feed_issue, calendar_feed_revoke, token_hash
from bookings.models import Status
from clinic.models import ClinicPolicy
from clinic.tests.factories import UserFactory

from .factories import AppointmentFactory
from .fixtures import NOW, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def feed_path(token: str) -> str:
    return reverse("bookings:calendar-feed", args=[token])


def issue(therapist) -> str:
    return calendar_feed_issue(therapist=therapist, by=therapist.user)


def fetch(client, token: str) -> Calendar:
    response = client.get(feed_path(token))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def book(therapist, start, *, status=Status.CONFIRMED, **kw):
    return AppointmentFactory(therapist=therapist, start=start, status=status, **kw)


def test_feed_parses_with_icalendar_and_no_component_has_errors(client, therapist, service):
    book(therapist, at(2, 10), service=service)
    book(therapist, at(3, 11), service=service, status=Status.PENDING_REVIEW)
    book(therapist, at(20, 9, month=5), service=service, status=Status.COMPLETED)
    cal = fetch(client, issue(therapist))
    components = list(cal.walk())
    assert [c.name for c in components] == ["VCALENDAR", "VEVENT", "VEVENT", "VEVENT"]
    assert {c.name: c.errors for c in components if c.errors} == {}
    assert str(cal["VERSION"]) == "2.0"
    assert "PRODID" in cal
    assert str(cal["X-WR-CALNAME"]).endswith("Priya Shah")
    for event in cal.walk("VEVENT"):
        for prop in ("UID", "DTSTAMP", "SEQUENCE", "DTSTART", "DTEND", "SUMMARY", "STATUS", "LOCATION"):
            assert prop in event, prop
        for prop in ("DTSTART", "DTEND", "DTSTAMP"):  # UTC ("...Z"), no TZID to resolve
            assert event[prop].to_ical().endswith(b"Z"), prop
            assert "TZID" not in event[prop].params
        assert str(event["CLASS"]) == "PRIVATE"


def test_times_are_utc_on_both_sides_of_the_clock_change(client, therapist, service):
    ClinicPolicy.objects.update_or_create(pk=1, defaults={"horizon_days": 200})
    summer = book(therapist, at(2, 10), service=service)  # 10:00 BST is 09:00 UTC
    winter = book(therapist, at(2, 10, month=11), service=service)  # 10:00 GMT is 10:00 UTC
    events = {str(e["UID"]): e for e in fetch(client, issue(therapist)).walk("VEVENT")}
    assert events[f"appointment-{summer.pk}@clinic-booking"].decoded("DTSTART") == datetime(
        2026, 6, 2, 9, 0, tzinfo=UTC
    )
    assert events[f"appointment-{winter.pk}@clinic-booking"].decoded("DTSTART") == datetime(
        2026, 11, 2, 10, 0, tzinfo=UTC
    )


def test_feed_shows_only_that_therapists_appointments(client, therapist, other_therapist, service):
    own = book(therapist, at(2, 10), service=service)
    book(other_therapist, at(2, 10), service=service)
    uids = [str(e["UID"]) for e in fetch(client, issue(therapist)).walk("VEVENT")]
    assert uids == [f"appointment-{own.pk}@clinic-booking"]


def test_patients_are_named_by_first_name_and_last_initial_only(client, therapist, service):
    patient = UserFactory(
        first_name="Anna", last_name="Kowalczyk", email="anna.k@example.com", phone="0207 946 0000"
    )
    book(therapist, at(2, 10), service=service, patient=patient)
    response = client.get(feed_path(issue(therapist)))
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["SUMMARY"]) == f"Anna K.: {service.name}"
    body = response.content.decode()
    for private in ("Kowalczyk", "anna.k@example.com", "0207 946 0000", "ATTENDEE", "mailto:"):
        assert private not in body


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        ("Mary Ann", "de la Cruz", "Mary Ann D."),
        ("", "Øster", "Patient Ø."),
        ("Jo", "", "Jo"),
        ("", "", "Patient"),
    ],
)
def test_short_name_copes_with_missing_and_unusual_names(client, therapist, service, first, last, shown):
    book(therapist, at(2, 10), service=service, patient=UserFactory(first_name=first, last_name=last))
    (event,) = fetch(client, issue(therapist)).walk("VEVENT")
    assert str(event["SUMMARY"]).startswith(f"{shown}: ")


def test_waiting_for_review_is_tentative_and_confirmed_is_confirmed(client, therapist, service):
    review = book(therapist, at(2, 10), service=service, status=Status.PENDING_REVIEW)
    confirmed = book(therapist, at(3, 10), service=service)
    events = {str(e["UID"]): e for e in fetch(client, issue(therapist)).walk("VEVENT")}
    pending = events[f"appointment-{review.pk}@clinic-booking"]
    assert str(pending["STATUS"]) == "TENTATIVE"
    assert str(pending["DESCRIPTION"]) == "Not confirmed yet: waiting for review."
    assert str(events[f"appointment-{confirmed.pk}@clinic-booking"]["STATUS"]) == "CONFIRMED"


def test_cancelled_declined_refused_expired_and_unfinished_bookings_are_left_out(client, therapist, service):
    kept = book(therapist, at(2, 9), service=service)
    for hour, status in enumerate(
        [Status.CANCELLED, Status.DECLINED, Status.REFUSED, Status.EXPIRED, Status.HELD], start=10
    ):
        book(therapist, at(2, hour), service=service, status=status)
    uids = [str(e["UID"]) for e in fetch(client, issue(therapist)).walk("VEVENT")]
    assert uids == [f"appointment-{kept.pk}@clinic-booking"]


def test_feed_spans_thirty_days_back_to_the_booking_horizon(client, therapist, service):
    ClinicPolicy.objects.update_or_create(pk=1, defaults={"horizon_days": 20})
    inside = [
        book(therapist, NOW - timedelta(days=29), service=service, status=Status.COMPLETED),
        book(therapist, NOW + timedelta(days=20), service=service),
    ]
    book(therapist, NOW - timedelta(days=31), service=service, status=Status.COMPLETED)
    book(therapist, NOW + timedelta(days=22), service=service)
    uids = [str(e["UID"]) for e in fetch(client, issue(therapist)).walk("VEVENT")]
    assert uids == [f"appointment-{a.pk}@clinic-booking" for a in inside]


def test_a_move_keeps_the_uid_and_raises_sequence_and_dtstamp(client, therapist, service):
    patient = UserFactory()
    appointment = services.appointment_book(
        patient=patient, service=service, therapist=therapist, start=at(3, 10)
    )
    services.appointment_confirm(appointment=appointment)
    token = issue(therapist)
    (before,) = fetch(client, token).walk("VEVENT")
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        services.appointment_reschedule(appointment=appointment, start=at(4, 11), by=patient)
    (after,) = fetch(client, token).walk("VEVENT")
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after.decoded("DTSTAMP") > before.decoded("DTSTAMP")
    assert after.decoded("DTSTART") == datetime(2026, 6, 4, 10, 0, tzinfo=UTC)


def test_an_unchanged_feed_is_byte_for_byte_the_same(client, therapist, service):
    book(therapist, at(2, 10), service=service)
    token = issue(therapist)
    first = client.get(feed_path(token)).content
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        assert client.get(feed_path(token)).content == first


def test_feed_is_never_cached_and_sets_no_cookie(client, therapist):
    token = issue(therapist)
    response = client.get(feed_path(token))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert response.cookies == {}
    assert client.get(feed_path("not-a-real-token")).cookies == {}


def test_feed_opened_in_a_signed_in_browser_sets_no_cookie(client, therapist):
    token = issue(therapist)
    client.force_login(therapist.user)
    response = client.get(feed_path(token))
    assert response.status_code == 200
    assert response.cookies == {}
    assert client.get(reverse("bookings:appointment-list")).cookies  # other pages still renew the session


def test_unknown_token_answers_404(client, therapist):
    issue(therapist)
    for token in ("x", "A" * 43, "%00", "a" * 500):
        response = client.get(f"/calendar/{token}.ics")
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/plain")


def test_revoked_token_answers_404(client, therapist):
    token = issue(therapist)
    assert calendar_feed_revoke(therapist=therapist, by=therapist.user) is True
    assert client.get(feed_path(token)).status_code == 404
    assert calendar_feed_revoke(therapist=therapist, by=therapist.user) is False


def test_rotated_token_invalidates_the_old_address(client, therapist):
    old = issue(therapist)
    new = issue(therapist)
    assert old != new
    assert client.get(feed_path(old)).status_code == 404
    assert client.get(feed_path(new)).status_code == 200
    assert CalendarFeed.objects.filter(therapist=therapist).count() == 1


def test_only_a_hash_of_the_token_is_stored(therapist):
    token = issue(therapist)
    feed = CalendarFeed.objects.get(therapist=therapist)
    assert feed.token_hash == token_hash(token) != token
    assert len(token) >= 43  # 32 random bytes


def test_a_deactivated_therapist_account_feed_answers_404(client, therapist):
    token = issue(therapist)
    therapist.user.is_active = False
    therapist.user.save()
    assert client.get(feed_path(token)).status_code == 404


def test_feed_answers_get_and_head_only(client, therapist):
    token = issue(therapist)
    assert client.head(feed_path(token)).status_code == 200
    assert client.post(feed_path(token)).status_code == 405


@pytest.mark.parametrize("count", [1, 8])
def test_feed_query_count_does_not_grow_with_appointments(
    client, django_assert_num_queries, therapist, service, count
):
    for day in range(count):
        book(therapist, at(2 + day, 10), service=service)
    token = issue(therapist)
    # the feed with its therapist, the policy (the window), the appointments with patient and service,
    # the clinic profile (its name and the sessions' LOCATION)
    with django_assert_num_queries(4):
        response = client.get(feed_path(token))
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == count
