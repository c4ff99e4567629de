"""Fixtures and builders for the staff review tests.

The fixtures reach every test through the root conftest's `pytest_plugins`; import the builders by name."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Appointment, Status
from bookings.tests.factories import AppointmentFactory
from bookings.tests.fixtures import LONDON
from clinic.models import ClinicPolicy, Therapist
from clinic.tests.factories import UserFactory
from intake.models import Intake, Outcome, ScreeningResult
from intake.screening import services as screening_services
from intake.screening.rules import current_rule_set

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48

ANSWERS = {
    "legal_name": "Sam Taylor",
    "preferred_name": "Sam",
    "date_of_birth": "1985-04-12",
    "phone": "+44 7700 900123",
    "doctor_name": "Dr Jones",
    "main_complaint": "Stiff lower back after long days at my desk.",
    "areas_to_avoid": "My left knee, please.",
    "other_conditions": "Mild asthma.",
}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=LONDON)


def upload(content: bytes, name: str = "letter.pdf", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def submitted_intake(patient, **answers) -> Intake:
    now = timezone.now()
    return Intake.objects.create(
        patient=patient,
        status=Intake.Status.SUBMITTED,
        answers={**ANSWERS, **answers},
        submitted_at=now,
        signed_at=now,
        signature_name="Sam Taylor",
    )


def flagged_booking(*, patient, service, therapist: Therapist, start: datetime, **answers) -> ScreeningResult:
    """A real booking screened by the real engine (herniated disc unless told otherwise)."""
    appointment = booking_services.appointment_book(
        patient=patient, service=service, therapist=therapist, start=start
    )
    intake = submitted_intake(patient, **(answers or {"herniated_disc": True}))
    result = screening_services.appointment_screen(appointment=appointment, intake=intake)
    appointment.refresh_from_db()
    assert appointment.status == Status.PENDING_REVIEW
    return result


def quick_case(
    *, therapist: Therapist, start: datetime, outcome: str = Outcome.REVIEW, patient=None, service=None
) -> ScreeningResult:
    """A pending-review case written straight to the tables: for tests that need many of them."""
    patient = patient or UserFactory()
    kwargs = {"service": service} if service is not None else {}
    appointment = AppointmentFactory(
        patient=patient, therapist=therapist, start=start, status=Status.PENDING_REVIEW, **kwargs
    )
    return ScreeningResult.objects.create(
        appointment=appointment,
        intake=submitted_intake(patient),
        rule_set=current_rule_set(),
        outcome=outcome,
        flags=[
            {
                "rule_key": "herniated_disc",
                "question_key": "herniated_disc",
                "answer": "yes",
                "severity": "relative",
                "message": "",
                "staff_action": "Therapist review before the session.",
                "contraindication_key": "herniated_disc",
                "techniques": ["COB"],
            }
        ],
        techniques_ruled_out=["COB"],
        screened_on=start.astimezone(LONDON).date(),
    )


def hours_before(appointment: Appointment, hours: float) -> datetime:
    return appointment.start - timedelta(hours=hours)


@pytest.fixture
def sam(patient):
    """Sam Taylor, the patient of the review cases (the same user as `patient`)."""
    return patient


@pytest.fixture
def case(sam, service, therapist, frozen_now) -> ScreeningResult:
    """Sam's herniated-disc booking with Priya on 3 June 10:00, waiting for review."""
    ClinicPolicy.get()
    return flagged_booking(patient=sam, service=service, therapist=therapist, start=at(3, 10))
