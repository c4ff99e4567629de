"""Who makes, replaces and turns off a calendar link: the therapist on their own page, clinic admins in
the admin; nobody else, for nobody else. A new address is shown once."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.admin.sites import site as admin_site
from django.test import RequestFactory
from django.urls import reverse

from bookings.errors import BookingError
from bookings.feed.models import CalendarFeed
from bookings.feed.services import calendar_feed_issue, calendar_feed_revoke
from clinic.models import Therapist
from clinic.tests.factories import clinic_admin_user, front_desk_user, patient, therapist_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

PAGE = reverse("bookings:my-calendar-feed")
NEW = reverse("bookings:my-calendar-feed-new")
OFF = reverse("bookings:my-calendar-feed-off")
FEED_URL = re.compile(r"http://127\.0\.0\.1:8000(/calendar/[A-Za-z0-9_-]{43}\.ics)")


def shown_feed_path(response) -> str | None:
    match = FEED_URL.search(response.content.decode())
    return match.group(1) if match else None


def test_a_therapist_makes_a_link_and_sees_the_address_once(client, therapist):
    client.force_login(therapist.user)
    page = client.get(PAGE)
    assert "You have no calendar link." in page.content.decode()
    response = client.post(NEW, follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    path = shown_feed_path(response)
    assert path is not None
    assert "no-store" in response["Cache-Control"]
    assert f'href="webcal://127.0.0.1:8000{path}"' in response.content.decode()
    assert client.get(path).status_code == 200

    again = client.get(PAGE)
    assert shown_feed_path(again) is None
    assert "Made 1 June 2026 at 08:00 (Europe/London)" in again.content.decode()


def test_making_a_new_link_stops_the_old_one(client, therapist):
    client.force_login(therapist.user)
    old = shown_feed_path(client.post(NEW, follow=True))
    new = shown_feed_path(client.post(NEW, follow=True))
    assert old != new
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_turning_the_link_off_makes_it_answer_404(client, therapist):
    client.force_login(therapist.user)
    path = shown_feed_path(client.post(NEW, follow=True))
    response = client.post(OFF, follow=True)
    assert "Your calendar link is off" in response.content.decode()
    assert "You have no calendar link." in response.content.decode()
    assert client.get(path).status_code == 404
    assert "was already off" in client.post(OFF, follow=True).content.decode()


def test_the_link_pages_answer_post_only_for_changes(client, therapist):
    client.force_login(therapist.user)
    assert client.get(NEW).status_code == 405
    assert client.get(OFF).status_code == 405
    assert not CalendarFeed.objects.exists()


@pytest.mark.parametrize("make_user", [patient, front_desk_user, clinic_admin_user])
def test_someone_who_is_not_a_therapist_has_no_link_page(client, therapist, make_user):
    calendar_feed_issue(therapist=therapist, by=therapist.user)
    client.force_login(make_user())
    for response in (client.get(PAGE), client.post(NEW), client.post(OFF)):
        assert response.status_code == 404
    assert CalendarFeed.objects.filter(therapist=therapist).count() == 1


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    for response in (client.get(PAGE), client.post(NEW), client.post(OFF)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("make_user", [therapist_user, front_desk_user, patient])
def test_wrong_role_cannot_manage_another_therapists_link(therapist, make_user):
    calendar_feed_issue(therapist=therapist, by=therapist.user)
    before = CalendarFeed.objects.get(therapist=therapist).token_hash
    intruder = make_user()
    with pytest.raises(BookingError) as refused:
        calendar_feed_issue(therapist=therapist, by=intruder)
    assert refused.value.code == "not_allowed"
    with pytest.raises(BookingError):
        calendar_feed_revoke(therapist=therapist, by=intruder)
    assert CalendarFeed.objects.get(therapist=therapist).token_hash == before


def test_a_therapists_own_page_only_ever_touches_their_own_link(client, therapist, other_therapist):
    calendar_feed_issue(therapist=other_therapist, by=other_therapist.user)
    before = CalendarFeed.objects.get(therapist=other_therapist).token_hash
    client.force_login(therapist.user)
    client.post(NEW)
    client.post(OFF)
    assert CalendarFeed.objects.get(therapist=other_therapist).token_hash == before


def test_a_clinic_admin_makes_and_turns_off_links_in_the_admin(client, therapist, other_therapist):
    admin = clinic_admin_user()
    client.force_login(admin)
    changelist = reverse("admin:clinic_therapist_changelist")
    response = client.post(
        changelist,
        {"action": "make_calendar_links", "_selected_action": [therapist.pk, other_therapist.pk]},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    paths = FEED_URL.findall(response.content.decode())
    assert len(paths) == 2
    assert all(client.get(path).status_code == 200 for path in paths)
    feed = CalendarFeed.objects.get(therapist=therapist)
    assert feed.created_by == admin
    assert LogEntry.objects.filter(
        object_id=str(therapist.pk), change_message="Made a new calendar link."
    ).exists()

    change_page = client.get(reverse("admin:clinic_therapist_change", args=[therapist.pk]))
    assert "On, made 01 Jun 2026 08:00 (Europe/London)" in change_page.content.decode()

    response = client.post(
        changelist, {"action": "turn_off_calendar_links", "_selected_action": [therapist.pk]}, follow=True
    )
    assert "1 calendar link(s) turned off." in response.content.decode()
    other_path, therapist_path = paths  # listed by name: Omar Reyes, Priya Shah
    assert client.get(therapist_path).status_code == 404
    assert client.get(other_path).status_code == 200
    assert not CalendarFeed.objects.filter(therapist=therapist).exists()
    assert CalendarFeed.objects.filter(therapist=other_therapist).exists()


def test_the_therapist_page_says_a_clinic_admin_made_the_link(client, therapist):
    calendar_feed_issue(therapist=therapist, by=clinic_admin_user())
    client.force_login(therapist.user)
    assert "by a clinic admin" in client.get(PAGE).content.decode()


def test_the_calendar_link_actions_are_offered_only_to_clinic_admins():
    model_admin = admin_site._registry[Therapist]
    request = RequestFactory().get("/")
    request.user = front_desk_user(is_staff=True)
    assert "make_calendar_links" not in model_admin.get_actions(request)
    assert "turn_off_calendar_links" not in model_admin.get_actions(request)
    request.user = clinic_admin_user()
    assert {"make_calendar_links", "turn_off_calendar_links"} <= set(model_admin.get_actions(request))
