"""The staff dashboard by role: open alerts first, cases waiting for review with the time left (for
reviewers), today's appointments (the desk's whole day, a therapist's own), licence expiries and failed
emails (clinic admins). A fixed number of queries per role. Now is Monday 1 June 2026, 08:00."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Status
from bookings.tests.factories import LicenceFactory, licence_type
from clinic.audit.models import AccessEvent, AccessKind
from clinic.outbox.models import OutboxMessage
from clinic.outbox.models import Status as OutboxStatus
from clinic.tests.factories import UserFactory, clinic_admin_user, front_desk_user
from intake.models import StaffAlert

from .plan_fixtures import at, book
from .review_fixtures import quick_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

URL = reverse("staff-dashboard")


def failed_email(n: int) -> OutboxMessage:
    now = timezone.now()
    n = OutboxMessage.objects.count() + n
    return OutboxMessage.objects.create(
        kind="appointment.confirmed",
        recipient=f"p{n}@example.org",
        subject=f"Your appointment {n}",
        body_text="x",
        dedupe_key=f"failed-{n}",
        due_at=now,
        next_attempt_at=now,
        status=OutboxStatus.FAILED,
    )


def test_a_therapist_sees_alerts_first_then_cases_with_time_left_then_their_day(client, therapist, service):
    case = quick_case(therapist=therapist, start=at(2, 10), service=service)
    refused = book(therapist, UserFactory(), at(4, 10), service=service, status=Status.REFUSED)
    StaffAlert.objects.create(appointment=refused, kind=StaffAlert.Kind.URGENT, message="Phone them.")
    book(therapist, UserFactory(first_name="Tess"), at(1, 15), service=service)
    client.force_login(therapist.user)
    body = client.get(URL).content.decode()
    order = [body.index(marker) for marker in ('id="staff-alerts"', 'id="cases-waiting"', 'id="today"')]
    assert order == sorted(order)
    assert reverse("intake:review-case", args=[case.pk]) in body
    assert "1\xa0day, 2\xa0hours left" in body
    assert "Tess" in body
    assert 'id="licence-expiries"' not in body and 'id="failed-messages"' not in body
    assert AccessEvent.objects.filter(kind=AccessKind.QUEUE, patient=case.appointment.patient).exists()


def test_the_desk_sees_the_clinic_s_day_and_no_cases(client, therapist, service):
    quick_case(therapist=therapist, start=at(2, 10), service=service)
    book(therapist, UserFactory(first_name="Ada"), at(1, 15), service=service)
    book(therapist, UserFactory(first_name="Bo"), at(1, 16, 30), service=service, status=Status.CANCELLED)
    client.force_login(front_desk_user())
    body = client.get(URL).content.decode()
    assert 'id="cases-waiting"' not in body
    assert "2 appointments" in body and "Confirmed: 1" in body and "Cancelled: 1" in body
    assert "Ada" in body.split("Still to arrive", 1)[1]
    assert 'id="licence-expiries"' not in body


def test_clinic_admins_see_licence_expiries_and_failed_emails(client, therapist):
    soon = LicenceFactory(
        therapist=therapist,
        licence_type=licence_type("osteopath"),
        expires_on=date(2026, 6, 20),
        number="SOON-1",
    )
    renewed = LicenceFactory(
        therapist=therapist,
        licence_type=licence_type("chiropractor"),
        expires_on=date(2026, 6, 25),
        number="OLD-2",
    )
    LicenceFactory(therapist=therapist, licence_type=renewed.licence_type, expires_on=date(2027, 6, 25))
    failed_email(1)
    client.force_login(clinic_admin_user())
    body = client.get(URL).content.decode()
    section = body.split('id="licence-expiries"', 1)[1].split("</section>", 1)[0]
    assert "SOON-1" in section and "Expires 20 June 2026" in section
    assert "OLD-2" not in section  # a later licence of the same type is recorded
    assert reverse("admin:clinic_licence_change", args=[soon.pk]) in section
    assert "Your appointment 1" in body.split('id="failed-messages"', 1)[1]
    assert 'id="cases-waiting"' in body


@pytest.mark.parametrize(
    ("role", "queries"),
    [("therapist", 15), ("desk", 13), ("admin", 20)],
)
def test_the_dashboard_runs_in_a_fixed_number_of_queries(
    client, therapist, service, django_assert_num_queries, role, queries
):
    user = {"therapist": therapist.user, "desk": front_desk_user(), "admin": clinic_admin_user()}[role]
    client.force_login(user)
    client.get(URL)

    def grow(first, last):  # rows numbered first..last-1, each at its own time
        for i in range(first, last):
            patient = UserFactory()
            quick_case(
                therapist=therapist,
                start=at(2, 9) + timedelta(minutes=90 * i),
                patient=patient,
                service=service,
            )
            book(therapist, UserFactory(), at(1, 9) + timedelta(minutes=90 * i), service=service)
            refused = book(
                therapist,
                patient,
                at(5, 9) + timedelta(minutes=90 * i),
                service=service,
                status=Status.REFUSED,
            )
            StaffAlert.objects.create(appointment=refused, kind=StaffAlert.Kind.URGENT, message="Phone them.")
            failed_email(i)
            LicenceFactory(
                therapist=therapist, licence_type=licence_type("osteopath"), expires_on=date(2026, 6, 10 + i)
            )

    grow(0, 1)
    with django_assert_num_queries(queries):
        client.get(URL)
    grow(1, 5)
    with django_assert_num_queries(queries):
        body = client.get(URL).content.decode()
    assert body.count("list-group-item") >= 5
