"""Closing an account leaves nothing that names the patient in any column of any table, keeps the
clinical record for the retention period, and touches nobody else's data."""

from __future__ import annotations

from dataclasses import replace

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core import mail

from bookings.models import Appointment, Status
from clinic.inputs import FreeTextField
from clinic.outbox.models import OutboxMessage
from clinic.outbox.models import Status as OutboxStatus
from clinic.rights import registry
from clinic.rights.models import ErasureRecord
from clinic.rights.services import ErasureError, patient_erase
from clinic.tests.factories import PASSWORD, clinic_admin_user, front_desk_user
from intake.models import (
    CheckIn,
    ClearanceLetter,
    HomeCarePlan,
    Intake,
    PlanItem,
    ReviewDecision,
    ScreeningResult,
    StaffAlert,
)
from intake.questionnaire.forms import STEPS
from intake.questionnaire.questions import KEPT_WHEN_ACCOUNT_CLOSED

from .records import OTTOLINE, ZEBEDEE, found, full_record, make_patient

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def admin():
    return clinic_admin_user(first_name="Alex", last_name="Morgan")


@pytest.fixture
def zebedee(service, therapist, admin, client):
    record = full_record(ZEBEDEE, service=service, therapist=therapist, admin=admin)
    client.force_login(record["patient"])  # a live session, to be ended
    return record


@pytest.fixture
def ottoline(service, other_therapist, admin):
    return full_record(OTTOLINE, service=service, therapist=other_therapist, admin=admin, day=4)


def erase(patient, by=None, *, capture):
    with capture(execute=True):
        return patient_erase(patient=patient, by=by or patient)


def test_before_erasure_the_scan_finds_the_patient_everywhere_they_are(zebedee):
    tables = {table for table, _, _ in found(ZEBEDEE)}
    assert {
        "clinic_user",
        "account_emailaddress",
        "intake_intake",
        "intake_reviewdecision",
        "intake_staffalert",
        "intake_homecareplan",
        "intake_planitem",
        "intake_clearanceletter",
        "bookings_appointment",
        "clinic_outboxmessage",
        "django_admin_log",
    } <= tables


def test_erasure_leaves_no_name_email_phone_birthday_or_free_text_in_any_table(
    zebedee, ottoline, django_capture_on_commit_callbacks
):
    erase(zebedee["patient"], capture=django_capture_on_commit_callbacks)
    assert found(ZEBEDEE) == []
    # The scan reaches the tables that held Zebedee: Ottoline, who closed nothing, is still in them.
    assert {
        "clinic_user",
        "account_emailaddress",
        "intake_intake",
        "intake_reviewdecision",
        "intake_staffalert",
        "clinic_outboxmessage",
        "django_admin_log",
        "bookings_appointment",
    } <= {table for table, _, _ in found(OTTOLINE)}


def test_erasure_keeps_the_clinical_record_without_the_person(zebedee, django_capture_on_commit_callbacks):
    patient = zebedee["patient"]
    counts = {
        model: model.objects.count()
        for model in (
            Appointment,
            ScreeningResult,
            ReviewDecision,
            CheckIn,
            HomeCarePlan,
            PlanItem,
            StaffAlert,
        )
    }
    record = erase(patient, capture=django_capture_on_commit_callbacks)
    assert {model: model.objects.count() for model in counts} == counts
    patient.refresh_from_db()
    assert patient.is_erased and not patient.is_active and not patient.has_usable_password()
    assert (patient.first_name, patient.last_name, patient.phone) == ("", "", "")
    assert str(patient) == f"Closed account {patient.pk}"
    assert not Authenticator.objects.filter(user=patient).exists()
    assert not EmailAddress.objects.filter(user=patient).exists()
    sent = Intake.objects.get(patient=patient)  # the draft went; the sent form stays
    assert sent.status == Intake.Status.SUBMITTED
    assert sent.answers == {"herniated_disc": True}
    assert ScreeningResult.objects.get(appointment=zebedee["waiting"]).outcome == "review"
    assert ClearanceLetter.objects.count() == 0
    assert record.purge_after.year == 2034  # 8 years after the last contact (the sent form, 1 June 2026)


def test_erasure_cancels_only_upcoming_appointments_and_tells_the_clinic(
    zebedee, therapist, django_capture_on_commit_callbacks
):
    patient = zebedee["patient"]
    before = dict(Appointment.objects.filter(patient=patient).values_list("pk", "status"))
    mail.outbox.clear()
    record = erase(patient, capture=django_capture_on_commit_callbacks)
    after = dict(Appointment.objects.filter(patient=patient).values_list("pk", "status"))
    upcoming = {zebedee["held"].pk, zebedee["waiting"].pk, zebedee["confirmed"].pk}
    assert {pk: after[pk] for pk in upcoming} == dict.fromkeys(upcoming, Status.CANCELLED)
    assert {pk: s for pk, s in after.items() if pk not in upcoming} == {
        pk: s for pk, s in before.items() if pk not in upcoming
    }
    assert set(before.values()) == set(Status.values)
    assert record.cancelled_appointments == 3
    notices = [m for m in mail.outbox if "closed their account" in m.subject]
    assert len(notices) == 3
    assert all(therapist.user.email in m.to for m in notices)
    assert all("Zebedee" not in m.body and ZEBEDEE.email not in m.to for m in mail.outbox)


def test_pending_emails_to_the_patient_are_skipped(zebedee, django_capture_on_commit_callbacks):
    erase(zebedee["patient"], capture=django_capture_on_commit_callbacks)
    pending = OutboxMessage.objects.get(pk=zebedee["pending"].pk)
    assert pending.status == OutboxStatus.SKIPPED
    assert pending.recipient.endswith("@erased.invalid")
    assert (pending.body_text, pending.attachments) == ("", [])
    assert pending.last_error == "Not sent: the patient closed their account."


def test_sessions_end_and_login_is_refused(zebedee, client, django_capture_on_commit_callbacks):
    patient = zebedee["patient"]
    assert client.get("/my/data/").status_code == 200
    erase(patient, capture=django_capture_on_commit_callbacks)
    assert not [s for s in Session.objects.all() if s.get_decoded().get(SESSION_KEY) == str(patient.pk)]
    assert client.get("/my/data/").status_code == 302
    assert not client.login(email=ZEBEDEE.email, password=PASSWORD)


def test_another_patient_cannot_close_someones_account(zebedee, ottoline, django_capture_on_commit_callbacks):
    with pytest.raises(ErasureError) as refused:
        erase(zebedee["patient"], by=ottoline["patient"], capture=django_capture_on_commit_callbacks)
    assert refused.value.code == "not_allowed"
    zebedee["patient"].refresh_from_db()
    assert zebedee["patient"].first_name == "Zebedee"


def test_front_desk_cannot_close_a_patients_account(zebedee, django_capture_on_commit_callbacks):
    with pytest.raises(ErasureError) as refused:
        erase(zebedee["patient"], by=front_desk_user(), capture=django_capture_on_commit_callbacks)
    assert refused.value.code == "not_allowed"


def test_a_clinic_admin_can_close_a_patients_account(zebedee, admin, django_capture_on_commit_callbacks):
    record = erase(zebedee["patient"], by=admin, capture=django_capture_on_commit_callbacks)
    assert record.by_clinic
    assert found(ZEBEDEE) == []


def test_a_staff_account_is_not_erased(admin, therapist, django_capture_on_commit_callbacks):
    with pytest.raises(ErasureError) as refused:
        erase(therapist.user, by=admin, capture=django_capture_on_commit_callbacks)
    assert refused.value.code == "staff_account"


def test_closing_twice_is_refused(zebedee, admin, django_capture_on_commit_callbacks):
    erase(zebedee["patient"], by=admin, capture=django_capture_on_commit_callbacks)
    with pytest.raises(ErasureError) as refused:
        erase(zebedee["patient"], by=admin, capture=django_capture_on_commit_callbacks)
    assert refused.value.code == "already_closed"


def test_a_patient_with_nothing_clinical_is_erased_and_deleted_at_once(django_capture_on_commit_callbacks):
    patient = make_patient(ZEBEDEE)
    record = erase(patient, capture=django_capture_on_commit_callbacks)
    record.refresh_from_db()
    assert record.purged_at is not None and record.patient is None
    assert found(ZEBEDEE) == []


def test_a_failure_half_way_changes_nothing(zebedee, monkeypatch, django_capture_on_commit_callbacks):
    """Every part runs in the erasure's one transaction: the last failing undoes the others."""
    clinic_part = next(part for part in registry.parts() if part.name == "clinic")

    def broken(erasure):
        raise RuntimeError("disk full")

    monkeypatch.setitem(registry._parts, "clinic", replace(clinic_part, erase=broken))
    before = found(ZEBEDEE)
    with pytest.raises(RuntimeError):
        erase(zebedee["patient"], capture=django_capture_on_commit_callbacks)
    assert found(ZEBEDEE) == before
    assert Appointment.objects.get(pk=zebedee["confirmed"].pk).status == Status.CONFIRMED
    assert ClearanceLetter.objects.count() == 1
    assert not ErasureRecord.objects.exists()


def test_no_typed_or_identifying_answer_is_kept_when_an_account_closes():
    for form_class in STEPS:
        for name, field in form_class(answers={}).fields.items():
            if isinstance(field, FreeTextField) or name == "date_of_birth":
                assert name not in KEPT_WHEN_ACCOUNT_CLOSED, name
            else:
                assert name in KEPT_WHEN_ACCOUNT_CLOSED, (
                    f"decide whether {name} is kept when an account closes"
                )
