"""Throughput: how many outbox messages per second one `db_worker` process sends to a local SMTP sink.

    .venv/bin/python bench/outbox_throughput.py [--messages 500] [--database sqlite|postgres]

Queues N messages, starts an aiosmtpd sink on 127.0.0.1 and one `manage.py db_worker --batch`, and
prints messages per second between the first and the last message the sink received (the worker's
start-up is not counted). SQLite uses a throwaway file; PostgreSQL (127.0.0.1:5432, user postgres,
trust) a database it creates and drops. Not part of the test run.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432"
PG_DB = "clinic_outbox_bench"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()

    if args.database == "postgres":
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
            conn.execute(f"CREATE DATABASE {PG_DB}")
        database_url = f"{PG}/{PG_DB}"
    else:
        database_url = f"sqlite:///{tempfile.mkdtemp(prefix='outbox-bench-')}/db.sqlite3"

    sys.path.insert(0, str(ROOT))
    from clinic.tests.smtp import free_port, smtp_sink

    port = free_port()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per SMTP command
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clinic.settings.dev",
        "DEBUG": "false",
        "DATABASE_URL": database_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
    }
    os.environ.update(env)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections, transaction

    from clinic.outbox.services import outbox_enqueue

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        for n in range(args.messages):
            outbox_enqueue(
                kind="bench.note", to=f"patient{n}@example.com", subject="Hello", body_text="Hello."
            )
    connections.close_all()

    received: list[float] = []
    lock = threading.Lock()
    with smtp_sink(port) as sink:
        original = sink.handle_DATA

        async def timed(server, session, envelope):
            with lock:
                received.append(time.monotonic())
            return await original(server, session, envelope)

        sink.handle_DATA = timed
        subprocess.run(  # our own manage.py
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--batch",
                "--no-reload",
                "--no-startup-delay",
                "-v",
                "0",
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
    assert len(received) == args.messages, f"sent {len(received)} of {args.messages}"
    elapsed = received[-1] - received[0]
    print(
        f"{args.database}: {args.messages} messages in {elapsed:.1f} s by one worker: "
        f"{(args.messages - 1) / elapsed:.1f} messages/second"
    )

    if args.database == "postgres":
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")


if __name__ == "__main__":
    main()
