"""The front desk marks a patient arrived: when and by whom, once, on the visit's day, for a booked
visit; on the change trail. Now is Monday 1 June 2026, 08:00 in London."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.db import IntegrityError
from django.urls import reverse

from bookings import extensions, services
from bookings.errors import BookingError
from bookings.models import Appointment, Status
from clinic.tests.factories import UserFactory, front_desk_user

from .factories import AppointmentFactory
from .fixtures import NOW, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def today(service, therapist):
    return AppointmentFactory(therapist=therapist, service=service, start=at(1, 10))


def arrive(appointment, by):
    return services.appointment_mark_arrived(appointment=appointment, by=by)


def test_the_desk_marks_a_patient_arrived_with_who_and_when(today):
    dana = front_desk_user(first_name="Dana", last_name="Desk")
    arrive(today, dana)
    today.refresh_from_db()
    assert (today.arrived_at, today.arrived_by, today.status) == (NOW, dana, Status.CONFIRMED)
    entry = LogEntry.objects.get_for_object(today).filter(action=LogEntry.Action.UPDATE).get()
    assert "arrived_at" in entry.changes_dict and entry.actor == dana


def test_a_second_arrival_is_refused_naming_the_first(today):
    arrive(today, front_desk_user(first_name="Dana", last_name="Desk"))
    with pytest.raises(BookingError) as refused:
        arrive(today, front_desk_user())
    assert refused.value.code == "already_arrived"
    assert "at 08:00 by Dana Desk" in refused.value.message


@pytest.mark.parametrize(
    "status", [Status.CANCELLED, Status.NO_SHOW, Status.REFUSED, Status.DECLINED, Status.HELD]
)
def test_only_a_booked_visit_can_be_marked_arrived(today, status):
    Appointment.objects.filter(pk=today.pk).update(status=status)
    with pytest.raises(BookingError) as refused:
        arrive(today, front_desk_user())
    assert refused.value.code == "invalid_transition"


def test_a_visit_waiting_for_review_can_be_marked_arrived(today):
    Appointment.objects.filter(pk=today.pk).update(status=Status.PENDING_REVIEW)
    arrive(today, front_desk_user())
    today.refresh_from_db()
    assert today.arrived_at == NOW and today.status == Status.PENDING_REVIEW


def test_only_on_the_visit_s_day(service, therapist):
    tomorrow = AppointmentFactory(therapist=therapist, service=service, start=at(2, 0, 30))
    with pytest.raises(BookingError) as refused:
        arrive(tomorrow, front_desk_user())
    assert refused.value.code == "not_today"


@pytest.mark.parametrize("who", ["patient", "therapist"])
def test_only_the_desk_may_mark_arrivals(today, who):
    with pytest.raises(BookingError) as refused:
        arrive(today, today.patient if who == "patient" else today.therapist.user)
    assert refused.value.code == "not_allowed"


def test_the_database_refuses_an_arrival_without_who():
    with pytest.raises(IntegrityError):
        AppointmentFactory(start=at(1, 12), arrived_at=NOW)


def test_the_day_list_marks_arrival_and_shows_it(client, today, monkeypatch):
    monkeypatch.setattr(extensions, "_arrival_follow_up", None)  # nothing left to do on arrival
    client.force_login(front_desk_user())
    body = client.get(reverse("bookings:front-desk-day"), {"date": "2026-06-01"}).content.decode()
    url = reverse("bookings:appointment-arrived", args=[today.pk])
    assert f'action="{url}"' in body
    response = client.post(url, follow=True)
    body = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("bookings:front-desk-day") + "?date=2026-06-01"
    assert f"{today.patient} is here for 10:00" in body
    assert "Arrived 08:00" in body
    assert f'action="{url}"' not in body


def test_a_refused_arrival_says_why_on_the_day_list(client, service, therapist):
    later = AppointmentFactory(therapist=therapist, service=service, start=at(4, 10))
    client.force_login(front_desk_user())
    body = client.post(reverse("bookings:appointment-arrived", args=[later.pk]), follow=True).content.decode()
    assert "only on the day of their appointment" in body


def test_patients_cannot_mark_arrivals_and_a_missing_one_is_404(client, today):
    client.force_login(UserFactory())
    assert client.post(reverse("bookings:appointment-arrived", args=[today.pk])).status_code == 404
    client.force_login(front_desk_user())
    assert client.post(reverse("bookings:appointment-arrived", args=[99999])).status_code == 404
    assert client.get(reverse("bookings:appointment-arrived", args=[today.pk])).status_code == 405


def test_after_arrival_the_desk_goes_on_to_what_another_app_still_asks(client, today, monkeypatch):
    monkeypatch.setattr(extensions, "_arrival_follow_up", lambda appointment: f"/next/{appointment.pk}/")
    client.force_login(front_desk_user())
    response = client.post(reverse("bookings:appointment-arrived", args=[today.pk]))
    assert response["Location"] == f"/next/{today.pk}/"
    today.refresh_from_db()
    assert today.arrived_at is not None


def test_a_refused_arrival_goes_back_to_the_day_whatever_another_app_asks(
    client, service, therapist, monkeypatch
):
    monkeypatch.setattr(extensions, "_arrival_follow_up", lambda appointment: "/next/")
    later = AppointmentFactory(therapist=therapist, service=service, start=at(4, 10))
    client.force_login(front_desk_user())
    response = client.post(reverse("bookings:appointment-arrived", args=[later.pk]))
    assert response["Location"] == reverse("bookings:front-desk-day") + "?date=2026-06-04"
