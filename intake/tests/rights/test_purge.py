"""After the retention period the kept records go: a task scheduled with `run_after` at the erasure,
and the daily `erasure_purge` command for one that was lost or a policy that changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from bookings.models import Appointment
from clinic.audit.models import AccessEvent
from clinic.models import ClinicPolicy, User
from clinic.rights.models import ErasureRecord
from clinic.rights.services import erasure_purge, patient_erase
from clinic.tests.factories import clinic_admin_user
from clinic.tests.smtp import DATABASE_TASKS
from intake.models import CheckIn, HomeCarePlan, Intake, ReviewDecision, ScreeningResult, StaffAlert

from .records import OTTOLINE, ZEBEDEE, found, full_record

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def admin(db):
    return clinic_admin_user()


@pytest.fixture
def records(service, therapist, other_therapist, admin):
    zebedee = full_record(ZEBEDEE, service=service, therapist=therapist, admin=admin)
    full_record(OTTOLINE, service=service, therapist=other_therapist, admin=admin, day=4)
    return zebedee


def kept_rows(patient) -> dict:
    return {
        "appointments": Appointment.objects.filter(patient=patient).count(),
        "intakes": Intake.objects.filter(patient=patient).count(),
        "check_ins": CheckIn.objects.filter(patient=patient).count(),
        "results": ScreeningResult.objects.filter(appointment__patient=patient).count(),
        "decisions": ReviewDecision.objects.filter(result__appointment__patient=patient).count(),
        "plans": HomeCarePlan.objects.filter(patient=patient).count(),
        "alerts": StaffAlert.objects.filter(appointment__patient=patient).count(),
        "record_access": AccessEvent.objects.filter(patient=patient).count(),
    }


@pytest.mark.django_db
def test_nothing_is_deleted_before_the_retention_period_ends(records, django_capture_on_commit_callbacks):
    patient = records["patient"]
    with django_capture_on_commit_callbacks(execute=True):
        record = patient_erase(patient=patient, by=patient)
    before = kept_rows(patient)
    with time_machine.travel(record.purge_after - timedelta(days=1)):
        assert erasure_purge(record_id=record.pk) == "not_due"
        call_command("erasure_purge", verbosity=0)
    assert kept_rows(patient) == before
    assert all(before.values())


@pytest.mark.django_db
def test_after_the_retention_period_the_sweep_deletes_the_kept_records_and_the_account(
    records, django_capture_on_commit_callbacks
):
    patient = records["patient"]
    with django_capture_on_commit_callbacks(execute=True):
        record = patient_erase(patient=patient, by=patient)
    others = User.objects.get(email=OTTOLINE.email)
    others_before = kept_rows(others)
    with time_machine.travel(record.purge_after + timedelta(minutes=1)):
        call_command("erasure_purge", verbosity=0)
    assert set(kept_rows(patient).values()) == {0}
    assert not User.objects.filter(pk=patient.pk).exists()
    record.refresh_from_db()
    assert record.patient is None and record.purged_at is not None
    assert kept_rows(others) == others_before  # nobody else's record is touched
    assert found(OTTOLINE)
    assert erasure_purge(record_id=record.pk) == "skipped"  # a second task finds nothing to do


@pytest.mark.django_db
def test_a_longer_retention_set_later_postpones_the_purge(records, django_capture_on_commit_callbacks):
    patient = records["patient"]
    with django_capture_on_commit_callbacks(execute=True):
        record = patient_erase(patient=patient, by=patient)
    first_due = record.purge_after
    policy = ClinicPolicy.get()
    policy.clinical_retention_years = 10
    policy.save()
    with time_machine.travel(first_due + timedelta(minutes=1)):
        assert erasure_purge(record_id=record.pk) == "not_due"
    record.refresh_from_db()
    assert record.purge_after.year == first_due.year + 2
    assert Appointment.objects.filter(patient=patient).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_erasure_schedules_the_purge_task_for_the_end_of_the_retention_period(records, settings):
    settings.TASKS = DATABASE_TASKS
    patient = records["patient"]
    DBTaskResult.objects.all().delete()
    with transaction.atomic():
        record = patient_erase(patient=patient, by=patient)
    task = DBTaskResult.objects.get(task_path="clinic.rights.tasks.purge_closed_account")
    assert task.run_after == record.purge_after
    assert task.args_kwargs == {"args": [record.pk], "kwargs": {}}
    assert ErasureRecord.objects.get().purge_after.year == 2034
