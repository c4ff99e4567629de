"""Issue 12, the review and care emails: the decision to the patient (one email, with the calendar entry
when it confirms or cancels), a letter to the therapist, an overdue case to clinic admins, a release to
the patient, a home-care plan to the patient. Each is written in the transaction of the change (rolled
back: nothing), text and HTML, times in the clinic's zone with the zone named, links absolute from
SITE_URL, and no health detail."""

from __future__ import annotations

import base64

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from bookings.models import Status
from clinic.outbox.models import OutboxMessage
from clinic.tests.emails import SITE_URL, assert_clean_email, email_setup, only
from clinic.tests.factories import clinic_admin_user
from intake.care.services import PlanItemData, plan_assign
from intake.models import Decision, Outcome
from intake.review.deadlines import review_deadlines_run
from intake.review.services import review_decide
from intake.tests.email_details import PATIENT, health_details
from intake.tests.plan_fixtures import book, screen
from intake.tests.review_fixtures import PDF, at, hours_before, upload
from techniques.models import Technique

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

NOTE = "Old disc injury at L4; imaging first."


class RolledBack(Exception):
    pass


@pytest.fixture(autouse=True)
def _emails(settings):
    email_setup(settings)


def decide(case, decision: str, *, expected=None):
    return review_decide(
        result=case,
        decision=decision,
        note=NOTE,
        restricted_techniques=["PIG"] if decision == Decision.CLEARED_WITH_RESTRICTIONS else [],
        by=case.appointment.therapist.user,
        expected_last_decision_id=expected,
    )


def calendar(message: OutboxMessage) -> str:
    (attachment,) = message.attachments
    return base64.b64decode(attachment["content"]).decode()


# --- the decision ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decision", "method", "status"),
    [
        (Decision.CLEARED, "REQUEST", Status.CONFIRMED),
        (Decision.CLEARED_WITH_RESTRICTIONS, "REQUEST", Status.CONFIRMED),
        (Decision.NEEDS_CLEARANCE, None, Status.PENDING_REVIEW),
        (Decision.DECLINED, "CANCEL", Status.DECLINED),
    ],
)
def test_the_patient_gets_one_email_per_decision_with_no_health_detail(case, sam, decision, method, status):
    OutboxMessage.objects.all().delete()  # the waiting-for-review emails of the booking itself
    with pytest.raises(RolledBack), transaction.atomic():
        decide(case, decision)
        raise RolledBack
    assert not OutboxMessage.objects.exists()

    decide(case, decision)
    case.appointment.refresh_from_db()
    assert case.appointment.status == status
    # One email now for the event, not a decision and a confirmation (a confirmed visit's reminder and
    # check-in request are due later).
    (message,) = OutboxMessage.objects.filter(due_at__lte=timezone.now())
    assert (message.kind, message.recipient) == ("review.decision", sam.email)
    restricted = Technique.objects.get(code="PIG").name  # techniques to avoid say something of health
    assert_clean_email(message, forbidden=[*health_details(case), restricted])
    assert NOTE in health_details(case)  # the note is checked for above
    status_link = f"{SITE_URL}{reverse('intake:review-status', args=[case.appointment.pk])}"
    assert status_link in message.body_text
    if method is None:
        assert message.attachments == []
    else:
        assert f"METHOD:{method}" in calendar(message)


# --- a letter, an overdue case, a release ---------------------------------------------------------


def test_the_therapist_is_told_a_letter_arrived_with_the_case_link_and_no_patient(
    client, case, sam, therapist
):
    decide(case, Decision.NEEDS_CLEARANCE)
    client.force_login(sam)
    resp = client.post(
        reverse("intake:review-clearance-upload", args=[case.appointment.pk]), {"letter": upload(PDF)}
    )
    assert resp.status_code == 302
    message = only("review.letter")
    assert message.recipient == therapist.user.email
    assert_clean_email(message, forbidden=[*health_details(case), *PATIENT, "letter.pdf"])
    assert f"{SITE_URL}{reverse('intake:review-case', args=[case.pk])}" in message.body_text


def test_an_overdue_case_is_sent_to_clinic_admins_with_the_case_link(case, therapist):
    admin = clinic_admin_user(email="boss@example.org")
    with time_machine.travel(hours_before(case.appointment, 23), tick=False):
        review_deadlines_run()
    message = only("review.overdue")
    assert message.recipient == admin.email
    assert_clean_email(message, forbidden=[*health_details(case), *PATIENT])
    case_link = f"{SITE_URL}{reverse('intake:review-case', args=[case.pk])}"
    assert case_link in message.body_text and f'href="{case_link}"' in message.body_html


def test_a_release_tells_the_patient_with_the_calendar_cancellation_and_the_phone(case, sam):
    with time_machine.travel(case.appointment.start, tick=False):
        review_deadlines_run()
    message = only("review.released")
    assert message.recipient == sam.email
    assert_clean_email(message, forbidden=health_details(case))
    assert "phone us on 020 7946 0321" in message.body_text
    assert "METHOD:CANCEL" in calendar(message)


# --- the home-care plan ---------------------------------------------------------------------------


def test_the_plan_email_links_to_the_plans_and_names_no_technique(patient, service, therapist):
    session = book(therapist, patient, at(1, 7), service=service, status=Status.COMPLETED)
    screen(session, outcome=Outcome.REVIEW, ruled_out={"pregnancy": ["BALL", "HEAT", "MAN"]})
    technique = Technique.objects.get(code="SUP")
    assign = lambda: plan_assign(  # noqa: E731
        appointment=session,
        by=therapist.user,
        note="Little and often.",
        items=[PlanItemData(technique=technique, frequency="daily")],
    )
    with pytest.raises(RolledBack), transaction.atomic():
        assign()
        raise RolledBack
    assert not OutboxMessage.objects.exists()

    assign()
    message = only("care.plan")
    assert message.recipient == patient.email
    # A plan says a date, not a time: no zone to name.
    assert_clean_email(
        message,
        forbidden=[technique.name, "pregnan", "Little and often", *health_details(session.screening)],
        zone=False,
    )
    assert "after your session on Monday 1 June" in message.body_text
    assert f"{SITE_URL}{reverse('intake:my-plans')}" in message.body_text
