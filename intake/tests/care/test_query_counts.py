"""The home-care plan write: its query count is the same for one technique as for many (each ruled
out and overridden), with its on-commit work (the patient's email) run."""

from __future__ import annotations

import pytest

from bookings.models import Status
from intake.care.services import PlanItemData, plan_assign, plan_techniques
from intake.models import Outcome

from ..plan_fixtures import at, book, decide, screen

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

# With the plan email: the clinic profile (body and subject), its outbox row, sent at once by the test
# task backend; and the change trail: the plan's entry and one insert of its items' entries, however many.
PLAN_ASSIGN_QUERIES = 24


@pytest.mark.parametrize("count", [1, 5])
def test_plan_assign_query_count_does_not_grow(
    django_assert_num_queries, django_capture_on_commit_callbacks, service, therapist, patient, count
):
    techniques = list(plan_techniques().order_by("code")[:count])
    assert len(techniques) == count
    codes = [technique.code for technique in techniques]
    appointment = book(therapist, patient, at(1, 7), service=service, status=Status.COMPLETED)
    result = screen(appointment, outcome=Outcome.REVIEW, ruled_out={"knee": codes})
    for _ in range(count):
        decide(result, by=therapist.user, restricted=codes)
    items = [
        PlanItemData(technique=technique, frequency="daily", override_reason="Gently, as shown.")
        for technique in techniques
    ]
    with django_assert_num_queries(PLAN_ASSIGN_QUERIES), django_capture_on_commit_callbacks(execute=True):
        plan = plan_assign(appointment=appointment, by=therapist.user, note="", items=items)
    assert plan.items.count() == count
