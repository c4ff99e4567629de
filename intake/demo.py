"""Demo patients whose health forms show each screening outcome: clear, relative, absolute, urgent."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from bookings import selectors as booking_selectors
from bookings import services as booking_services
from bookings.models import Appointment, Service
from bookings.reminders import reminder_due
from clinic.demo import ensure_user
from clinic.models import ClinicPolicy, Therapist

from .models import Intake
from .questionnaire import questions as q
from .questionnaire import services
from .screening.services import appointment_screen

DEMO_PATIENTS = [
    # email, first, last, answers that differ from a healthy adult, what the demo shows
    ("clear.patient@clinic.example", "Chris", "Clear", {}, "clear: confirmed"),
    (
        "relative.patient@clinic.example",
        "Rita",
        "Review",
        {"herniated_disc": True},
        "relative: therapist review",
    ),
    (
        "absolute.patient@clinic.example",
        "Abe",
        "Clearance",
        {"aneurysm": True},
        "absolute: medical clearance",
    ),
    ("urgent.patient@clinic.example", "Uma", "Urgent", {"saddle_numbness": True}, "urgent: refused"),
]


def healthy_answers(first: str, last: str) -> dict:
    answers: dict = {question.key: False for question in q.HEALTH_QUESTIONS if not question.parent}
    answers.update({question.key: None for question in q.HEALTH_QUESTIONS if question.parent})
    answers.update(
        {
            "legal_name": f"{first} {last}",
            "preferred_name": first,
            "date_of_birth": "1980-03-15",
            "phone": "+44 7700 900001",
            "emergency_contact_name": "A. Friend",
            "emergency_contact_phone": "+44 7700 900002",
            "doctor_name": "",
            "doctor_phone": "",
            "guardian_name": "",
            "main_complaint": "Tight hips and an aching lower back after long days sitting.",
            "pain_onset_date": "2026-01-10",
            "onset_kind": "gradual",
            "pain_now": 3,
            "pain_worst": 6,
            "pain_best": 1,
            "pain_regions": ["lower_back", "hip"],
            "pain_side": "both",
            "medications": "none",
            "allergies": "none",
            "implants": "none",
            "other_conditions": "",
            "pressure": "medium",
            "consent_abdominal": True,
            "areas_to_avoid": "",
            "accuracy": True,
            "informed_consent": True,
            "privacy": True,
            "signature_name": f"{first} {last}",
            "guardian_signature": "",
        }
    )
    return answers


def seed(out) -> None:
    service = Service.objects.filter(slug="psoas-release-60").first()
    if service is None:
        return
    first_day = timezone.localdate() + timedelta(days=3)
    slots = booking_selectors.free_slots(service=service, therapist=None, first_day=first_day, days=14)
    for email, first, last, changes, shows in DEMO_PATIENTS:
        patient, created = ensure_user(email, first, last)
        if Intake.objects.filter(patient=patient).exists():
            out(f"exists   Patient        {email} ({shows})")
            continue
        intake = Intake.objects.create(
            patient=patient, answers={**healthy_answers(first, last), **changes}, step=7
        )
        intake = services.intake_submit(intake=intake, user=patient)
        for slot in slots:
            try:
                appointment = booking_services.appointment_book(
                    patient=patient,
                    service=service,
                    therapist=_therapist(slot.therapist_id),
                    start=slot.start,
                )
            except booking_services.BookingError:
                continue
            appointment_screen(appointment=appointment, intake=intake)
            slots = [
                s for s in slots if s.start >= appointment.blocks_until or s.therapist_id != slot.therapist_id
            ]
            break
        out(f"created  Patient        {email} ({shows})")
    _seed_follow_up(service, out)


FOLLOW_UP_PATIENT = "clear.patient@clinic.example"


def _seed_follow_up(service: Service, out) -> None:
    """A second visit for the patient with a clear form, at the first free time a little over the
    reminder's lead time away: with `honcho -f Procfile.dev start` running, its reminder email shows
    up in the worker's output within minutes of seeding (sooner on a weekday)."""
    patient = get_user_model().objects.filter(email=FOLLOW_UP_PATIENT).first()
    intake = services.valid_intake_for(patient) if patient else None
    if intake is None or Appointment.objects.filter(patient=patient).count() > 1:
        return
    soonest = timezone.now() + timedelta(hours=ClinicPolicy.get().reminder_hours, minutes=2)
    first_day = soonest.astimezone(booking_selectors.clinic_zone()).date()
    for slot in booking_selectors.free_slots(service=service, therapist=None, first_day=first_day, days=14):
        if slot.start < soonest:
            continue
        try:
            appointment = booking_services.appointment_book(
                patient=patient, service=service, therapist=_therapist(slot.therapist_id), start=slot.start
            )
        except booking_services.BookingError:
            continue
        services.check_in_submit(
            appointment=appointment, intake=intake, health_changed=False, unwell_today=False
        )
        due = reminder_due(appointment)
        when = f"its reminder is emailed {due:%a %d %b %H:%M}" if due else "no reminder (policy)"
        out(f"created  Follow-up      {FOLLOW_UP_PATIENT} ({when})")
        return


def _therapist(pk: int):
    return Therapist.objects.get(pk=pk)
