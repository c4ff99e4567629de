"""The bookings app's refusals, and how a database refusal becomes one (a constraint, a deadlock)."""

from __future__ import annotations

from django.db import IntegrityError, OperationalError

from clinic.errors import DomainError


class BookingError(DomainError):
    """A booking rule refused the request. `code` says which: the API maps it to a status."""


def constraint_error(exc: IntegrityError) -> BookingError:
    text = str(exc)
    if "patient_no_overlap" in text:
        return BookingError("You already have an appointment at this time.", code="patient_busy")
    return BookingError("Sorry, this time was just taken. Please pick another slot.", code="slot_taken")


# PostgreSQL's "deadlock detected" and "could not serialize": two bookings crossed (the therapist's and
# the patient's no-overlap constraints, taken in opposite orders). The database rolled the loser back.
CONTENTION_SQLSTATES = frozenset({"40P01", "40001"})


def is_contention(exc: OperationalError) -> bool:
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    return sqlstate in CONTENTION_SQLSTATES or "database is locked" in str(exc)


def busy_error() -> BookingError:
    return BookingError(
        "Someone else was booking at the same moment, so nothing was changed. Please try again.", code="busy"
    )
