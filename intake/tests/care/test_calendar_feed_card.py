"""The therapist's day page says whether their calendar link is on and leads to it, at no extra query;
the feed of a screened, flagged case says "waiting for review" and nothing of the health form."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from icalendar import Calendar

from bookings.feed.services import calendar_feed_issue
from clinic.tests.factories import UserFactory
from intake.models import Outcome

from ..plan_fixtures import book, screen
from ..review_fixtures import at, flagged_booking
from .test_therapist_day import DAY_LIST_QUERIES, day_page

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

LINK_PAGE = reverse("bookings:my-calendar-feed")


def test_day_page_offers_to_make_a_calendar_link(client, therapist):
    client.force_login(therapist.user)
    body = day_page(client).content.decode()
    assert "Subscribe to your calendar" in body
    assert f'href="{LINK_PAGE}">Make a calendar link<' in body


def test_day_page_says_the_link_is_on_at_the_same_query_count(
    client, django_assert_num_queries, service, therapist
):
    screen(book(therapist, UserFactory(), at(1, 9), service=service), outcome=Outcome.CLEAR)
    calendar_feed_issue(therapist=therapist, by=therapist.user)
    client.force_login(therapist.user)
    with django_assert_num_queries(DAY_LIST_QUERIES):
        body = day_page(client, date="2026-06-01").content.decode()
    assert "Manage your calendar link" in body


def test_a_flagged_case_shows_as_waiting_for_review_with_no_health_detail(client, service, therapist):
    patient = UserFactory(first_name="Sam", last_name="Taylor")
    result = flagged_booking(
        patient=patient, service=service, therapist=therapist, start=at(3, 10), herniated_disc=True
    )
    token = calendar_feed_issue(therapist=therapist, by=therapist.user)
    body = client.get(reverse("bookings:calendar-feed", args=[token])).content.decode()
    (event,) = Calendar.from_ical(body).walk("VEVENT")
    assert str(event["STATUS"]) == "TENTATIVE"
    assert str(event["SUMMARY"]) == f"Sam T.: {service.name}"
    words = {flag["rule_key"] for flag in result.flags} | {
        flag["contraindication_key"] for flag in result.flags
    }
    words |= {
        "herniat",
        "disc",
        "flag",
        "screen",
        "relative",
        "absolute",
        "urgent",
        "asthma",
        "knee",
        "Taylor",
    }
    assert [word for word in words if word.lower() in body.lower()] == []
    # technique codes are short capitals ("COB"): whole words, as written
    assert [code for code in result.techniques_ruled_out if re.search(rf"\b{code}\b", body)] == []
