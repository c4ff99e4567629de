"""The check-in request, with a frozen clock: 48 hours (policy) before a visit, a patient whose health
form is valid is emailed a link to the short check-in; it moves with the visit, is skipped when the
visit is cancelled or no longer wants it, and the link opens the check-in for a confirmed visit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from bookings import services as booking_services
from bookings.models import Appointment, Status
from bookings.tests.fixtures import LONDON
from clinic.models import ClinicPolicy
from clinic.outbox.models import OutboxMessage
from clinic.outbox.models import Status as MessageStatus
from clinic.tests.factories import front_desk_user
from intake.models import Intake
from intake.questionnaire.check_in_requests import CHECK_IN_REQUEST
from intake.screening.services import appointment_screen

from ..review_fixtures import at, submitted_intake
from .steps import clear_steps

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def intake(sam):
    return submitted_intake(sam)


@pytest.fixture
def visit(sam, intake, service, therapist, deferred_tasks):
    """Sam's confirmed visit on Thursday 4 June 10:00, booked on Monday 1 June with a valid form."""
    with deferred_tasks.committed():
        held = booking_services.appointment_book(
            patient=sam, service=service, therapist=therapist, start=at(4, 10)
        )
        appointment_screen(appointment=held, intake=intake)
    held.refresh_from_db()
    assert held.status == Status.CONFIRMED
    return held


def requests_for(appointment=None):
    rows = OutboxMessage.objects.filter(kind=CHECK_IN_REQUEST).order_by("due_at", "pk")
    return list(rows.filter(appointment=appointment) if appointment else rows)


def request_emails():
    ids = {str(row.pk) for row in requests_for()}
    return [m for m in mail.outbox if m.extra_headers["X-Clinic-Outbox-Id"] in ids]


def test_a_confirmed_visit_queues_a_check_in_request_48_hours_before(visit, sam):
    (request,) = requests_for(visit)
    assert request.status == MessageStatus.PENDING
    assert request.due_at == at(2, 10)
    assert request.recipient == sam.email


def test_the_request_goes_out_at_its_time_with_the_check_in_link(visit, settings, deferred_tasks):
    deferred_tasks.run_due(at=at(2, 9, 59))
    assert request_emails() == []
    deferred_tasks.run_due(at=at(2, 10))
    (email,) = request_emails()
    assert email.subject.startswith("Two questions before your visit on Thursday 4 June")
    assert f"{settings.SITE_URL}/intake/appointment/{visit.pk}/check-in/" in email.body
    assert "Thursday 4 June 2026 at 10:00 (Europe/London time)" in email.body
    assert "Europe/London time" in email.alternatives[0][0]
    assert "asthma" not in email.body.lower()  # the form's answers never travel by email


def test_a_reschedule_replaces_the_pending_request_and_a_cancel_skips_it(visit, sam, deferred_tasks):
    with deferred_tasks.committed():
        booking_services.appointment_reschedule(appointment=visit, start=at(5, 14), by=front_desk_user())
    assert [(r.due_at, r.status) for r in requests_for(visit)] == [
        (at(2, 10), MessageStatus.SKIPPED),
        (at(3, 14), MessageStatus.PENDING),
    ]
    with deferred_tasks.committed():
        booking_services.appointment_cancel(appointment=visit, by=sam)
    assert {r.status for r in requests_for(visit)} == {MessageStatus.SKIPPED}
    deferred_tasks.run_due(at=at(5, 14))
    assert request_emails() == []


def test_a_request_due_for_a_visit_moved_behind_the_services_back_is_skipped(visit, deferred_tasks):
    Appointment.objects.filter(pk=visit.pk).update(start=at(6, 10), end=at(6, 11), blocks_until=at(6, 11, 15))
    deferred_tasks.run_due(at=at(2, 10))
    (request,) = requests_for(visit)
    assert request.status == MessageStatus.SKIPPED
    assert request.last_error == "The appointment moved since this was queued."
    assert request_emails() == []


def test_a_request_due_when_the_form_has_lapsed_is_skipped(visit, intake, deferred_tasks):
    Intake.objects.filter(pk=intake.pk).update(submitted_at=at(1, 8) - timedelta(days=400))
    deferred_tasks.run_due(at=at(2, 10))
    (request,) = requests_for(visit)
    assert request.status == MessageStatus.SKIPPED
    assert "no longer valid" in request.last_error


def test_no_request_when_the_form_will_have_lapsed_by_then(sam, service, therapist, deferred_tasks):
    # Sent 364 days before the request would go out: valid when booking, lapsed by the request's day.
    form = submitted_intake(sam)
    Intake.objects.filter(pk=form.pk).update(submitted_at=at(2, 10) - timedelta(days=366))
    form.refresh_from_db()
    with deferred_tasks.committed():
        held = booking_services.appointment_book(
            patient=sam, service=service, therapist=therapist, start=at(4, 10)
        )
        booking_services.appointment_confirm(appointment=held)
    assert requests_for() == []


def test_a_front_desk_booking_for_a_patient_with_a_valid_form_gets_a_request(
    sam, intake, service, therapist, deferred_tasks
):
    with deferred_tasks.committed():
        booked = booking_services.appointment_book_for_review(
            patient=sam, service=service, therapist=therapist, start=at(4, 10), by=front_desk_user()
        )
    (request,) = requests_for(booked)
    assert request.due_at == at(2, 10)
    # The patient answers a flag before it goes out: the case now waits for review, not for a check-in.
    with deferred_tasks.committed():
        appointment_screen(appointment=booked, intake=submitted_intake(sam, herniated_disc=True))
    deferred_tasks.run_due(at=at(2, 10))
    (request,) = requests_for(booked)
    assert request.status == MessageStatus.SKIPPED
    assert request.last_error == "The appointment is waiting for a therapist's review."


def test_check_in_hours_zero_sends_no_requests(sam, intake, service, therapist, deferred_tasks):
    policy = ClinicPolicy.get()
    policy.check_in_hours = 0
    policy.save()
    with deferred_tasks.committed():
        held = booking_services.appointment_book(
            patient=sam, service=service, therapist=therapist, start=at(4, 10)
        )
        appointment_screen(appointment=held, intake=intake)
    assert requests_for() == []


def test_the_request_follows_the_wall_clock_across_the_autumn_clock_change(sam, intake, service, therapist):
    visit = Appointment.objects.create(
        patient=sam, therapist=therapist, service=service, status=Status.HELD,
        start=datetime(2026, 10, 26, 10, tzinfo=LONDON), end=datetime(2026, 10, 26, 11, tzinfo=LONDON),
        blocks_until=datetime(2026, 10, 26, 11, 15, tzinfo=LONDON),
    )  # fmt: skip
    with time_machine.travel(datetime(2026, 10, 1, 9, tzinfo=UTC), tick=False):
        Intake.objects.filter(pk=intake.pk).update(submitted_at=datetime(2026, 9, 1, tzinfo=UTC))
        booking_services.appointment_confirm(appointment=visit)
    (request,) = requests_for(visit)
    assert request.due_at == datetime(2026, 10, 24, 9, tzinfo=UTC)  # Saturday 10:00 BST, the visit 10:00 GMT


def test_the_link_opens_the_check_in_for_a_confirmed_visit_only_inside_the_window(client, visit, sam):
    url = reverse("intake:check-in", args=[visit.pk])
    with time_machine.travel(at(2, 9), tick=False):
        client.force_login(sam)
        assert client.get(url)["Location"] == reverse("intake:outcome", args=[visit.pk])
    with time_machine.travel(at(2, 10), tick=False):
        client.force_login(sam)
        assert client.get(url).status_code == 200
        assert client.get(reverse("intake:appointment-start", args=[visit.pk]))["Location"] == url


def test_nothing_changed_at_the_check_in_keeps_the_visit_confirmed(client, visit, sam):
    with time_machine.travel(at(2, 12), tick=False):
        client.force_login(sam)
        response = client.post(
            reverse("intake:check-in", args=[visit.pk]), {"health_changed": "no", "unwell_today": "no"}
        )
    assert response["Location"] == reverse("bookings:appointment-detail", args=[visit.pk])
    visit.refresh_from_db()
    assert visit.status == Status.CONFIRMED
    assert visit.check_in.health_changed is False


def test_expecting_to_be_unwell_sends_the_visit_back_for_review(client, visit, sam):
    with time_machine.travel(at(2, 12), tick=False):
        client.force_login(sam)
        response = client.post(
            reverse("intake:check-in", args=[visit.pk]), {"health_changed": "no", "unwell_today": "yes"}
        )
    assert response["Location"] == reverse("intake:outcome", args=[visit.pk])
    visit.refresh_from_db()
    assert visit.status == Status.PENDING_REVIEW


def test_a_change_at_the_check_in_reopens_the_form_and_screens_the_visit_again(client, visit, sam):
    with time_machine.travel(at(2, 12), tick=False):
        client.force_login(sam)
        response = client.post(
            reverse("intake:check-in", args=[visit.pk]), {"health_changed": "yes", "unwell_today": "no"}
        )
        assert response["Location"] == f"/intake/step/0/?appointment={visit.pk}"
        for index, data in enumerate(clear_steps(herniated_disc="yes")):
            step = client.post(
                f"/intake/step/{index}/?appointment={visit.pk}", {**data, "appointment": visit.pk}
            )
            assert step.status_code == 302, (index, step.content.decode()[:2000])
        sent = client.post(f"/intake/check/?appointment={visit.pk}", {"appointment": visit.pk})
    assert sent["Location"] == reverse("intake:outcome", args=[visit.pk])
    visit.refresh_from_db()
    assert visit.status == Status.PENDING_REVIEW  # the new flag goes to a therapist before the visit
