"""Real threads racing to start the same patient's health form (a double click, two tabs)."""

import pytest

from clinic.tests.concurrency import race
from clinic.tests.factories import UserFactory
from intake.models import Intake
from intake.questionnaire import services

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_simultaneous_starts_share_one_draft_without_an_error():
    patient = UserFactory()
    outcome = race([lambda: services.intake_start(patient=patient) for _ in range(8)])
    assert outcome == {"ok": 8}, outcome
    assert Intake.objects.filter(patient=patient, status=Intake.Status.DRAFT).count() == 1
