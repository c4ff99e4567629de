"""The audit trail's share of a patient's rights (`clinic.rights`), registered from `ClinicConfig.ready()`.

- Export: who at the clinic has seen their record (their access events; the readers' addresses and
  browsers are the clinic's evidence, not the patient's data, and are left out).
- Erasure: the change trail keeps what was done and forgets who the patient was: where they acted,
  their email and address go (the entry keeps the closed account as its actor); in every entry about
  them or by them, their names, numbers and date of birth are redacted. Entries are changed with
  `update()`: saving one would let the actor of the moment stamp it anew. Access events name nothing
  of the patient and stay. Both tables refuse changes in the database except inside `audit_rewrite()`
  (`clinic.audit.guard`), which erasure and purge open around their own work only.
- Purge (after the retention period): their access events go with the record they were about; the
  change trail's entries stay, anonymised.

It runs between bookings (20) and the account (10): after the other parts have written their entries
of the erasure, before the account row is anonymised and, on purge, deleted.
"""

from __future__ import annotations

from auditlog.models import LogEntry
from django.db.models import Q

from ..rights import registry
from ..rights.registry import Erasure, ExportSection, RightsPart, utc_iso
from .guard import audit_rewrite
from .models import AccessEvent

LAYER = 15


def export(patient) -> list[ExportSection]:
    events = list(
        AccessEvent.objects.about(patient).only("at", "actor_name", "actor_role", "kind", "object_type")
    )
    data = [
        {
            "at": utc_iso(event.at),
            "who": event.actor_name,
            "role": event.actor_role,
            "kind": event.kind,
            "what": event.what,
        }
        for event in events
    ]
    return [
        ExportSection(
            key="record_access",
            title="Who has seen your record",
            position=85,
            data=data,
            template="clinic/audit/export_record_access.html",
            context={"events": events},
        )
    ]


def erase(erasure: Erasure) -> None:
    with audit_rewrite():
        _redact_trail(erasure)


def _redact_trail(erasure: Erasure) -> None:
    patient, redact = erasure.patient, erasure.redactor
    LogEntry.objects.filter(actor=patient).update(actor_email=erasure.placeholder_email, remote_addr=None)
    entries = LogEntry.objects.filter(Q(actor=patient) | Q(additional_data__patient=patient.pk))
    for entry in entries.only("pk", "object_repr", "changes", "changes_text").iterator():
        redacted = {
            "object_repr": redact.text(entry.object_repr),
            "changes": redact.json(entry.changes),
            "changes_text": redact.text(entry.changes_text),
        }
        if any(redacted[name] != getattr(entry, name) for name in redacted):
            LogEntry.objects.filter(pk=entry.pk).update(**redacted)


def purge(patient) -> None:
    with audit_rewrite():
        AccessEvent.objects.filter(patient=patient).delete()


def register() -> None:
    registry.register(RightsPart(name="audit", layer=LAYER, export=export, erase=erase, purge=purge))
