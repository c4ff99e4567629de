"""Fixtures and helpers for the therapist's day and home-care plans.

The fixtures reach every test through the root conftest's `pytest_plugins`, with the bookings ones
(`frozen_now`, Monday 1 June 2026, 08:00 in London; `service`, `therapist`, `other_therapist`);
import the helpers by name.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from bookings.models import Appointment, Status
from bookings.tests.factories import AppointmentFactory
from bookings.tests.fixtures import LONDON
from clinic.tests.factories import UserFactory
from intake.models import Decision, Intake, Outcome, ReviewDecision, ScreeningResult
from intake.screening.rules import current_rule_set


def at(day: int, hour: int, minute: int = 0, month: int = 6) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def patient(db):
    return UserFactory(first_name="Sam", last_name="Taylor", email="sam@example.org")


@pytest.fixture
def other_patient(db):
    return UserFactory(first_name="Robin", last_name="Okafor", email="robin@example.org")


def book(therapist, patient, start: datetime, *, service, status: str = Status.CONFIRMED) -> Appointment:
    """An appointment written directly, in any status, without the booking rules."""
    return AppointmentFactory(
        therapist=therapist, patient=patient, service=service, start=start, status=status
    )


def screen(
    appointment: Appointment,
    *,
    outcome: str = Outcome.CLEAR,
    ruled_out: dict[str, list[str]] | None = None,
) -> ScreeningResult:
    """A stored screening result; `ruled_out` maps a contraindication key to the technique codes it
    rules out, as the engine's flags do."""
    ruled_out = ruled_out or {}
    intake = Intake.objects.filter(patient=appointment.patient, status=Intake.Status.SUBMITTED).first()
    if intake is None:
        intake = Intake.objects.create(
            patient=appointment.patient,
            status=Intake.Status.SUBMITTED,
            signature_name=str(appointment.patient),
            signed_at=timezone.now(),
            submitted_at=timezone.now(),
        )
    flags = [
        {
            "rule_key": key,
            "question_key": key,
            "answer": "yes",
            "severity": "relative",
            "message": "",
            "staff_action": "Review before the session.",
            "contraindication_key": key,
            "techniques": sorted(codes),
        }
        for key, codes in ruled_out.items()
    ]
    return ScreeningResult.objects.create(
        appointment=appointment,
        intake=intake,
        rule_set=current_rule_set(),
        outcome=outcome,
        flags=flags,
        techniques_ruled_out=sorted({code for codes in ruled_out.values() for code in codes}),
        screened_on=appointment.start.astimezone(LONDON).date(),
    )


def decide(result: ScreeningResult, *, by, restricted: list[str], note: str = "Checked.") -> ReviewDecision:
    """A review decision written directly (the review service is tested on its own)."""
    return ReviewDecision.objects.create(
        result=result,
        decision=Decision.CLEARED_WITH_RESTRICTIONS if restricted else Decision.CLEARED,
        note=note,
        restricted_techniques=restricted,
        decided_by=by,
        supersedes=result.decisions.first(),
    )
