from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings import selectors
from bookings.models import Appointment, Closure, Status, TimeOff
from clinic.tests.factories import UserFactory

from .factories import AppointmentFactory, ServiceFactory, bookable_therapist

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 1, 6, 0, tzinfo=LONDON)  # a Monday morning


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def make_appointments(therapists, service, n):
    """`n` confirmed 20-minute appointments over 28 days, none overlapping (a patient per therapist)."""
    patients = [UserFactory() for _ in therapists]
    rows = []
    for i in range(n):
        t_idx, k = i % len(therapists), i // len(therapists)
        start = datetime(2026, 6, 2, 9, 0, tzinfo=LONDON) + timedelta(days=k % 28, minutes=20 * (k // 28))
        rows.append(
            Appointment(
                patient=patients[t_idx],
                therapist=therapists[t_idx],
                service=service,
                start=start,
                end=start + timedelta(minutes=20),
                blocks_until=start + timedelta(minutes=20),
                status=Status.CONFIRMED,
            )
        )
    return rows


@pytest.mark.parametrize("therapist_count", [1, 5])
def test_availability_query_count_does_not_grow_with_appointments(django_assert_num_queries, therapist_count):
    service = ServiceFactory()
    therapists = [bookable_therapist(service) for _ in range(therapist_count)]
    one = therapists[0] if therapist_count == 1 else None

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            selectors.free_slots(service=service, therapist=one, first_day=date(2026, 6, 1), days=28)
        return len(ctx.captured_queries)

    empty = count_queries()
    Appointment.objects.bulk_create(make_appointments(therapists, service, 500))
    with django_assert_num_queries(empty):
        slots = selectors.free_slots(service=service, therapist=one, first_day=date(2026, 6, 1), days=28)
    assert slots
    assert empty == 8


def test_selector_hides_slots_taken_by_appointments_time_off_and_closures():
    service = ServiceFactory(duration_minutes=60, buffer_minutes=15)
    therapist = bookable_therapist(service)
    day = date(2026, 6, 3)
    AppointmentFactory(therapist=therapist, service=service, start=datetime(2026, 6, 3, 10, 0, tzinfo=LONDON))
    TimeOff.objects.create(
        therapist=therapist,
        start=datetime(2026, 6, 3, 14, 0, tzinfo=LONDON),
        end=datetime(2026, 6, 3, 17, 0, tzinfo=LONDON),
    )
    Closure.objects.create(first_day=date(2026, 6, 4), last_day=date(2026, 6, 4), reason="Training")
    starts = {
        s.start.astimezone(LONDON).strftime("%d %H:%M")
        for s in selectors.free_slots(service=service, therapist=therapist, first_day=day, days=2)
    }
    assert "03 09:00" not in starts  # its own 15-minute buffer would run into the 10:00 appointment
    assert "03 10:00" not in starts
    assert "03 11:00" not in starts  # inside the 15-minute buffer after 10:00-11:00
    assert "03 11:15" in starts
    assert "03 13:00" in starts
    assert "03 13:15" not in starts  # would run into the time off
    assert not any(s.startswith("04") for s in starts)


def test_lapsed_hold_does_not_block_and_live_hold_does():
    service = ServiceFactory()
    therapist = bookable_therapist(service)
    start = datetime(2026, 6, 3, 10, 0, tzinfo=LONDON)
    hold = AppointmentFactory(
        therapist=therapist,
        service=service,
        start=start,
        status=Status.HELD,
        hold_expires_at=NOW + timedelta(minutes=10),
    )
    assert not selectors.slot_is_bookable(service=service, therapist=therapist, start=start)
    hold.hold_expires_at = NOW - timedelta(minutes=1)
    hold.save()
    assert selectors.slot_is_bookable(service=service, therapist=therapist, start=start)


def test_cancelled_appointment_does_not_block():
    service = ServiceFactory()
    therapist = bookable_therapist(service)
    start = datetime(2026, 6, 3, 10, 0, tzinfo=LONDON)
    AppointmentFactory(therapist=therapist, service=service, start=start, status=Status.CANCELLED)
    assert selectors.slot_is_bookable(service=service, therapist=therapist, start=start)


def test_therapist_not_offering_the_service_has_no_slots():
    service = ServiceFactory()
    other = ServiceFactory()
    bookable_therapist(other)
    assert selectors.free_slots(service=service, therapist=None, first_day=date(2026, 6, 2), days=3) == []


PAST_STATUSES = [Status.COMPLETED, Status.CONFIRMED, Status.CANCELLED, Status.NO_SHOW, Status.EXPIRED]


def add_history(therapists, service, n):
    """`n` past appointments in every status (some left confirmed), none overlapping."""
    patients = [UserFactory() for _ in therapists]
    rows = []
    for i in range(n):
        t_idx, k = i % len(therapists), i // len(therapists)
        start = datetime(2026, 5, 31, 9, 0, tzinfo=LONDON) - timedelta(days=k // 6, minutes=-75 * (k % 6))
        rows.append(
            Appointment(
                patient=patients[t_idx],
                therapist=therapists[t_idx],
                service=service,
                start=start,
                end=start + timedelta(minutes=60),
                blocks_until=start + timedelta(minutes=75),
                status=PAST_STATUSES[k % len(PAST_STATUSES)],
            )
        )
    Appointment.objects.bulk_create(rows, batch_size=1000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE bookings_appointment")


def busy_interval_sql(service, therapist=None) -> str:
    """The SQL the availability loader runs for the busy intervals of 28 days."""
    with CaptureQueriesContext(connection) as ctx:
        selectors.free_slots(service=service, therapist=therapist, first_day=date(2026, 6, 1), days=28)
    (sql,) = [q["sql"] for q in ctx.captured_queries if 'FROM "bookings_appointment"' in q["sql"]]
    return sql


@pytest.mark.parametrize("any_therapist", [True, False])
def test_busy_intervals_are_read_through_their_index_past_any_history(any_therapist):
    service = ServiceFactory()
    therapists = [bookable_therapist(service) for _ in range(4)]
    add_history(therapists, service, 3000)
    sql = busy_interval_sql(service, None if any_therapist else therapists[0])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN {sql}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        plan = " ".join(str(part) for row in cursor.fetchall() for part in row)
    assert "appt_busy_interval" in plan, plan
    assert "Seq Scan" not in plan and "SCAN bookings_appointment" not in plan, plan


def test_history_in_any_status_changes_neither_queries_nor_slots(django_assert_num_queries):
    service = ServiceFactory()
    therapists = [bookable_therapist(service) for _ in range(3)]
    AppointmentFactory(
        therapist=therapists[0], service=service, start=datetime(2026, 6, 2, 10, tzinfo=LONDON)
    )
    before = selectors.free_slots(service=service, therapist=None, first_day=date(2026, 6, 1), days=28)
    add_history(therapists, service, 1500)
    with django_assert_num_queries(8):
        after = selectors.free_slots(service=service, therapist=None, first_day=date(2026, 6, 1), days=28)
    assert after == before
