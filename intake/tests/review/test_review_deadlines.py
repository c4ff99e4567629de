"""Review deadlines with a frozen clock: escalate once before the appointment, release at its start."""

from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from bookings import services as booking_services
from bookings.models import Status
from clinic.models import ClinicPolicy
from clinic.tests.factories import UserFactory, clinic_admin_user
from intake.models import Decision, StaffAlert
from intake.review.deadlines import NOT_REVIEWED_IN_TIME, review_deadlines_run
from intake.review.services import review_decide

from ..review_fixtures import at, hours_before

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def admin(db):
    return clinic_admin_user(email="boss@example.org")


def run_at(moment, django_capture_on_commit_callbacks):
    with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
        return review_deadlines_run()


def escalation_emails():
    return [m for m in mail.outbox if m.subject.startswith("Review overdue")]


def release_emails():
    return [m for m in mail.outbox if m.subject.startswith("Your appointment could not go ahead")]


def test_an_undecided_case_is_escalated_at_the_deadline(case, admin, django_capture_on_commit_callbacks):
    moment = hours_before(case.appointment, 24)
    assert run_at(moment, django_capture_on_commit_callbacks) == {"escalated": 1, "released": 0}
    case.refresh_from_db()
    assert case.escalated_at == moment
    assert (
        StaffAlert.objects.filter(appointment=case.appointment, message__startswith="Review overdue").count()
        == 1
    )
    (email,) = escalation_emails()
    assert email.to == ["boss@example.org"]
    assert "disc" not in email.body.lower()


def test_escalation_happens_once(case, admin, django_capture_on_commit_callbacks):
    run_at(hours_before(case.appointment, 24), django_capture_on_commit_callbacks)
    again = run_at(hours_before(case.appointment, 2), django_capture_on_commit_callbacks)
    assert again == {"escalated": 0, "released": 0}
    assert len(escalation_emails()) == 1
    assert StaffAlert.objects.count() == 1


def test_a_case_is_not_escalated_before_the_deadline(case, admin, django_capture_on_commit_callbacks):
    assert run_at(hours_before(case.appointment, 25), django_capture_on_commit_callbacks)["escalated"] == 0
    case.refresh_from_db()
    assert case.escalated_at is None


def test_the_deadline_follows_the_policy(case, admin, django_capture_on_commit_callbacks):
    policy = ClinicPolicy.get()
    policy.review_deadline_hours = 48
    policy.save()
    assert run_at(hours_before(case.appointment, 47), django_capture_on_commit_callbacks)["escalated"] == 1


def test_a_decided_case_is_neither_escalated_nor_released(case, admin, django_capture_on_commit_callbacks):
    review_decide(
        result=case, decision=Decision.CLEARED, note="Fine.", by=case.appointment.therapist.user,
        expected_last_decision_id=None,
    )  # fmt: skip
    assert run_at(hours_before(case.appointment, 24), django_capture_on_commit_callbacks)["escalated"] == 0
    assert run_at(case.appointment.start, django_capture_on_commit_callbacks)["released"] == 0
    case.appointment.refresh_from_db()
    assert case.appointment.status == Status.CONFIRMED


def test_an_undecided_case_is_released_at_the_start_and_the_patient_told(
    case, sam, service, therapist, django_capture_on_commit_callbacks
):
    assert run_at(case.appointment.start, django_capture_on_commit_callbacks)["released"] == 1
    case.appointment.refresh_from_db()
    assert case.appointment.status == Status.DECLINED
    assert case.appointment.cancel_reason == NOT_REVIEWED_IN_TIME
    (email,) = release_emails()
    assert email.to == [sam.email]
    assert StaffAlert.objects.filter(message__startswith="Released").count() == 1


def test_a_release_emails_the_patient_once_with_the_calendar_cancellation(
    case, sam, django_capture_on_commit_callbacks
):
    run_at(case.appointment.start, django_capture_on_commit_callbacks)
    (email,) = [m for m in mail.outbox if sam.email in m.to]
    assert "could not finish reviewing your health form" in email.body
    (calendar,) = [a for a in email.attachments if a[0].endswith(".ics")]
    assert "METHOD:CANCEL" in calendar.content


def test_a_release_frees_the_therapists_time(case, service, therapist):
    review_deadlines_run(now=case.appointment.start)
    with time_machine.travel(at(2, 8), tick=False):  # booked by someone else, the day before
        other = booking_services.appointment_book(
            patient=UserFactory(), service=service, therapist=therapist, start=at(3, 10)
        )
    assert other.status == Status.HELD


def test_a_case_waiting_for_a_clearance_letter_is_released_at_the_start(
    case, django_capture_on_commit_callbacks
):
    review_decide(
        result=case, decision=Decision.NEEDS_CLEARANCE, note="Ask the GP.",
        by=case.appointment.therapist.user, expected_last_decision_id=None,
    )  # fmt: skip
    assert run_at(case.appointment.start, django_capture_on_commit_callbacks)["released"] == 1
    case.appointment.refresh_from_db()
    assert case.appointment.status == Status.DECLINED


def test_running_twice_at_the_start_sends_nothing_twice(case, admin, django_capture_on_commit_callbacks):
    first = run_at(case.appointment.start, django_capture_on_commit_callbacks)
    second = run_at(case.appointment.start, django_capture_on_commit_callbacks)
    assert first == {"escalated": 0, "released": 1}
    assert second == {"escalated": 0, "released": 0}
    assert len(release_emails()) == 1


def test_the_patient_page_explains_a_release(client, case, sam):
    review_deadlines_run(now=case.appointment.start)
    client.force_login(sam)
    page = client.get(reverse("intake:review-status", args=[case.appointment.pk])).content.decode()
    assert "could not finish reviewing your health form" in page


def test_the_management_command_runs_the_deadlines(case, admin):
    out = StringIO()
    with time_machine.travel(hours_before(case.appointment, 24), tick=False):
        call_command("review_deadlines", stdout=out)
    assert "Escalated 1 case(s); released 0 appointment(s)." in out.getvalue()
