"""Query counts pinned for the review case page and the review decision: the same for one flag,
decision, earlier case, intake and letter as for many. The decision is counted with its on-commit
work (the patient's email) run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from bookings.tests.factories import bookable_therapist
from clinic.models import ClinicPolicy
from clinic.tests.factories import clinic_admin_user
from intake.models import ClearanceLetter, Decision, ReviewDecision
from intake.review.services import review_decide

from ..review_fixtures import PDF, at, flagged_booking, quick_case, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

# The therapist's view also checks that the case is one of their own patients'. Recording the read: the
# reader's name and roles, the access event. The permissions are one query; the session is not saved
# again within a minute of its last save.
CASE_PAGE_QUERIES = {"therapist": 22, "admin": 20}  # with the clinic profile for the footer
# With the one decision email (and its calendar file): its outbox row, sent at once by the test task
# backend; a clearance also queues the visit's reminder and check-in request (due later); and the change
# trail: each tracked change reads its row first and writes an entry. The reviewer's permissions: one query.
DECIDE_QUERIES = 54

# Relative flags only, so that however many there are the case waits for the therapist's review.
RELATIVE_ANSWERS = ["herniated_disc", "knee", "kidney", "skin", "reduced_sensation", "anticoagulants"]


def busy_case(*, patient, service, therapist, count: int):
    """Sam's flagged booking with `count` flags, decisions asking for clearance, letters, and earlier
    flagged bookings (each with its own intake, therapist and a decision)."""
    ClinicPolicy.get()
    case = flagged_booking(
        patient=patient,
        service=service,
        therapist=therapist,
        start=at(3, 10),
        **dict.fromkeys(RELATIVE_ANSWERS[:count], True),
    )
    newest = None
    for _ in range(count):
        newest = ReviewDecision.objects.create(
            result=case,
            decision=Decision.NEEDS_CLEARANCE,
            note="Please ask your doctor for a letter.",
            decided_by=therapist.user,
            supersedes=newest,
        )
        ClearanceLetter.objects.create(
            appointment=case.appointment,
            file=upload(PDF),
            content_type="application/pdf",
            original_name="letter.pdf",
            size=len(PDF),
            uploaded_by=patient,
        )
    for i in range(count):
        earlier = quick_case(
            patient=patient,
            service=service,
            therapist=bookable_therapist(service),
            start=at(4, 9) + timedelta(days=i),
        )
        ReviewDecision.objects.create(
            result=earlier,
            decision=Decision.NEEDS_CLEARANCE,
            note="Letter, please.",
            decided_by=therapist.user,
        )
    return case, newest


@pytest.mark.parametrize("count", [1, 6])
@pytest.mark.parametrize("viewer", ["therapist", "admin"])
def test_case_page_query_count_does_not_grow(
    client, django_assert_num_queries, sam, service, therapist, viewer, count
):
    case, _ = busy_case(patient=sam, service=service, therapist=therapist, count=count)
    client.force_login(therapist.user if viewer == "therapist" else clinic_admin_user())
    url = reverse("intake:review-case", args=[case.pk])
    client.get(url)
    with django_assert_num_queries(CASE_PAGE_QUERIES[viewer]):
        resp = client.get(url)
    assert resp.status_code == 200
    assert {flag["rule_key"] for flag in resp.context["flags"]} >= set(RELATIVE_ANSWERS[:count])
    assert len(resp.context["decisions"]) == count
    assert len(resp.context["history"]) == count + 1  # this case too
    assert len(resp.context["letters"]) == count


@pytest.mark.parametrize("count", [1, 6])
def test_review_decision_query_count_does_not_grow(
    django_assert_num_queries, django_capture_on_commit_callbacks, sam, service, therapist, count
):
    case, newest = busy_case(patient=sam, service=service, therapist=therapist, count=count)
    ruled_out = sorted(case.techniques_ruled_out)
    with django_assert_num_queries(DECIDE_QUERIES), django_capture_on_commit_callbacks(execute=True):
        review_decide(
            result=case,
            decision=Decision.CLEARED_WITH_RESTRICTIONS,
            note="Fine with care.",
            restricted_techniques=ruled_out,
            by=therapist.user,
            expected_last_decision_id=newest.pk,
        )
    case.appointment.refresh_from_db()
    assert case.appointment.status == "confirmed"
