"""Pages meet dates at the ends of the calendar and other hostile input with a message, never a 500;
and the page after picking a time says what is true: the time is held, not booked."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.http import urlencode

from bookings.models import Appointment, Status
from clinic.tests.factories import UserFactory, front_desk_user

from .fixtures import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

EDGE_DATES = ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01"]


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("day", EDGE_DATES)
def test_slot_page_for_a_date_out_of_range_says_so_and_shows_today(client, service, therapist, day):
    resp = client.get(reverse("bookings:service-slots", args=[service.slug]), {"date": day})
    assert resp.status_code == 200
    assert "That day could not be read" in resp.content.decode()


@pytest.mark.parametrize(
    "start", ["9999-12-31T23:00:00+00:00", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+12:00"]
)
def test_holding_a_time_at_the_end_of_the_calendar_is_refused_with_a_message(
    client, service, therapist, start
):
    client.force_login(UserFactory())
    resp = client.post(
        reverse("bookings:hold", args=[service.slug]), {"start": start, "therapist": therapist.pk}
    )
    assert resp.status_code == 409
    assert "cannot be booked" in resp.content.decode()
    assert Appointment.objects.count() == 0


@pytest.mark.parametrize("day", EDGE_DATES)
def test_front_desk_day_for_a_date_out_of_range_says_so(client, day):
    client.force_login(front_desk_user())
    resp = client.get(reverse("bookings:front-desk-day"), {"date": day})
    assert resp.status_code == 200
    assert "could not be read" in " ".join(messages_of(resp))


@pytest.mark.parametrize("start", ["9999-12-31T23:59:00+00:00", "0001-01-01T00:00:00+00:00"])
def test_front_desk_booking_at_the_end_of_the_calendar_is_a_form_error(client, service, therapist, start):
    patient = UserFactory()
    client.force_login(front_desk_user())
    url = f"{reverse('bookings:front-desk-book')}?{urlencode({'patient': patient.email, 'service': service.slug})}"
    resp = client.post(url, {"start": start, "therapist": therapist.pk})
    assert resp.status_code == 409
    assert "date is out of range" in resp.content.decode()
    assert Appointment.objects.count() == 0


def test_picking_a_time_says_it_is_held_not_booked(client, service, therapist):
    client.force_login(UserFactory())
    resp = client.post(
        reverse("bookings:hold", args=[service.slug]),
        {"start": at(3, 10).isoformat(), "therapist": therapist.pk},
        follow=True,
    )
    assert Appointment.objects.get().status == Status.HELD
    said = " ".join(messages_of(resp))
    assert "holding this time while you answer" in said
    assert "booked" not in said.lower()
    assert "confirmation email" not in said.lower()


@pytest.mark.parametrize("start", ["9999-12-31", "0001-01-01", "2026-02-31"])
def test_admin_week_view_out_of_range_shows_this_week(admin_client, therapist, start):
    resp = admin_client.get(reverse("admin:clinic_therapist_week", args=[therapist.pk]), {"start": start})
    assert resp.status_code == 200
    assert resp.context["columns"][0]["day"].isoformat() == "2026-06-01"  # Monday of the frozen week


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/nowhere"])
def test_an_unknown_api_address_is_a_json_404(client, path):
    resp = client.get(path)
    assert resp.status_code == 404
    assert resp.json() == {"code": "not_found", "message": "Not found."}
