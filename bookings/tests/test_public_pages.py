"""Issue 14: the public therapist pages (list, one page each with the next free times) and the services
and prices page; their query counts do not grow with the rows."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from bookings.models import WeeklyHours

from .factories import LicenceFactory, ServiceFactory, TherapistFactory, bookable_therapist, licence_type

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

# therapists, their licences, their services; the clinic profile for the footer
THERAPIST_LIST_QUERIES = 4
# services, the therapists offering them; the policy (cancellation window); the clinic profile
SERVICE_LIST_QUERIES = 4


def test_the_therapist_list_shows_each_active_therapist_with_their_licence(client, service, therapist):
    TherapistFactory(display_name="Gone Away", active=False)
    page = client.get(reverse("bookings:therapists")).content.decode()
    assert "Priya Shah" in page and "Gone Away" not in page
    assert "Licensed (massage therapist, valid until 31 December 2099)" in page
    assert reverse("bookings:therapist-detail", args=[therapist.pk]) in page


@pytest.mark.parametrize("count", [1, 8])
def test_the_therapist_list_query_count_does_not_grow(client, django_assert_num_queries, count):
    service = ServiceFactory()
    for _ in range(count):
        LicenceFactory(therapist=bookable_therapist(service))
    with django_assert_num_queries(THERAPIST_LIST_QUERIES):
        resp = client.get(reverse("bookings:therapists"))
    assert resp.status_code == 200


def test_an_expired_licence_is_not_shown_as_licensed(client, service):
    therapist = TherapistFactory(display_name="Lapsed Lee")
    LicenceFactory(therapist=therapist, licence_type=licence_type("osteopath"), expires_on=date(2026, 5, 31))
    service.therapists.add(therapist)
    page = client.get(reverse("bookings:therapist-detail", args=[therapist.pk])).content.decode()
    assert "Lapsed Lee" in page
    assert "Licensed" not in page
    assert "Not taking bookings at the moment" in page


def test_a_licence_not_yet_valid_is_not_shown_as_licensed(client, service):
    therapist = TherapistFactory(display_name="Soon Sam")
    LicenceFactory(therapist=therapist, valid_from=date(2026, 7, 1), expires_on=date(2030, 1, 1))
    page = client.get(reverse("bookings:therapist-detail", args=[therapist.pk])).content.decode()
    assert "Licensed" not in page


def test_the_therapist_page_shows_bio_qualifications_and_next_free_times_linking_into_booking(
    client, service, therapist
):
    therapist.bio = "Works slowly.\n\nLoves runners."
    therapist.qualifications = "BSc Osteopathy, 2012\n\nMSc Sports Rehabilitation, 2016"
    therapist.save()
    page = client.get(reverse("bookings:therapist-detail", args=[therapist.pk])).content.decode()
    assert "<p>Works slowly.</p>" in page and "<p>Loves runners.</p>" in page
    assert "<li>BSc Osteopathy, 2012</li>" in page and "<li>MSc Sports Rehabilitation, 2016</li>" in page
    # The clock is Monday 1 June 2026 08:00; minimum notice is 12 hours, so Tuesday is the first day.
    assert "Tuesday 2 June" in page
    link = page.split('href="/book/psoas-60/?', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    query = parse_qs(link)
    assert query["therapist"] == [str(therapist.pk)]
    assert query["date"] == ["2026-06-02"]
    assert query["start"] == ["2026-06-02T08:00:00+00:00"]  # 09:00 in London (BST)


def test_a_time_on_the_therapist_page_opens_the_booking_page_on_that_day_with_the_therapist(
    client, service, therapist
):
    page = client.get(reverse("bookings:therapist-detail", args=[therapist.pk])).content.decode()
    href = page.split('href="/book/psoas-60/?', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    booking = client.get(f"/book/psoas-60/?{href}").content.decode()
    assert "Tuesday 2 June 2026" in booking
    assert f'data-therapist="{therapist.pk}"' in booking  # the therapist's badge: photo and name
    assert "Priya Shah" in booking


def test_the_therapist_page_switches_service_by_slug_and_ignores_an_unknown_one(client, service, therapist):
    other = ServiceFactory(name="Long session", slug="long-one", duration_minutes=90)
    other.therapists.add(therapist)
    page = client.get(reverse("bookings:therapist-detail", args=[therapist.pk]), {"service": "long-one"})
    assert "Next free times for Long session" in page.content.decode()
    page = client.get(reverse("bookings:therapist-detail", args=[therapist.pk]), {"service": "<script>"})
    assert page.status_code == 200
    assert "Next free times for Psoas release" in page.content.decode()


def test_a_therapist_with_no_free_times_says_so(client, service):
    therapist = bookable_therapist(service, weekdays=[])
    page = client.get(reverse("bookings:therapist-detail", args=[therapist.pk])).content.decode()
    assert "No free times in the next two weeks" in page


def test_an_inactive_or_unknown_therapist_has_no_page(client):
    gone = TherapistFactory(active=False)
    assert client.get(reverse("bookings:therapist-detail", args=[gone.pk])).status_code == 404
    assert client.get(reverse("bookings:therapist-detail", args=[999999])).status_code == 404


@pytest.mark.parametrize("count", [1, 6])
def test_the_therapist_page_query_count_does_not_grow_with_appointments_or_hours(
    client, django_assert_num_queries, service, therapist, count
):
    for weekday in range(count):
        WeeklyHours.objects.create(
            therapist=therapist, weekday=weekday, start_time=time(18), end_time=time(20)
        )
    # the therapist with licences and services (3), the availability engine's reads (8), the profile
    with django_assert_num_queries(12):
        client.get(reverse("bookings:therapist-detail", args=[therapist.pk]))


def test_the_services_page_shows_prices_in_pounds_and_who_offers_each(
    client, service, therapist, other_therapist
):
    ServiceFactory(name="Short session", slug="short", price=Decimal("45.50"), duration_minutes=30)
    service.price = Decimal("45.00")
    service.save()
    page = client.get(reverse("bookings:services")).content.decode()
    assert "£45</p>" in page and "£45.50</p>" in page
    assert "£45.00" not in page
    assert ">Omar Reyes</a> or <a" in page
    assert "up to 24 hours before it starts" in page


@pytest.mark.parametrize("count", [1, 6])
def test_the_services_page_query_count_does_not_grow(client, django_assert_num_queries, count):
    for _ in range(count):
        service = ServiceFactory()
        bookable_therapist(service)
        bookable_therapist(service)
    with django_assert_num_queries(SERVICE_LIST_QUERIES):
        resp = client.get(reverse("bookings:services"))
    assert resp.status_code == 200


def test_the_booking_page_shows_prices_the_en_gb_way(client, service):
    page = client.get(reverse("bookings:service-list")).content.decode()
    assert "£60" in page and "£60.00" not in page
    assert urlsplit(reverse("bookings:services")).path == "/services/"
