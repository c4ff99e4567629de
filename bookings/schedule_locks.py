"""A booking and a closure (or a therapist's time off) saved at the same moment exclude each other.

A booking checks the closures and time off and then inserts; a closure inserts and then lists the
appointments it falls on. Run side by side on PostgreSQL (READ COMMITTED), neither sees the other's
uncommitted row, and a booking would stay inside the closed time unnoticed. So both take a
transaction-scoped advisory lock first: each booking (or move) a shared one, so bookings never wait
for each other, and saving a closure, or time off for that therapist, an exclusive one. Whichever
comes second waits for the first to commit, then sees its row: the booking is refused, or the
closure lists (and, when asked, cancels) the appointment.

On SQLite every transaction is IMMEDIATE: the first write lock is taken at BEGIN, so the two already
run one after the other and nothing is needed here.
"""

from __future__ import annotations

from django.db import connection

# Advisory lock keys are (namespace, id) pairs of 32-bit integers, unique to this module.
CLOSURES = 0x0C105ED
TIME_OFF = 0x0AB5E47


def _lock(sql: str, keys: list[int]) -> None:
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:  # outside a transaction the lock would end at once
        raise RuntimeError("An advisory transaction lock needs a transaction.")
    with connection.cursor() as cursor:
        cursor.execute(sql, keys)


def _key(therapist_id: int) -> int:
    return therapist_id % 2**31


def lock_for_booking(therapist_id: int) -> None:
    """Before a booking or a move to `therapist_id` checks closures and time off."""
    _lock(
        "SELECT pg_advisory_xact_lock_shared(%s, 0), pg_advisory_xact_lock_shared(%s, %s)",
        [CLOSURES, TIME_OFF, _key(therapist_id)],
    )


def lock_for_closure() -> None:
    """Before a closure is saved and the appointments on its days are listed."""
    _lock("SELECT pg_advisory_xact_lock(%s, 0)", [CLOSURES])


def lock_for_time_off(therapist_id: int) -> None:
    """Before a therapist's time off is saved and the appointments in it are listed."""
    _lock("SELECT pg_advisory_xact_lock(%s, %s)", [TIME_OFF, _key(therapist_id)])
