"""The staff alert surface (issue 11, item 2): who sees which alert, the case link, acknowledging with a
note, and the email's link."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from bookings import services as booking_services
from bookings.tests.factories import AppointmentFactory, bookable_therapist
from clinic.tests.factories import UserFactory, clinic_admin_user, front_desk_user
from intake.models import StaffAlert
from intake.review import alerts
from intake.screening import services as screening_services
from intake.tests.review_fixtures import at, submitted_intake

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def urgent_alert(service, therapist, django_capture_on_commit_callbacks) -> StaffAlert:
    """Sam's booking with Priya on 3 June 10:00, refused for saddle numbness, with the alert emailed."""
    sam = UserFactory(first_name="Sam", last_name="Taylor", email="sam@example.org")
    appointment = booking_services.appointment_book(
        patient=sam, service=service, therapist=therapist, start=at(3, 10)
    )
    with django_capture_on_commit_callbacks(execute=True):
        screening_services.appointment_screen(
            appointment=appointment, intake=submitted_intake(sam, saddle_numbness=True)
        )
    return StaffAlert.objects.get(appointment=appointment)


def test_the_urgent_email_links_to_the_alert_and_names_no_condition(urgent_alert, settings):
    [email] = [m for m in mail.outbox if "URGENT" in m.subject]
    assert f"http://127.0.0.1:8000/staff/alerts/{urgent_alert.pk}/" in email.body
    body = email.body.lower()
    assert "saddle" not in body and "numb" not in body and "bladder" not in body
    assert urgent_alert.kind == StaffAlert.Kind.URGENT


def test_the_email_link_follows_the_site_url_setting(settings, urgent_alert):
    settings.SITE_URL = "https://clinic.example/"
    assert (
        screening_services.alert_url(urgent_alert)
        == f"https://clinic.example/staff/alerts/{urgent_alert.pk}/"
    )


@pytest.mark.parametrize("who", ["therapist", "admin", "front desk"])
def test_open_alerts_head_the_staff_dashboard_and_the_review_queue(client, urgent_alert, therapist, who):
    user = {"therapist": therapist.user, "admin": clinic_admin_user(), "front desk": front_desk_user()}[who]
    client.force_login(user)
    page = client.get(reverse("staff-dashboard")).content.decode()
    assert 'id="staff-alerts"' in page
    assert reverse("intake:alert", args=[urgent_alert.pk]) in page
    assert "Sam Taylor" in page
    assert "saddle" not in page.lower()
    if who != "front desk":
        assert (
            reverse("intake:alert", args=[urgent_alert.pk])
            in client.get(reverse("intake:review-queue")).content.decode()
        )


def test_another_therapist_and_a_patient_are_not_shown_the_alert(client, urgent_alert, service):
    client.force_login(bookable_therapist(service).user)
    assert 'id="staff-alerts"' not in client.get(reverse("staff-dashboard")).content.decode()
    assert client.get(reverse("intake:alert", args=[urgent_alert.pk])).status_code == 404
    client.force_login(urgent_alert.appointment.patient)
    assert client.get(reverse("intake:alert", args=[urgent_alert.pk])).status_code == 404


@pytest.mark.parametrize("who", ["therapist", "admin"])
def test_the_therapist_and_clinic_admins_get_the_case_link(client, urgent_alert, therapist, who):
    client.force_login(therapist.user if who == "therapist" else clinic_admin_user())
    page = client.get(reverse("intake:alert", args=[urgent_alert.pk])).content.decode()
    case_url = reverse("intake:review-case", args=[urgent_alert.appointment.screening.pk])
    assert case_url in page
    assert client.get(case_url).status_code == 200


def test_front_desk_sees_whom_to_phone_and_when_but_no_health_detail(client, urgent_alert):
    client.force_login(front_desk_user())
    page = client.get(reverse("intake:alert", args=[urgent_alert.pk])).content.decode()
    assert "Sam Taylor" in page and "+44 7700 900123" in page
    assert 'id="alert-case-link"' not in page
    assert reverse("intake:review-case", args=[urgent_alert.appointment.screening.pk]) not in page
    for detail in ("saddle", "numb", "bladder", "emergency care"):
        assert detail not in page.lower()


def test_acknowledging_records_who_when_and_the_note_and_clears_the_dashboard(
    client, urgent_alert, therapist, frozen_now
):
    client.force_login(therapist.user)
    url = reverse("intake:alert", args=[urgent_alert.pk])
    resp = client.post(url, {"note": "  Phoned, advised A&E.  "})
    assert resp.status_code == 302
    urgent_alert.refresh_from_db()
    assert urgent_alert.acknowledged_by == therapist.user
    assert urgent_alert.acknowledged_at == frozen_now
    assert urgent_alert.note == "Phoned, advised A&E."
    assert 'id="staff-alerts"' not in client.get(reverse("staff-dashboard")).content.decode()
    page = client.get(url).content.decode()
    assert "Phoned, advised A&amp;E." in page and 'id="alert-acknowledge"' not in page


def test_acknowledging_without_a_note_is_refused_with_a_message(client, urgent_alert, therapist):
    client.force_login(therapist.user)
    resp = client.post(reverse("intake:alert", args=[urgent_alert.pk]), {"note": "   "})
    assert resp.status_code == 400
    assert "This field is required" in resp.content.decode()
    urgent_alert.refresh_from_db()
    assert urgent_alert.acknowledged_at is None
    with pytest.raises(alerts.AlertError) as exc:
        alerts.alert_acknowledge(alert=urgent_alert, by=therapist.user, note="")
    assert exc.value.code == "note_required"


def test_a_second_acknowledgement_keeps_the_first(urgent_alert, therapist, frozen_now):
    alerts.alert_acknowledge(alert=urgent_alert, by=therapist.user, note="Phoned, advised A&E.")
    admin = clinic_admin_user()
    with time_machine.travel(frozen_now + timedelta(minutes=5), tick=False):
        again = alerts.alert_acknowledge(alert=urgent_alert, by=admin, note="Also phoned.")
    assert again.acknowledged_by == therapist.user
    assert again.acknowledged_at == frozen_now
    assert again.note == "Phoned, advised A&E."


def test_someone_not_shown_the_alert_cannot_acknowledge_it(urgent_alert, service):
    with pytest.raises(alerts.AlertError) as exc:
        alerts.alert_acknowledge(alert=urgent_alert, by=bookable_therapist(service).user, note="Phoned.")
    assert exc.value.code == "not_allowed"
    urgent_alert.refresh_from_db()
    assert urgent_alert.acknowledged_at is None


def test_a_second_urgent_alert_for_one_appointment_is_refused_by_the_database(urgent_alert):
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffAlert.objects.create(
            appointment=urgent_alert.appointment, kind=StaffAlert.Kind.URGENT, message="x"
        )


@pytest.mark.parametrize("count", [1, 20])
def test_the_alert_list_takes_one_query_however_many_alerts(
    count, service, therapist, django_assert_num_queries
):
    for i in range(count):
        appointment = AppointmentFactory(
            therapist=therapist, service=service, start=at(4, 9) + timedelta(days=i)
        )
        StaffAlert.objects.create(appointment=appointment, kind=StaffAlert.Kind.URGENT, message=f"Alert {i}")
    admin = clinic_admin_user()
    # The user's permissions, their own and their groups' in one query, then the alerts in one query.
    with django_assert_num_queries(2):
        shown = [
            (a.appointment.patient.email, a.appointment.therapist.display_name, a.result_id)
            for a in alerts.alerts_open(user=admin)
        ]
    assert len(shown) == count


@pytest.mark.parametrize("count", [1, 20])
def test_the_staff_dashboard_query_count_does_not_grow_with_alerts(
    client, count, service, therapist, django_assert_num_queries
):
    for i in range(count):
        appointment = AppointmentFactory(
            therapist=therapist, service=service, start=at(4, 9) + timedelta(days=i)
        )
        StaffAlert.objects.create(appointment=appointment, kind=StaffAlert.Kind.OVERDUE, message=f"Alert {i}")
    client.force_login(clinic_admin_user())
    client.get(reverse("staff-dashboard"))  # the session's first save
    # session, user (with whether they hold any permission), permissions (1), roles (nav), the review badge,
    # the alerts, recording the patients the alerts name (the reader's roles, one insert), the clinic profile
    # (footer), and the panels a clinic admin sees: licence expiries (2), failed messages (1), the desk's
    # day (appointments, closures, time off, outcomes, policy, therapists: 6), and the therapist lookup of
    # "your day" (1); the session is not saved again within a minute. The same for 1 alert or 20.
    with django_assert_num_queries(19):
        resp = client.get(reverse("staff-dashboard"))
    assert resp.content.decode().count('href="/staff/alerts/') == count
