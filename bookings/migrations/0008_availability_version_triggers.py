"""Triggers that raise the availability version (bookings.AvailabilityVersion) on every write to a table
the availability engine reads, in the writing transaction: a rollback takes the rise back with it.

PostgreSQL: deferred constraint triggers, so the version row is updated (and locked) only at commit,
after every other lock the transaction takes: two transactions cannot deadlock over it, and a reader
never sees a new version before the data it stands for. SQLite: plain row triggers (writers there are
serialised by the IMMEDIATE transaction already).
"""

from django.db import migrations

# Each table the engine or the availability API reads, and the columns whose update matters (None: any).
WATCHED = {
    "bookings_appointment": (
        "status",
        "start",
        "end",
        "blocks_until",
        "therapist_id",
        "service_id",
        "hold_expires_at",
    ),
    "bookings_weeklyhours": None,
    "bookings_timeoff": None,
    "bookings_closure": None,
    "bookings_service": None,
    "bookings_service_therapists": None,
    "bookings_service_licence_types": None,
    "clinic_clinicpolicy": None,
    "clinic_therapist": None,
    "clinic_licence": None,
    "clinic_licencetype": None,
}

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION bookings_availability_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bookings_availabilityversion (id, version, changed_at) VALUES (1, 1, clock_timestamp())
    ON CONFLICT (id) DO UPDATE
        SET version = bookings_availabilityversion.version + 1, changed_at = EXCLUDED.changed_at;
    RETURN NULL;
END
$$;
"""

SQLITE_BODY = """
BEGIN
    INSERT OR IGNORE INTO bookings_availabilityversion (id, version, changed_at) VALUES (1, 0, NULL);
    UPDATE bookings_availabilityversion
        SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now')
        WHERE id = 1;
END
"""


def _update_event(columns) -> str:
    return "UPDATE" if columns is None else "UPDATE OF " + ", ".join(f'"{c}"' for c in columns)


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION)
        for table, columns in WATCHED.items():
            schema_editor.execute(
                f"CREATE CONSTRAINT TRIGGER bookings_availability_bump AFTER INSERT OR DELETE OR "
                f"{_update_event(columns)} ON {table} DEFERRABLE INITIALLY DEFERRED "
                "FOR EACH ROW EXECUTE FUNCTION bookings_availability_bump()"
            )
    elif vendor == "sqlite":
        for table, columns in WATCHED.items():
            for event in ("INSERT", "DELETE", _update_event(columns)):
                name = f"bookings_availability_bump_{table}_{event.split()[0].lower()}"
                schema_editor.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} {SQLITE_BODY}")
    else:
        raise NotImplementedError(f"No availability-version triggers for {vendor}")
    # The row exists from the start, so the first write updates it (the triggers also make it if missing).
    now = "clock_timestamp()" if vendor == "postgresql" else "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    schema_editor.execute(
        f"INSERT INTO bookings_availabilityversion (id, version, changed_at) VALUES (1, 1, {now})"
    )


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in WATCHED:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS bookings_availability_bump ON {table}")
        schema_editor.execute("DROP FUNCTION IF EXISTS bookings_availability_bump()")
    elif vendor == "sqlite":
        for table in WATCHED:
            for event in ("insert", "delete", "update"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS bookings_availability_bump_{table}_{event}")
    schema_editor.execute("DELETE FROM bookings_availabilityversion")


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0007_availability_version"),
        ("clinic", "0024_user_date_of_birth"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
