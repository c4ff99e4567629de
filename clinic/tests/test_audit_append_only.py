"""The change trail and the access log are append-only in the database: no UPDATE or DELETE through the
ORM or plain SQL, on SQLite and PostgreSQL alike; only a patient's erasure and the retention purge
(inside `audit_rewrite()`) change them."""

from __future__ import annotations

from threading import Thread

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.db import IntegrityError, connection, connections, transaction

from clinic.audit.guard import audit_rewrite
from clinic.audit.models import AccessEvent, AccessKind
from clinic.models import Therapist

from .factories import patient, therapist_user

pytestmark = pytest.mark.django_db

TABLES = {"change trail": LogEntry, "access log": AccessEvent}


@pytest.fixture
def rows():
    reader = therapist_user()
    Therapist.objects.create(user=reader, display_name="Priya Shah")  # one entry on the change trail
    event = AccessEvent.objects.create(
        patient=patient(),
        actor=reader,
        actor_name="Priya Shah",
        actor_role="Therapist",
        kind=AccessKind.INTAKE,
    )
    entry = LogEntry.objects.get_for_model(Therapist).get()
    return {LogEntry: entry, AccessEvent: event}


def refused(run) -> None:
    """`run` fails with the guard's IntegrityError (in a savepoint, so the test can go on)."""
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        run()


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def check_foreign_keys_now() -> None:
    """PostgreSQL refuses TRUNCATE while the test's own transaction still owes its deferred foreign-key
    checks: run them now, as a committed transaction would have."""
    if connection.vendor == "postgresql":
        raw("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_change_entry_cannot_be_saved_again_through_the_orm(rows):
    entry = rows[LogEntry]
    entry.object_repr = "Someone else"
    refused(entry.save)
    assert LogEntry.objects.get(pk=entry.pk).object_repr == "Priya Shah"


def test_a_change_entry_cannot_be_deleted_through_the_orm(rows):
    entry = rows[LogEntry]
    refused(entry.delete)
    assert LogEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("model", TABLES.values(), ids=TABLES.keys())
def test_queryset_update_and_delete_are_refused(rows, model):
    refused(lambda: model.objects.filter(pk=rows[model].pk).update(**{_text_field(model): "changed"}))
    refused(lambda: model.objects.filter(pk=rows[model].pk).delete())
    assert model.objects.filter(pk=rows[model].pk).exists()


@pytest.mark.parametrize("model", TABLES.values(), ids=TABLES.keys())
def test_plain_sql_update_and_delete_are_refused(rows, model):
    table, pk = model._meta.db_table, rows[model].pk
    column = model._meta.get_field(_text_field(model)).column
    refused(lambda: raw(f"UPDATE {table} SET {column} = %s WHERE id = %s", ["changed", pk]))  # noqa: S608
    refused(lambda: raw(f"DELETE FROM {table} WHERE id = %s", [pk]))  # noqa: S608
    assert model.objects.filter(pk=pk).values_list(_text_field(model), flat=True).get() == "Priya Shah"


@pytest.mark.parametrize("model", TABLES.values(), ids=TABLES.keys())
def test_emptying_a_whole_table_is_refused(rows, model):
    # SQLite has no TRUNCATE: a DELETE without WHERE is its way to empty a table.
    sql = "TRUNCATE {} CASCADE" if connection.vendor == "postgresql" else "DELETE FROM {}"
    check_foreign_keys_now()
    refused(lambda: raw(sql.format(model._meta.db_table)))
    assert model.objects.filter(pk=rows[model].pk).exists()


@pytest.mark.parametrize("model", TABLES.values(), ids=TABLES.keys())
def test_inside_audit_rewrite_rows_may_change_and_go(rows, model):
    pk = rows[model].pk
    with audit_rewrite():
        model.objects.filter(pk=pk).update(**{_text_field(model): "[removed]"})
        assert model.objects.filter(pk=pk).values_list(_text_field(model), flat=True).get() == "[removed]"
        model.objects.filter(pk=pk).delete()
    assert not model.objects.filter(pk=pk).exists()


def test_the_guard_is_back_once_audit_rewrite_is_left(rows):
    with audit_rewrite():
        pass
    refused(lambda: LogEntry.objects.filter(pk=rows[LogEntry].pk).delete())


def test_a_failure_inside_audit_rewrite_leaves_the_guard_on(rows):
    with pytest.raises(RuntimeError), audit_rewrite():
        raise RuntimeError("the erasure failed half-way")
    refused(lambda: LogEntry.objects.filter(pk=rows[LogEntry].pk).delete())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_another_connection_never_sees_the_permission(rows):
    """The permission is the transaction's own: a second connection writing meanwhile is refused."""
    outcome = {}

    def other_connection():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("DELETE FROM auditlog_logentry")
            outcome["result"] = "deleted"
        except Exception as exc:  # whatever the database said
            outcome["result"] = type(exc).__name__
        finally:
            connections.close_all()

    with audit_rewrite():
        # On SQLite the writer holds the lock, so the other connection waits for it and then runs
        # after the commit; on PostgreSQL it runs at once in its own transaction. Refused either way.
        thread = Thread(target=other_connection)
        thread.start()
        thread.join(timeout=0.5)
    thread.join(timeout=30)
    assert outcome["result"] == "IntegrityError"
    assert LogEntry.objects.exists()


def test_flush_still_empties_the_audit_tables(rows):
    """`manage.py flush` (the operator's wipe of everything, and the tests' reset) is not refused."""
    check_foreign_keys_now()
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
    assert not LogEntry.objects.exists() and not AccessEvent.objects.exists()


def _text_field(model) -> str:
    return "object_repr" if model is LogEntry else "actor_name"
