"""Issue 14: the menu by role. Staff see their own pages, and the patient's pages ("My bookings") only
once they have booked as a patient themselves; patients never see staff pages."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic.tests.factories import clinic_admin_user, front_desk_user, patient, therapist_user

from .factories import AppointmentFactory
from .fixtures import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def menu(client) -> str:
    page = client.get(reverse("home")).content.decode()
    return page.split('<nav class="navbar', 1)[1].split("</nav>", 1)[0]


def items(client) -> set[str]:
    return set(re.findall(r'data-nav="([a-z-]+)"', menu(client)))


def test_the_menu_expands_from_992_px_and_is_not_bootstraps_blue_bar(client):
    nav = menu(client)
    assert nav.startswith(" navbar-expand-lg")
    assert "bg-primary" not in nav and "navbar-dark" not in nav


def test_a_visitor_sees_the_public_pages_and_sign_in(client):
    assert items(client) == {"book", "therapists", "prices", "techniques", "contact", "login", "signup"}


def test_a_patient_sees_their_own_pages_and_no_staff_page(client):
    client.force_login(patient())
    found = items(client)
    assert {"book", "my-appointments", "my-health-form", "my-home-care", "contact", "logout"} <= found
    assert not found & {"staff", "front-desk", "review", "admin", "my-day"}


@pytest.mark.parametrize(
    ("make_staff", "staff_items"),
    [
        (therapist_user, {"staff", "review"}),
        (front_desk_user, {"staff", "front-desk"}),
        (clinic_admin_user, {"staff", "front-desk", "review", "admin"}),
    ],
)
def test_staff_see_staff_pages_and_no_patient_pages_until_they_book_as_patients(
    client, make_staff, staff_items
):
    user = make_staff()
    client.force_login(user)
    found = items(client)
    assert staff_items <= found
    assert not found & {"book", "my-appointments", "my-health-form", "my-home-care"}
    AppointmentFactory(patient=user, start=at(3, 10))
    assert {"my-appointments", "my-health-form", "my-home-care"} <= items(client)


def test_a_therapist_with_a_therapist_record_sees_their_day(client, therapist):
    client.force_login(therapist.user)
    assert "my-day" in items(client)


def test_the_current_page_is_marked_in_the_menu(client):
    page = client.get(reverse("bookings:services")).content.decode()
    assert 'href="/services/" data-nav="prices" aria-current="page"' in page
    assert 'data-nav="therapists" aria-current' not in page


@pytest.mark.parametrize("make_user", [patient, front_desk_user])
def test_the_menu_reads_roles_and_patient_bookings_in_one_query(client, make_user):
    client.force_login(make_user())
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("home"))
    menu_reads = [q["sql"] for q in queries if "bookings_appointment" in q["sql"]]
    assert len(menu_reads) == 1
    assert "auth_group" in menu_reads[0]
