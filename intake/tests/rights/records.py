"""A patient with something in every table that can hold them, for the export and erasure tests, and a
scanner of every text column of every table.

Each distinctive value is unusual enough that finding it anywhere means it was left behind."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import models
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Appointment, Status
from bookings.tests.factories import AppointmentFactory
from clinic.audit.models import AccessEvent, AccessKind
from clinic.models import User
from clinic.outbox.models import OutboxMessage
from clinic.outbox.models import Status as OutboxStatus
from clinic.outbox.services import outbox_enqueue
from clinic.tests.factories import UserFactory
from intake.models import CheckIn, HomeCarePlan, Intake, PlanItem, ReviewDecision, StaffAlert
from intake.review.letters import clearance_letter_upload
from intake.screening import services as screening_services
from intake.tests.plan_fixtures import at
from intake.tests.review_fixtures import PDF, upload
from techniques.models import Technique


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    email: str
    phone: str
    born: str
    answers: dict
    cancel_reason: str
    idempotency_key: str
    # Every string that must be gone after erasure (and, for another patient, must stay).
    distinctive: tuple[str, ...] = field(default=())

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


ZEBEDEE = Person(
    first_name="Zebedee",
    last_name="Quarrington",
    email="zebedee.q@example.org",
    phone="+44 7700 900461",
    born="1979-11-23",
    answers={
        "legal_name": "Zebedee Quarrington",
        "preferred_name": "Zebbo Quillfeather",
        "date_of_birth": "1979-11-23",
        "phone": "+44 7700 900461",
        "emergency_contact_name": "Wilhelmina Wibblewood",
        "emergency_contact_phone": "+44 7700 900777",
        "doctor_name": "Dr Snodgrassington",
        "doctor_phone": "+44 20 7946 0999",
        "main_complaint": "Plovertwinge after rowing on the Thames",
        "medications": "Frobnitzol 5 mg daily",
        "allergies": "Quokkafur and peanuts",
        "implants": "Titanium snarkpin in the left wrist",
        "other_conditions": "Mild zarkitis",
        "areas_to_avoid": "Left flumpetbone please",
        "signature_name": "Zebedee Quarrington",
        "herniated_disc": True,
    },
    cancel_reason="Gribblestorm at work, sorry",
    idempotency_key="idem-zorpwhistle",
    distinctive=(
        "Zebedee",
        "Quarrington",
        "zebedee.q@example.org",
        "7700 900461",
        "7700900461",
        "1979-11-23",
        "23/11/1979",
        "Quillfeather",
        "Wibblewood",
        "900777",
        "Snodgrassington",
        "7946 0999",
        "Plovertwinge",
        "Frobnitzol",
        "Quokkafur",
        "snarkpin",
        "zarkitis",
        "flumpetbone",
        "Gribblestorm",
        "zorpwhistle",
    ),
)

OTTOLINE = Person(
    first_name="Ottoline",
    last_name="Marchbanks",
    email="ottoline.m@example.org",
    phone="+44 7700 900512",
    born="1968-02-14",
    answers={
        "legal_name": "Ottoline Marchbanks",
        "date_of_birth": "1968-02-14",
        "phone": "+44 7700 900512",
        "emergency_contact_name": "Barnaby Fettercairn",
        "main_complaint": "Glimmerache in the hip",
        "signature_name": "Ottoline Marchbanks",
        "herniated_disc": True,
    },
    cancel_reason="Bramblewick emergency",
    idempotency_key="idem-quistlewhip",
    distinctive=(
        "Ottoline",
        "Marchbanks",
        "ottoline.m@example.org",
        "7700 900512",
        "1968-02-14",
        "Fettercairn",
        "Glimmerache",
        "Bramblewick",
        "quistlewhip",
    ),
)


def make_patient(person: Person) -> User:
    patient = UserFactory(
        first_name=person.first_name, last_name=person.last_name, email=person.email, phone=person.phone
    )
    EmailAddress.objects.create(user=patient, email=person.email, verified=True, primary=True)
    # Patients may opt in to a second factor.
    Authenticator.objects.create(
        user=patient, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return patient


def submitted_form(patient, person: Person) -> Intake:
    now = timezone.now()
    return Intake.objects.create(
        patient=patient,
        status=Intake.Status.SUBMITTED,
        answers=dict(person.answers),
        submitted_at=now,
        signed_at=now,
        signature_name=person.full_name,
    )


def past(patient, therapist, service, days_ago: int, status: str, **kw) -> Appointment:
    start = timezone.now() - timedelta(days=days_ago)
    return AppointmentFactory(
        patient=patient, therapist=therapist, service=service, start=start, status=status, **kw
    )


def full_record(
    person: Person, *, patient=None, service, therapist, admin, day: int = 3, draft: bool = True
) -> dict:
    """`person` with an account, a session-less login trail, appointments in every status, a sent and a
    draft form, a check-in, screening results, a decision, a letter, a plan, alerts, emails to them and
    to staff about them, and the admin's history of their account. Needs the frozen clock (1 June 2026)."""
    patient = patient or make_patient(person)
    form = submitted_form(patient, person)
    # Upcoming: held, waiting for review (screened by the real engine), confirmed (a real email + .ics).
    held = booking_services.appointment_book(
        patient=patient, service=service, therapist=therapist, start=at(day, 9)
    )
    waiting = booking_services.appointment_book(
        patient=patient,
        service=service,
        therapist=therapist,
        start=at(day, 11),
        idempotency_key=person.idempotency_key,
    )
    result = screening_services.appointment_screen(appointment=waiting, intake=form)
    confirmed = booking_services.appointment_book(
        patient=patient, service=service, therapist=therapist, start=at(day, 14)
    )
    booking_services.appointment_confirm(appointment=confirmed, by=patient)
    CheckIn.objects.create(
        patient=patient, appointment=confirmed, intake=form, health_changed=False, unwell_today=False
    )
    # The past, in every other status (a later `day` puts a second batch on other days).
    ago = 30 + 10 * (day - 3)
    completed = past(patient, therapist, service, ago, Status.COMPLETED)
    past(patient, therapist, service, ago - 1, Status.NO_SHOW)
    past(
        patient,
        therapist,
        service,
        ago - 2,
        Status.CANCELLED,
        cancelled_by=patient,
        cancel_reason=person.cancel_reason,
    )
    past(patient, therapist, service, ago - 3, Status.DECLINED, cancel_reason="Declined after review.")
    refused = past(patient, therapist, service, ago - 4, Status.REFUSED, cancel_reason="Urgent warning sign.")
    past(patient, therapist, service, ago - 5, Status.EXPIRED)
    past(patient, therapist, service, ago - 6, Status.CONFIRMED)  # never marked: stays as it is
    if draft:
        Intake.objects.create(patient=patient, answers={"main_complaint": person.answers["main_complaint"]})
    ReviewDecision.objects.create(
        result=result,
        decision="cleared_with_restrictions",
        note=f"Phoned {person.full_name} on {person.phone}; born {person.born}. Fine without deep belly work.",
        restricted_techniques=["COB"],
        decided_by=admin,
    )
    clearance_letter_upload(
        appointment=waiting, file=upload(PDF, f"{person.last_name.lower()}-gp-letter.pdf"), by=patient
    )
    alert = StaffAlert.objects.create(
        appointment=refused,
        kind=StaffAlert.Kind.URGENT,
        message=f"Urgent screening for {person.full_name}: phone the patient today.",
        acknowledged_by=admin,
        acknowledged_at=timezone.now(),
        note=f"Phoned {person.first_name}, advised A&E.",
    )
    screening_services.email_staff_alert(alert.pk)
    AccessEvent.objects.create(  # the therapist read the case
        patient=patient,
        actor=therapist.user,
        actor_name=therapist.display_name,
        actor_role="Therapist",
        kind=AccessKind.CASE,
        object_type="intake.screeningresult",
        object_id=str(result.pk),
    )
    plan = HomeCarePlan.objects.create(
        patient=patient,
        therapist=therapist,
        appointment=completed,
        note=f"{person.first_name}: keep going with these.",
    )
    PlanItem.objects.create(
        plan=plan,
        technique=Technique.objects.order_by("pk").first(),
        frequency="every morning",
        note=f"Good for {person.first_name}.",
    )
    (pending,) = outbox_enqueue(
        kind="test.reminder",
        to=person.email,
        subject="A reminder",
        body_text=f"Hello {person.first_name}, see you soon.",
        due_at=timezone.now() + timedelta(days=1),
    )
    (sent,) = outbox_enqueue(
        kind="test.sent", to=person.email, subject="Welcome", body_text=f"Hello {person.full_name}"
    )
    OutboxMessage.objects.filter(pk=sent.pk).update(status=OutboxStatus.SENT, sent_at=timezone.now())
    user_type = ContentType.objects.get_for_model(User)
    LogEntry.objects.create(
        user=admin,
        content_type=user_type,
        object_id=str(patient.pk),
        object_repr=str(patient),
        action_flag=CHANGE,
        change_message=json.dumps([{"changed": {"fields": ["Phone"]}}]),
    )
    LogEntry.objects.create(
        user=admin,
        content_type=ContentType.objects.get_for_model(Intake),
        object_id=str(form.pk),
        object_repr=str(form),
        action_flag=CHANGE,
        change_message="[]",
    )
    return {"patient": patient, "held": held, "waiting": waiting, "confirmed": confirmed, "pending": pending}


TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.FileField)


def stored_text():
    """(table, column, text) for every text, email, slug, file and JSON column of every table, with the
    sessions and the outbox's attachments decoded (they are stored base64-encoded)."""
    for model in apps.get_models(include_auto_created=True):
        fields = [f for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]
        if not fields:
            continue
        for row in model._base_manager.values_list(*[f.attname for f in fields]):
            for f, value in zip(fields, row, strict=True):
                if value in (None, "", [], {}):
                    continue
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                yield model._meta.db_table, f.column, text
    for session in Session.objects.all():
        yield (
            "django_session",
            "session_data (decoded)",
            json.dumps(session.get_decoded(), ensure_ascii=False),
        )
    for message in OutboxMessage.objects.all():
        for attachment in message.attachments:
            content = base64.b64decode(attachment["content"]).decode("utf-8", "replace")
            yield "clinic_outboxmessage", "attachments (decoded)", content


def found(person: Person) -> list[tuple[str, str, str]]:
    """Where any of the person's distinctive values is stored: (table, column, value found)."""
    needles = [value.casefold() for value in person.distinctive]
    hits = []
    for table, column, text in stored_text():
        folded = text.casefold()
        hits += [(table, column, needle) for needle in needles if needle in folded]
    return hits
