"""A therapist lands on "my day" after signing in: today's appointments, or their next working day's,
each linking to the patient's case and health form where they may open them, open alerts first."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from bookings.models import Closure, Status
from bookings.tests.factories import bookable_therapist
from clinic.tests.factories import UserFactory, front_desk_user, totp_code
from clinic.tests.signin import code_step, password_step
from intake.models import Outcome, StaffAlert

from ..plan_fixtures import at, book, screen

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

DAY_URL = reverse("intake:therapist-day")
LONDON = ZoneInfo("Europe/London")


def sign_in(client, user):
    password_step(client, user.email)
    return code_step(client, totp_code())


def test_a_therapist_lands_on_my_day_after_signing_in(client, therapist):
    response = sign_in(client, therapist.user)
    assert response.status_code == 302 and response["Location"] == DAY_URL


def test_other_staff_land_on_the_staff_dashboard_and_patients_where_they_did(client):
    assert sign_in(client, front_desk_user())["Location"] == reverse("staff-dashboard")
    client.logout()
    patient = UserFactory()
    response = password_step(client, patient.email)
    assert response["Location"] == "/"


def test_a_next_address_still_wins(client, therapist):
    password_step(client, therapist.user.email, next_url=reverse("intake:review-queue"))
    assert code_step(client, totp_code())["Location"] == reverse("intake:review-queue")


def test_my_day_opens_on_the_therapist_s_next_working_day(client, service):
    weekdays = bookable_therapist(service, weekdays=range(5), display_name="Mo Weekday")
    visit = book(weekdays, UserFactory(), at(8, 10), service=service)
    with time_machine.travel(datetime(2026, 6, 6, 9, tzinfo=LONDON), tick=False):  # a Saturday
        client.force_login(weekdays.user)
        body = client.get(DAY_URL).content.decode()
    assert "My day, Monday 8 June 2026" in body
    assert f'data-appointment="{visit.pk}"' in body


def test_my_day_skips_a_closed_day(client, therapist):
    Closure.objects.create(first_day=date(2026, 6, 1), last_day=date(2026, 6, 1), reason="Bank holiday")
    client.force_login(therapist.user)
    assert "My day, Tuesday 2 June 2026" in client.get(DAY_URL).content.decode()


def test_each_row_links_to_the_case_and_the_health_form(client, service, therapist, patient):
    flagged = book(therapist, patient, at(1, 10), service=service, status=Status.PENDING_REVIEW)
    result = screen(flagged, outcome=Outcome.REVIEW, ruled_out={"pregnancy": ["BALL"]})
    plain = book(therapist, UserFactory(), at(1, 12), service=service, status=Status.NO_SHOW)
    client.force_login(therapist.user)
    body = client.get(DAY_URL, {"date": "2026-06-01"}).content.decode()
    assert reverse("intake:review-case", args=[result.pk]) in body
    assert reverse("intake:patient-intake", args=[patient.pk]) in body
    # A no-show gives no access to the health form, and has no case: no links that would 404.
    assert reverse("intake:patient-intake", args=[plain.patient.pk]) not in body


def test_open_alerts_come_first_on_my_day(client, service, therapist, patient):
    refused = book(therapist, patient, at(3, 10), service=service, status=Status.REFUSED)
    StaffAlert.objects.create(
        appointment=refused, kind=StaffAlert.Kind.URGENT, message="Phone the patient today."
    )
    client.force_login(therapist.user)
    body = client.get(DAY_URL, {"date": "2026-06-01"}).content.decode()
    assert 'id="staff-alerts"' in body
    assert body.index('id="staff-alerts"') < body.index("My day,")
