"""The slot page opens where the free times are: the first day with times, a week strip with how many
each day has, "next available" jumps, times grouped by part of the day, "any therapist" showing each
time once, and htmx swapping only the picker (full-page links without JavaScript)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils.http import urlencode

from bookings.availability import Slot
from bookings.picker import build_slot_picker
from clinic.models import ClinicPolicy

from .factories import AppointmentFactory, bookable_therapist
from .fixtures import LONDON, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

THURSDAY, SATURDAY = 3, 5
# A visitor: the service, the form's therapists, the engine's eight reads for the whole horizon (the
# policy among them), the clinic profile for the footer.
SLOT_PAGE_QUERIES = 11


def page(client, service, **params):
    url = reverse("bookings:service-slots", args=[service.slug])
    return client.get(url + ("?" + urlencode(params) if params else "")).content.decode()


def shown_day(body: str) -> str:
    return re.search(r'id="picker-day">([^<]*)<', body).group(1).strip()


def starts(body: str) -> list[str]:
    return re.findall(r'class="btn slot-button [^"]*">(\d\d:\d\d)</button>', body)


def test_the_page_opens_on_the_first_day_with_free_times_not_an_empty_today(client, service):
    bookable_therapist(service, weekdays=[THURSDAY])  # today is Monday 1 June
    assert shown_day(page(client, service)) == "Thursday 4 June 2026"


def test_with_no_free_times_in_the_horizon_the_page_says_so(client, service):
    ClinicPolicy.objects.update(horizon_days=2)
    bookable_therapist(service, weekdays=[THURSDAY])
    body = page(client, service)
    assert shown_day(body) == "Monday 1 June 2026"
    assert "No free times" in body
    assert starts(body) == []


def test_the_week_strip_counts_each_days_times_and_marks_full_days(client, service):
    therapist = bookable_therapist(service, weekdays=[THURSDAY, SATURDAY], start=time(9), end=time(12))
    AppointmentFactory(therapist=therapist, service=service, start=at(6, 9))  # Saturday 09:00-10:15
    body = page(client, service)
    strip = re.search(r'id="week-strip">(.*?)</ul>', body, re.S).group(1)
    counts = re.findall(r'week-day-date">([^<]*)<.*?week-day-count">([^<]*)<', strip, re.S)
    assert counts == [
        ("1 Jun", "full"),
        ("2 Jun", "full"),
        ("3 Jun", "full"),
        ("4 Jun", "9 times"),  # 09:00 .. 11:00 every 15 minutes
        ("5 Jun", "full"),
        ("6 Jun", "4 times"),  # after the 09:00 visit and its buffer: 10:15 .. 11:00
        ("7 Jun", "full"),
    ]
    assert 'aria-current="date"' in strip


def test_days_already_gone_in_the_week_strip_say_past_not_closed(client, service):
    bookable_therapist(service, weekdays=[THURSDAY, SATURDAY], start=time(9), end=time(12))
    with time_machine.travel(at(4, 7), tick=False):  # Thursday 4 June, 07:00 in London
        body = page(client, service)
    strip = re.search(r'id="week-strip">(.*?)</ul>', body, re.S).group(1)
    counts = re.findall(r'week-day-date">([^<]*)<.*?week-day-count">([^<]*)<', strip, re.S)
    assert counts[:3] == [("1 Jun", "past"), ("2 Jun", "past"), ("3 Jun", "past")]
    # Today (Thursday) is too short notice to book online.
    assert [count for day, count in counts[3:]] == ["full", "full", "9 times", "full"]


def test_next_available_jumps_to_the_next_day_with_times_after_the_shown_one(client, service):
    therapist = bookable_therapist(service, weekdays=[THURSDAY], start=time(9), end=time(10))
    body = page(client, service)
    nxt = re.search(r'id="next-available" href="([^"]*)"', body).group(1)
    assert "date=2026-06-11" in nxt
    assert shown_day(page(client, service, date="2026-06-11")) == "Thursday 11 June 2026"
    # The first Thursday taken: the page opens on the next one, and its "previous" goes nowhere.
    AppointmentFactory(therapist=therapist, service=service, start=at(4, 9))
    body = page(client, service)
    assert shown_day(body) == "Thursday 11 June 2026"
    assert "Previous day with times" not in body


@pytest.mark.parametrize("therapists", [1, 4])
def test_slot_page_query_count_does_not_grow_with_therapists_days_or_bookings(
    client, service, django_assert_num_queries, therapists
):
    for i in range(therapists):
        t = bookable_therapist(service)
        for day in range(2, 2 + 3 * therapists):
            AppointmentFactory(therapist=t, service=service, start=at(day, 10 + i % 3))
    client.get(reverse("bookings:service-list"))
    with django_assert_num_queries(SLOT_PAGE_QUERIES):
        body = page(client, service)
    assert "next-available" in body


def test_the_query_count_is_the_same_for_one_therapist_and_an_htmx_swap(
    client, service, therapist, django_assert_num_queries
):
    client.get(reverse("bookings:service-list"))
    # The chosen therapist is read instead of the footer's profile, which the picker alone does not show.
    with django_assert_num_queries(SLOT_PAGE_QUERIES):
        client.get(
            reverse("bookings:service-slots", args=[service.slug]),
            {"therapist": therapist.pk, "date": "2026-06-05"},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="slot-picker",
        )


def test_any_therapist_shows_each_time_once_and_offers_to_choose_who(
    client, service, therapist, other_therapist
):
    body = page(client, service, date="2026-06-03")
    times = starts(body)
    assert times[0] == "09:00"
    assert len(times) == len(set(times))  # not one button per therapist
    assert 'name="therapist" value=""' in body  # the clinic picks
    choose = re.search(r'id="choose-therapist">(.*?)</details>', body, re.S).group(1)
    assert "Omar Reyes" in choose and "Priya Shah" in choose
    assert f"therapist={therapist.pk}" in choose


def test_times_are_grouped_into_morning_afternoon_and_evening_in_clinic_time(client, service):
    bookable_therapist(service, start=time(9), end=time(20))
    body = page(client, service, date="2026-06-03")
    headings = re.findall(r'<h3 [^>]*id="part-\d">([^<]*)</h3>', body)
    assert headings == ["Morning", "Afternoon", "Evening"]
    morning, afternoon, evening = re.split(r'id="part-\d"', body)[1:4]
    assert "11:45</button>" in morning and "12:00</button>" not in morning
    assert "12:00</button>" in afternoon and "16:45</button>" in afternoon
    assert "17:00</button>" in evening
    assert "Europe/London" in body


def test_on_the_clock_change_day_parts_of_the_day_follow_local_time():
    # 29 March 2026: London moves to BST at 01:00 UTC. 10:30 UTC is 11:30 local, 11:30 UTC 12:30.
    day = date(2026, 3, 29)
    slots = [
        Slot(datetime(2026, 3, 29, h, 30, tzinfo=UTC), datetime(2026, 3, 29, h + 1, 30, tzinfo=UTC), 1, "A")
        for h in (10, 11)
    ]
    picker = build_slot_picker(slots, day=None, today=day, last_day=day, tz=LONDON)
    assert [(p.name, [t.local.strftime("%H:%M") for t in p.times]) for p in picker.parts] == [
        ("Morning", ["11:30"]),
        ("Afternoon", ["12:30"]),
    ]


def test_a_bad_therapist_in_a_strip_link_says_so_and_shows_everyone(
    client, service, therapist, other_therapist
):
    for bad in ["999999", "x", "-1"]:
        body = page(client, service, therapist=bad, date="2026-06-03")
        assert "That therapist is not available for this service; showing everyone." in body
        assert starts(body)[0] == "09:00"


def test_a_bad_date_in_a_strip_link_says_so_and_shows_the_first_day_with_times(client, service):
    bookable_therapist(service, weekdays=[THURSDAY])
    body = page(client, service, date="2026-13-45")
    assert "That day could not be read" in body
    assert shown_day(body) == "Thursday 4 June 2026"


def test_a_day_in_the_past_shows_today_and_one_beyond_the_horizon_says_how_far_ahead(
    client, service, therapist
):
    assert shown_day(page(client, service, date="2026-05-01")) == "Monday 1 June 2026"
    body = page(client, service, date="2026-12-01")
    assert "Times can be booked up to 31 July 2026" in body
    assert starts(body) == []


def test_an_htmx_request_gets_the_picker_alone_and_a_plain_one_the_whole_page(client, service, therapist):
    url = reverse("bookings:service-slots", args=[service.slug]) + "?date=2026-06-04"
    partial = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="slot-picker")
    body = partial.content.decode()
    assert '<div id="slot-picker"' in body
    assert "<html" not in body and "<footer" not in body
    assert "Thursday 4 June 2026" in body
    assert "HX-Request" in partial["Vary"]
    full = client.get(url).content.decode()
    assert "<html" in full and '<div id="slot-picker"' in full
    # htmx aimed somewhere else (or restoring history) gets the whole page too.
    other = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="main").content.decode()
    assert "<html" in other


def test_choosing_a_therapist_by_htmx_swaps_in_their_photo_and_name_too(client, service, therapist):
    url = reverse("bookings:service-slots", args=[service.slug])
    everyone = client.get(url, {"date": "2026-06-04"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="slot-picker")
    assert "therapist-badge" not in everyone.content.decode()
    chosen = client.get(
        url,
        {"date": "2026-06-04", "therapist": therapist.pk},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="slot-picker",
    ).content.decode()
    assert f'therapist-badge" data-therapist="{therapist.pk}"' in chosen
    assert therapist.display_name in chosen


def test_htmx_is_a_static_file_configured_to_inject_no_inline_style(client, service, therapist):
    resp = client.get(reverse("bookings:service-slots", args=[service.slug]))
    body = resp.content.decode()
    assert '<script src="/static/django_htmx/htmx-2.min.js" defer></script>' in body
    assert finders.find("django_htmx/htmx-2.min.js")
    assert '"includeIndicatorStyles":false' in body
    assert "<script>" not in body and "<style" not in body and " style=" not in body
    csp = resp["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp


def test_every_picker_link_is_a_plain_link_too(client, service, therapist):
    body = page(client, service, date="2026-06-03")
    for tag in re.findall(r"<a [^>]*hx-get=[^>]*>", body):
        href = re.search(r'href="([^"]*)"', tag).group(1)
        assert href == re.search(r'hx-get="([^"]*)"', tag).group(1)
        assert href.startswith(reverse("bookings:service-slots", args=[service.slug]) + "?")
