"""The change trail and the access log refuse UPDATE and DELETE in the database (clinic.audit.guard),
except inside `audit_rewrite()` (erasure, the retention purge, flush)."""

from django.db import migrations

TABLES = ("auditlog_logentry", "clinic_accessevent")
MESSAGE = "audit rows are append-only: only erasure and the retention purge may change them"

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION clinic_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('clinic.audit_rewrite', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% on %: {MESSAGE}', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;
"""

SQLITE_CONTROL = """
CREATE TABLE clinic_audit_guard (
    id integer NOT NULL PRIMARY KEY CHECK (id = 1),
    open integer NOT NULL DEFAULT 0 CHECK (open IN (0, 1))
);
INSERT INTO clinic_audit_guard (id, open) VALUES (1, 0);
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION clinic_audit_append_only()"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION clinic_audit_append_only()"
            )
    elif vendor == "sqlite":
        for statement in SQLITE_CONTROL.strip().split(";"):
            if statement.strip():
                schema_editor.execute(statement)
        for table in TABLES:
            for operation in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                    "WHEN (SELECT open FROM clinic_audit_guard WHERE id = 1) IS NOT 1 "
                    f"BEGIN SELECT RAISE(ABORT, '{operation} on {table}: {MESSAGE}'); END"
                )
    else:
        raise NotImplementedError(f"No audit guard for the {vendor} database.")


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        schema_editor.execute("DROP FUNCTION IF EXISTS clinic_audit_append_only()")
    elif vendor == "sqlite":
        for table in TABLES:
            for operation in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation}")
        schema_editor.execute("DROP TABLE IF EXISTS clinic_audit_guard")


class Migration(migrations.Migration):
    dependencies = [
        ("auditlog", "0017_add_actor_email"),
        ("clinic", "0022_policy_pages_first_versions"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
