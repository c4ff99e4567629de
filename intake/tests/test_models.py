"""The database guards every status column of the clinical record: a value outside the choices is
refused, whatever code tried to write it."""

import pytest
from django.db import IntegrityError, transaction

from intake.models import Decision, Intake, ReviewDecision, ScreeningResult

from .review_fixtures import at, quick_case, submitted_intake

pytestmark = pytest.mark.django_db


def refuses(model, pk, **values):
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=pk).update(**values)


def test_the_database_refuses_an_unknown_intake_status(sam):
    intake = submitted_intake(sam)
    refuses(Intake, intake.pk, status="bogus")


def test_the_database_refuses_an_unknown_screening_outcome(therapist):
    result = quick_case(therapist=therapist, start=at(4, 10))
    refuses(ScreeningResult, result.pk, outcome="bogus")


def test_the_database_refuses_an_unknown_review_decision(therapist):
    result = quick_case(therapist=therapist, start=at(4, 10))
    made = ReviewDecision.objects.create(
        result=result, decision=Decision.NEEDS_CLEARANCE, note="Ask the GP.", decided_by=therapist.user
    )
    refuses(ReviewDecision, made.pk, decision="bogus")
