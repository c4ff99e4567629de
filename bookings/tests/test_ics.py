from datetime import UTC, datetime

import pytest
import time_machine
from icalendar import Calendar

from bookings import services
from bookings.ics import ICS_STATUS, appointment_ics
from bookings.models import Status
from clinic.tests.factories import UserFactory

from .factories import AppointmentFactory
from .fixtures import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def parse(data: bytes):
    cal = Calendar.from_ical(data)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    return cal, events[0]


def test_ics_has_uid_sequence_and_utc_times(service, therapist):
    appt = services.appointment_book(
        patient=UserFactory(), service=service, therapist=therapist, start=at(3, 10)
    )
    services.appointment_confirm(appointment=appt)
    cal, event = parse(appointment_ics(appt))
    assert str(cal["METHOD"]) == "REQUEST"
    assert "PRODID" in cal
    assert event["UID"]
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == datetime(2026, 6, 3, 9, 0, tzinfo=UTC)  # 10:00 BST
    assert event.decoded("DTEND") == datetime(2026, 6, 3, 10, 0, tzinfo=UTC)
    assert "DTSTAMP" in event
    assert not cal.errors and not event.errors


def test_cancellation_ics_keeps_uid_with_higher_sequence(service, therapist):
    patient = UserFactory()
    appt = services.appointment_book(patient=patient, service=service, therapist=therapist, start=at(3, 10))
    _, before = parse(appointment_ics(appt))
    services.appointment_cancel(appointment=appt, by=patient)
    appt.refresh_from_db()
    cal, after = parse(appointment_ics(appt))
    assert str(cal["METHOD"]) == "CANCEL"
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert str(after["STATUS"]) == "CANCELLED"


def test_moved_appointment_ics_has_new_time_same_uid_higher_sequence(service, therapist):
    patient = UserFactory()
    appt = services.appointment_book(patient=patient, service=service, therapist=therapist, start=at(3, 10))
    _, before = parse(appointment_ics(appt))
    services.appointment_reschedule(appointment=appt, start=at(4, 11), by=patient)
    appt.refresh_from_db()
    _, after = parse(appointment_ics(appt))
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] == before["SEQUENCE"] + 1
    assert after.decoded("DTSTART") == datetime(2026, 6, 4, 10, 0, tzinfo=UTC)


def test_winter_appointment_converts_to_utc_without_offset(service, therapist):
    with time_machine.travel(datetime(2026, 11, 30, 8, 0, tzinfo=UTC), tick=False):
        appt = services.appointment_book(
            patient=UserFactory(), service=service, therapist=therapist, start=at(2, 10, month=12)
        )
        _, event = parse(appointment_ics(appt))
    assert event.decoded("DTSTART") == datetime(2026, 12, 2, 10, 0, tzinfo=UTC)  # GMT = UTC


def test_ics_download_link_serves_calendar_file(client, service, therapist):
    patient = UserFactory()
    appt = services.appointment_book(patient=patient, service=service, therapist=therapist, start=at(3, 10))
    client.force_login(patient)
    resp = client.get(f"/appointments/{appt.pk}/calendar.ics")
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("text/calendar")
    parse(resp.content)


@pytest.mark.parametrize(
    ("status", "ics_status", "method"),
    [
        (Status.HELD, "TENTATIVE", "REQUEST"),
        (Status.PENDING_REVIEW, "TENTATIVE", "REQUEST"),
        (Status.CONFIRMED, "CONFIRMED", "REQUEST"),
        (Status.COMPLETED, "CONFIRMED", "REQUEST"),
        (Status.NO_SHOW, "CONFIRMED", "REQUEST"),
        (Status.CANCELLED, "CANCELLED", "CANCEL"),
        (Status.DECLINED, "CANCELLED", "CANCEL"),
        (Status.REFUSED, "CANCELLED", "CANCEL"),
        (Status.EXPIRED, "CANCELLED", "CANCEL"),
    ],
)
def test_ics_status_says_whether_the_appointment_is_settled(service, therapist, status, ics_status, method):
    appt = AppointmentFactory(service=service, therapist=therapist, start=at(3, 10), status=status)
    cal, event = parse(appointment_ics(appt))
    assert str(event["STATUS"]) == ics_status
    assert str(cal["METHOD"]) == method


def test_every_status_has_a_calendar_status():
    assert set(ICS_STATUS) == set(Status.values)
