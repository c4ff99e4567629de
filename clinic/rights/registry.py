"""Where each app says what it holds about a patient and how it forgets them.

clinic cannot import bookings or intake (an import-linter contract says so), yet an export must hold
the appointments and health forms, and closing an account must reach every table. So each app
registers one `RightsPart` from its `AppConfig.ready()`: its export sections, the strings that identify
the patient in its rows, how it anonymises them (in the erasure's one transaction) and how it deletes
what it kept once the retention period is over. Erasure and purge run the parts from the top layer
down (intake, bookings, clinic): a higher app's rows point at a lower app's, and the account itself is
anonymised last, after every part has read what it needs from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..models import User
    from .redact import Redactor


@dataclass(frozen=True)
class ExportSection:
    """One section of a patient's export: `data` goes into the JSON under `sections[key]` (plain JSON
    values only, times as UTC ISO 8601 strings); the page renders `template` with `context`."""

    key: str
    title: str
    position: int
    data: Any
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Erasure:
    """What one erasure knows, handed to every part in turn inside the erasure's transaction.

    `patient` is the locked account row, still holding the name and email until the clinic's own part
    (the last) replaces them; `original_email` keeps the address for the parts that look rows up by it.
    """

    patient: User
    by: User
    now: datetime
    original_email: str
    placeholder_email: str
    redactor: Redactor
    cancelled_appointments: int = 0
    after_commit: list[Callable[[], None]] = field(default_factory=list)


@dataclass(frozen=True)
class RightsPart:
    """One app's share of a patient's rights. Every callable is optional.

    - `export(patient)`: its sections of the export.
    - `identify(patient)`: strings that name the patient in its rows (names typed on a form, phone
      numbers, the date of birth); retained free text written by staff has them removed.
    - `last_contact(patient)`: the latest moment of care it records (not after now), from which the
      retention period runs.
    - `erase(erasure)`: anonymise its rows of the patient, keeping the clinical record.
    - `purge(patient)`: delete what `erase` kept, once the retention period is over.
    - `closing_summary(patient)`: what closing the account would do to its rows, in sentences for the
      patient's confirmation page ("Your 2 upcoming appointments are cancelled: ...").
    """

    name: str
    layer: int  # higher layers (intake 30, bookings 20, clinic 10) erase and purge first
    export: Callable[[User], list[ExportSection]] | None = None
    identify: Callable[[User], Iterable[str]] | None = None
    last_contact: Callable[[User], datetime | None] | None = None
    erase: Callable[[Erasure], None] | None = None
    purge: Callable[[User], None] | None = None
    closing_summary: Callable[[User], list[str]] | None = None


_parts: dict[str, RightsPart] = {}


def register(part: RightsPart) -> None:
    """Add an app's part; registering the same name again replaces it (a repeated `ready()` is harmless)."""
    _parts[part.name] = part


def parts() -> list[RightsPart]:
    """The registered parts from the top layer down: the order erasure and purge run them in."""
    return sorted(_parts.values(), key=lambda part: (-part.layer, part.name))


def utc_iso(moment: datetime | None) -> str | None:
    """A stored time as the export writes it: UTC, ISO 8601, to the second ("2026-06-03T09:00:00Z")."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
