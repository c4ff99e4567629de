"""The front desk's patient search and what it reads of the health record: a date of birth the patient
gave only on the health form finds them; nothing else of the form is shown."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from bookings.models import Status
from bookings.tests.factories import AppointmentFactory
from bookings.tests.fixtures import at
from clinic.tests.factories import UserFactory, front_desk_user
from intake.models import Intake

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

SEARCH = reverse("bookings:patient-search")


@pytest.fixture
def desk(client):
    client.force_login(front_desk_user())
    return client


@pytest.fixture
def people():
    return {
        "sam": UserFactory(
            first_name="Sam", last_name="Taylor", email="sam.t@example.org", phone="07700 900123"
        ),
        "kim": UserFactory(first_name="Kim", last_name="Lee", email="kim.lee@example.org"),
    }


def found(client, text: str) -> list[str]:
    body = client.get(SEARCH, {"q": text}).content.decode()
    if 'id="patient-results"' not in body:
        return []
    return re.findall(
        r"<strong>([^<]+)</strong>", body.split('id="patient-results"', 1)[1].split("</ul>", 1)[0]
    )


def test_a_patient_who_gave_their_birthday_only_on_the_health_form_is_found_by_it(desk, people):
    Intake.objects.create(patient=people["kim"], answers={"date_of_birth": "1985-04-12"})
    assert found(desk, "12/04/1985") == ["Kim Lee"]


def test_results_show_contact_details_and_the_next_visit_but_no_health_detail(
    desk, people, service, therapist
):
    Intake.objects.create(
        patient=people["sam"], answers={"date_of_birth": "1979-11-23", "medications": "Warfarin"}
    )
    AppointmentFactory(patient=people["sam"], therapist=therapist, service=service, start=at(3, 10))
    AppointmentFactory(
        patient=people["sam"], therapist=therapist, service=service, start=at(2, 10), status=Status.CANCELLED
    )
    body = desk.get(SEARCH, {"q": "Sam Taylor"}).content.decode()
    assert "Born" not in body  # the desk recorded none; the form's is not shown
    assert "sam.t@example.org" in body and "07700 900123" in body
    assert "Next visit Wed 3 Jun 2026, 10:00" in body
    assert "Warfarin" not in body
    assert f"{reverse('bookings:front-desk-book')}?patient=sam.t%40example.org" in body
