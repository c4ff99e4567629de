"""Export and erasure of a patient's data: the services the patient's pages, the admin and the purge
task call. Each app's share comes from `registry.parts()`.

Erasure anonymises in one transaction: the account row is locked first (the booking service locks the
same row, so a booking racing the erasure either lands before it, and is cancelled by it, or after it,
and is refused), every part anonymises its rows, and an `ErasureRecord` says when the clinical records
kept are due for deletion: the clinic policy's `clinical_retention_years` after the last contact. A
task with `run_after` deletes them then; `manage.py erasure_purge` catches any task that was lost.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ..audit.trail import acted_by, acting_as_closed_account
from ..errors import DomainError
from ..models import ClinicPolicy, ClinicProfile
from ..scheduling import run_at
from . import registry, tasks
from .models import ERASED_EMAIL_DOMAIN, ErasureRecord
from .permissions import can_close_account, is_staff_account
from .redact import Redactor
from .registry import Erasure, ExportSection, utc_iso

EXPORT_FORMAT = "clinic-patient-export"
EXPORT_VERSION = 1


class ErasureError(DomainError):
    """Closing an account was refused; `code` says why."""


def export_sections(patient) -> list[ExportSection]:
    """Every app's sections of the patient's export, in page order."""
    sections = [section for part in registry.parts() if part.export for section in part.export(patient)]
    return sorted(sections, key=lambda section: (section.position, section.key))


def patient_export(patient, *, sections: list[ExportSection] | None = None) -> dict:
    """Everything the clinic holds about `patient`, as one JSON-ready value (shape: README, "Patient
    rights"). Pass `sections` already built for the page to avoid reading them twice."""
    sections = export_sections(patient) if sections is None else sections
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "generated_at": utc_iso(timezone.now()),
        "clinic": ClinicProfile.get().display_name,
        "time_zone": settings.CLINIC_TIME_ZONE,
        "sections": {section.key: section.data for section in sections},
    }


def add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February into a year without one
        return moment.replace(year=moment.year + years, day=28)


def retention_end(*, last_contact: datetime | None, erased_at: datetime, policy: ClinicPolicy) -> datetime:
    """When the kept records may go: the retention period after the last contact; with no clinical
    contact at all there is nothing to keep, so at once."""
    if last_contact is None:
        return erased_at
    return add_years(last_contact, policy.clinical_retention_years)


def patient_erase(*, patient, by) -> ErasureRecord:
    """Close `patient`'s account `by` the patient or a clinic admin, in one transaction: name, email,
    phone, date of birth and everything the patient wrote are removed, login and sessions end, upcoming
    appointments are cancelled (their therapists and the front desk told), pending emails to the patient
    are skipped; the clinical record is kept, without what identifies the patient, until the retention
    period ends. Refused for anyone else (`not_allowed`), a staff account (`staff_account`) and an
    account already closed (`already_closed`). `patient` is not refreshed: read the record instead."""
    if not can_close_account(by, patient):
        raise ErasureError("You may not close this account.", code="not_allowed")
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=patient.pk)
        if locked.is_erased:
            raise ErasureError("This account is already closed.", code="already_closed")
        if is_staff_account(locked):
            raise ErasureError(
                "Staff accounts are not closed this way: a clinic admin deactivates them in the admin, "
                "so the records they signed keep their author.",
                code="staff_account",
            )
        now = timezone.now()
        redactor = Redactor()
        for part in registry.parts():
            if part.identify:
                redactor.add(part.identify(locked))
        contacts = [
            moment for part in registry.parts() if part.last_contact and (moment := part.last_contact(locked))
        ]
        erasure = Erasure(
            patient=locked,
            by=by,
            now=now,
            original_email=locked.email,
            placeholder_email=f"erased-{uuid.uuid4().hex}@{ERASED_EMAIL_DOMAIN}",
            redactor=redactor,
        )
        # The erasure's own entries on the change trail (the account anonymised, its second factors
        # removed) name, when the patient closes it themselves, the closed account without its email
        # or address, as the patient's earlier entries are left.
        self_closed = by.pk == locked.pk
        with (
            acting_as_closed_account(locked, email=erasure.placeholder_email) if self_closed else acted_by(by)
        ):
            for part in registry.parts():
                if part.erase:
                    part.erase(erasure)
        last_contact = min(max(contacts), now) if contacts else None
        record = ErasureRecord.objects.create(
            patient=locked,
            erased_at=now,
            by_clinic=not self_closed,
            cancelled_appointments=erasure.cancelled_appointments,
            last_contact=last_contact,
            purge_after=retention_end(last_contact=last_contact, erased_at=now, policy=ClinicPolicy.get()),
        )
        for callback in erasure.after_commit:
            transaction.on_commit(callback)
        run_at(tasks.purge_closed_account, record.pk, at=record.purge_after)
    return record


def erasure_purge(*, record_id: int, now: datetime | None = None) -> str:
    """Delete the clinical records kept from a closed account, and the anonymised account, once the
    retention period is over ("purged"). The period is read from the policy as it is now: if the clinic
    lengthened it, the purge waits ("not_due") and is scheduled again; if it is already done, "skipped"."""
    now = now or timezone.now()
    with transaction.atomic():
        record = (
            ErasureRecord.objects.select_for_update().filter(pk=record_id, purged_at__isnull=True).first()
        )
        if record is None:
            return "skipped"
        due = retention_end(
            last_contact=record.last_contact, erased_at=record.erased_at, policy=ClinicPolicy.get()
        )
        if due > now:
            if due != record.purge_after:
                record.purge_after = due
                record.save(update_fields=["purge_after"])
                run_at(tasks.purge_closed_account, record.pk, at=due)
            return "not_due"
        patient = record.patient
        if patient is not None:
            for part in registry.parts():
                if part.purge:
                    part.purge(patient)
        record.purged_at = now
        record.save(update_fields=["purged_at"])
    return "purged"


def erasure_purge_due(*, now: datetime | None = None) -> int:
    """Purge every closed account whose retention period is over (the daily sweep, for tasks that were
    lost or a policy that was shortened). Returns how many were purged."""
    now = now or timezone.now()
    policy = ClinicPolicy.get()
    purged = 0
    for record in ErasureRecord.objects.filter(purged_at__isnull=True).order_by("pk"):
        due = retention_end(last_contact=record.last_contact, erased_at=record.erased_at, policy=policy)
        if due <= now and erasure_purge(record_id=record.pk, now=now) == "purged":
            purged += 1
    return purged
