"""The front desk's day list: previous and next day, a week view, counts per status, closures and time
off marked, and the next working day when the clinic is closed today. Now is Monday 1 June 2026, 08:00."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from bookings.desk.day import next_working_day
from bookings.models import Closure, Status, TimeOff, WeeklyHours
from clinic.tests.factories import UserFactory, front_desk_user

from .factories import AppointmentFactory, bookable_therapist
from .fixtures import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

URL = reverse("bookings:front-desk-day")
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def desk(client):
    client.force_login(front_desk_user())
    return client


def rows(body: str) -> list[str]:
    return re.findall(r'id="appointment-(\d+)"', body)


def test_previous_and_next_day_keep_the_filters(desk, therapist):
    body = desk.get(URL, {"date": "2026-06-03", "therapist": therapist.pk}).content.decode()
    assert f'href="{URL}?therapist={therapist.pk}&amp;date=2026-06-02" rel="prev"' in body
    assert f'href="{URL}?therapist={therapist.pk}&amp;date=2026-06-04" rel="next"' in body
    assert "Appointments, Wednesday 3 June 2026" in body


def test_the_week_view_shows_monday_to_sunday_with_each_day_s_appointments(desk, service, therapist):
    monday = AppointmentFactory(therapist=therapist, service=service, start=at(1, 14))
    sunday = AppointmentFactory(therapist=therapist, service=service, start=at(7, 10))
    AppointmentFactory(therapist=therapist, service=service, start=at(8, 10))  # the next week
    body = desk.get(URL, {"date": "2026-06-04", "view": "week"}).content.decode()
    assert "Week of 1 June 2026" in body
    assert re.findall(r'data-day="([\d-]+)"', body) == [f"2026-06-0{n}" for n in range(1, 8)]
    assert rows(body) == [str(monday.pk), str(sunday.pk)]
    assert f'href="{URL}?view=week&amp;date=2026-05-28" rel="prev"' in body
    assert f'href="{URL}?view=week&amp;date=2026-06-11" rel="next"' in body


def test_counts_per_status_ignore_the_status_filter_but_not_the_therapist(
    desk, service, therapist, other_therapist
):
    for hour, status in ((9, Status.CONFIRMED), (11, Status.CONFIRMED), (13, Status.CANCELLED)):
        AppointmentFactory(therapist=therapist, service=service, start=at(3, hour), status=status)
    AppointmentFactory(therapist=other_therapist, service=service, start=at(3, 9), status=Status.NO_SHOW)
    body = desk.get(URL, {"date": "2026-06-03", "status": "cancelled"}).content.decode()
    assert "All: 4" in body and "Confirmed: 2" in body and "Cancelled: 1" in body and "No-show: 1" in body
    assert len(rows(body)) == 1
    body = desk.get(URL, {"date": "2026-06-03", "therapist": therapist.pk}).content.decode()
    assert "All: 3" in body and "No-show: " not in body


def test_a_closure_and_time_off_are_marked_without_the_time_off_s_reason(
    desk, service, therapist, other_therapist
):
    Closure.objects.create(first_day=date(2026, 6, 5), last_day=date(2026, 6, 5), reason="Staff training")
    TimeOff.objects.create(therapist=therapist, start=at(3, 9), end=at(3, 13), reason="Dentist")
    TimeOff.objects.create(therapist=other_therapist, start=at(2, 0), end=at(4, 0), reason="Flu")
    body = desk.get(URL, {"date": "2026-06-03"}).content.decode()
    assert "Priya Shah, 09:00–13:00" in body
    assert "Omar Reyes, all day" in body
    assert "Dentist" not in body and "Flu" not in body
    assert "Clinic closed" not in body
    week = desk.get(URL, {"date": "2026-06-03", "view": "week"}).content.decode()
    assert week.count("Clinic closed: Staff training") == 1
    assert week.count("Omar Reyes, all day") == 2  # 2 and 3 June, midnight to midnight
    assert "Omar Reyes, 00:00–00:00" not in week


def test_it_opens_on_the_next_working_day_when_the_clinic_is_closed_today(desk, service, therapist):
    Closure.objects.create(first_day=date(2026, 6, 1), last_day=date(2026, 6, 2), reason="Bank holiday")
    response = desk.get(URL, follow=True)
    body = response.content.decode()
    assert "Appointments, Wednesday 3 June 2026" in body
    assert (
        "The clinic is closed today (Bank holiday). Showing Wednesday 3 June, the next working day." in body
    )


def test_it_skips_a_weekend_nobody_works(client, service):
    bookable_therapist(service, weekdays=range(5))
    with time_machine.travel(datetime(2026, 6, 6, 9, tzinfo=LONDON), tick=False):  # a Saturday
        client.force_login(front_desk_user())
        body = client.get(URL).content.decode()
    assert "Appointments, Monday 8 June 2026" in body
    assert "closed today. Showing Monday 8 June" in body


def test_a_day_the_desk_asks_for_is_shown_even_when_closed(desk, therapist):
    Closure.objects.create(first_day=date(2026, 6, 1), last_day=date(2026, 6, 1), reason="Bank holiday")
    body = desk.get(URL, {"date": "2026-06-01"}).content.decode()
    assert "Appointments, Monday 1 June 2026" in body
    assert "Clinic closed: Bank holiday" in body


def test_next_working_day_follows_rota_dates_and_inactive_therapists(service):
    t = bookable_therapist(service, weekdays=[])
    WeeklyHours.objects.create(
        therapist=t, weekday=2, start_time=time(9), end_time=time(12), valid_from=date(2026, 6, 10)
    )
    bookable_therapist(service, weekdays=[0, 1], active=False)
    assert next_working_day(date(2026, 6, 1)) == (date(2026, 6, 10), "")


def test_today_is_today_when_open(therapist):
    assert next_working_day(date(2026, 6, 1)) == (date(2026, 6, 1), "")


def test_a_dst_day_lists_its_appointments_on_the_clinic_s_wall_clock(desk, service, therapist):
    """29 March 2026: the clocks go forward at 01:00; 00:30 and 23:30 local both belong to that day."""
    early = AppointmentFactory(
        therapist=therapist, service=service, start=datetime(2026, 3, 29, 0, 30, tzinfo=LONDON)
    )
    late = AppointmentFactory(
        therapist=therapist, service=service, start=datetime(2026, 3, 29, 23, 0, tzinfo=LONDON)
    )
    AppointmentFactory(
        therapist=therapist, service=service, start=datetime(2026, 3, 30, 0, 30, tzinfo=LONDON)
    )
    body = desk.get(URL, {"date": "2026-03-29"}).content.decode()
    assert rows(body) == [str(early.pk), str(late.pk)]
    assert "00:30–01:30" in body.replace("\n", "") or "00:30–" in body
    week = desk.get(URL, {"date": "2026-03-29", "view": "week"}).content.decode()
    assert "Week of 23 March 2026" in week and len(rows(week)) == 2


def test_the_week_view_runs_in_a_fixed_number_of_queries(
    desk, service, therapist, other_therapist, django_assert_num_queries
):
    desk.get(URL, {"date": "2026-06-03", "view": "week"})
    # The session is not saved again within a minute; the permissions are one query.
    with django_assert_num_queries(9):
        desk.get(URL, {"date": "2026-06-03", "view": "week"})
    for day in range(1, 8):
        AppointmentFactory(therapist=therapist, service=service, start=at(day, 10), patient=UserFactory())
        TimeOff.objects.create(therapist=other_therapist, start=at(day, 9), end=at(day, 10))
    Closure.objects.create(first_day=date(2026, 6, 6), last_day=date(2026, 6, 7), reason="Weekend works")
    with django_assert_num_queries(9):
        body = desk.get(URL, {"date": "2026-06-03", "view": "week"}).content.decode()
    assert len(rows(body)) == 7


def test_opening_on_the_next_working_day_costs_two_queries_more(desk, therapist, django_assert_num_queries):
    desk.get(URL)
    with django_assert_num_queries(11):
        desk.get(URL)


def test_bad_filters_say_so_and_show_today(desk, therapist):
    body = desk.get(URL, {"date": "2026-02-31", "view": "month"}).content.decode()
    assert "could not be read" in body
    assert "Appointments, Monday 1 June 2026" in body


def test_move_from_the_day_list_keeps_the_therapist_and_day_in_staff_words(
    desk, service, therapist, other_therapist
):
    appointment = AppointmentFactory(therapist=therapist, service=service, start=at(3, 10))
    body = desk.get(URL, {"date": "2026-06-03"}).content.decode()
    move = reverse("bookings:appointment-reschedule", args=[appointment.pk])
    assert f'href="{move}"' in body
    page = desk.get(move).content.decode()
    patient = appointment.patient
    assert f"Move {patient.first_name} {patient.last_name[0]}.'s visit" in page
    assert "Move your appointment" not in page
    assert f'<option value="{therapist.pk}" selected>' in page
    assert 'value="2026-06-03"' in page
    cancelled = AppointmentFactory(
        therapist=therapist, service=service, start=at(3, 14), status=Status.CANCELLED
    )
    body = desk.get(URL, {"date": "2026-06-03"}).content.decode()
    assert reverse("bookings:appointment-reschedule", args=[cancelled.pk]) not in body


def test_the_date_box_shows_the_day_on_the_page(desk, therapist):
    Closure.objects.create(first_day=date(2026, 6, 1), last_day=date(2026, 6, 1), reason="Bank holiday")
    assert 'value="2026-06-02"' in desk.get(URL).content.decode()
