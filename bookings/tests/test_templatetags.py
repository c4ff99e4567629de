from datetime import timedelta

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment, Status
from bookings.templatetags.booking_tags import STATUS_COLOURS
from clinic.tests.factories import UserFactory, front_desk_user

from .factories import AppointmentFactory
from .fixtures import at


def render(status, **fields) -> str:
    appointment = Appointment(status=status, **fields)
    return Template("{% load booking_tags %}{% status_badge a %}").render(Context({"a": appointment}))


def test_every_status_has_a_colour():
    assert set(STATUS_COLOURS) == set(Status.values)


@pytest.mark.parametrize(
    ("status", "colour"),
    [(Status.CONFIRMED, "success"), (Status.PENDING_REVIEW, "warning"), (Status.REFUSED, "danger")],
)
def test_status_badge_shows_the_label_in_the_statuss_colour(status, colour):
    assert render(status) == (
        f'<span class="badge text-bg-{colour} text-wrap" data-status="{status.value}">{status.label}</span>'
    )


def test_a_lapsed_hold_shows_as_expired_in_grey():
    lapsed = render(Status.HELD, hold_expires_at=timezone.now() - timedelta(minutes=1))
    assert lapsed == (
        '<span class="badge text-bg-secondary text-wrap" data-status="expired">Expired (the held time lapsed)</span>'
    )


def test_status_badge_of_an_unknown_value_shows_it_in_grey_escaped():
    assert render("<odd>") == (
        '<span class="badge text-bg-secondary text-wrap" data-status="&lt;odd&gt;">&lt;odd&gt;</span>'
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_now")
def test_booking_pages_show_the_status_as_the_one_badge(client, service, therapist):
    patient = UserFactory()
    appointment = AppointmentFactory(
        patient=patient, therapist=therapist, service=service, start=at(3, 10), status=Status.CONFIRMED
    )
    badge = render(Status.CONFIRMED)
    client.force_login(patient)
    assert badge in client.get(reverse("bookings:appointment-detail", args=[appointment.pk])).content.decode()
    assert badge in client.get(reverse("bookings:appointment-list")).content.decode()
    client.force_login(front_desk_user())
    page = client.get(reverse("bookings:front-desk-day"), {"date": "2026-06-03"}).content.decode()
    assert badge in page


def test_a_long_status_label_wraps_instead_of_widening_the_page_on_a_phone():
    """'Held (booking not finished)' in a no-wrap badge pushed My appointments to 509 px at 375 px."""
    assert "text-wrap" in render(Status.HELD).split(">", 1)[0]
