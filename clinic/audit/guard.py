"""The audit tables are append-only in the database itself: a trigger on the change trail
(`auditlog_logentry`) and on the access log (`clinic_accessevent`) refuses every UPDATE and DELETE (and,
on PostgreSQL, TRUNCATE), whether it comes from the ORM, the admin, a shell or plain SQL (migration
`clinic.0023_audit_append_only`). The refusal is an `IntegrityError` on both databases.

The one exception is a patient's rights, which the law puts above the log's permanence: closing an
account anonymises the entries that name the patient, and the purge after the retention period deletes
their access events (and, deleting the account, empties the actor of the entries they made). Those
services, and `manage.py flush` (the operator's wipe of the whole database, which the tests use between
transactional tests), open `audit_rewrite()` inside their transaction:

- PostgreSQL: `SET LOCAL clinic.audit_rewrite = 'on'`, which the trigger reads with
  `current_setting('clinic.audit_rewrite', true)`; it ends with the transaction (or the savepoint).
- SQLite: the one row of `clinic_audit_guard` is set to open, written in the same transaction, and
  closed again before it commits (a rollback closes it too), so no other connection ever sees it open.

The guard stops mistakes and casual tampering; an operator who owns the tables can still drop the
triggers, which is why production's app role should not own them (README, "Audit trail").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction

PG_SETTING = "clinic.audit_rewrite"


def _set(connection, is_open: bool) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config(%s, %s, true)", [PG_SETTING, "on" if is_open else "off"])
        elif connection.vendor == "sqlite":
            cursor.execute("UPDATE clinic_audit_guard SET open = %s WHERE id = 1", [int(is_open)])


@contextmanager
def audit_rewrite(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Inside, the audit rows may be changed and deleted: for erasure, the retention purge and flush
    only. Runs in a transaction (a savepoint inside an outer one) that the permission never outlives."""
    connection = connections[using]
    with transaction.atomic(using=using):
        _set(connection, True)
        yield
        _set(connection, False)
