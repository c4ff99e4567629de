"""Profile of the hold request (`POST /api/v1/appointments`), in-process through every middleware:
the queries one hold makes (a win, and a refusal of a taken slot) and where the time goes (cProfile).

    .venv/bin/python bench/hold_profile.py [--holds 100] [--top 25] [--cache locmem]  # throwaway SQLite file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic_bench .venv/bin/python bench/hold_profile.py

Uses the bench clinic (bench/_clinic_data.py) and the database cache for rate limits, as the default
settings do (`--cache locmem` keeps them in memory, as Redis in production costs no query). Prints the
wall time and this process's CPU per refused hold (with SQLite the database's work is in it, with
PostgreSQL not) and the 1-minute load. Not part of the test run; it creates its own database (and drops
it on PostgreSQL).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from datetime import datetime, timedelta
from datetime import time as dtime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import setup_in_process, test_database

setup_in_process()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--holds", type=int, default=100)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--cache",
        choices=["db", "locmem"],
        default="db",
        help="the rate limits' cache: the database (the default settings) or memory (as Redis costs no query)",
    )
    args = parser.parse_args()
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "clinic_cache"}
        if args.cache == "db"
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    settings.HOLD_RATE_LIMIT_PER_IP = 10 * args.holds
    with test_database():
        run(args.holds, args.top)


def run(holds: int, top: int) -> None:
    import _clinic_data

    from bookings.selectors import clinic_zone
    from clinic.models import User

    shape = _clinic_data.make_clinic()
    tz = clinic_zone()
    day = datetime.fromisoformat(shape["first_day"]).date() + timedelta(days=1)
    while day.weekday() == 6:
        day += timedelta(days=1)
    taken = datetime.combine(day, dtime(17), tzinfo=tz)  # the last slot of the day: free until held
    clients = []
    for i in range(holds + 1):
        client = Client(enforce_csrf_checks=False)
        client.force_login(User.objects.create_user(email=f"holder{i}@bench.example", password=None))
        clients.append(client)

    def hold(client, start) -> int:
        body = {"service": shape["service"], "therapist": shape["therapist"], "start": start.isoformat()}
        return client.post(
            "/api/v1/appointments", json.dumps(body), content_type="application/json"
        ).status_code

    with CaptureQueriesContext(connection) as won:
        assert hold(clients[0], taken) == 201
    with CaptureQueriesContext(connection) as refused:
        assert hold(clients[1], taken) == 409
    print(f"database: {connection.vendor}")
    print(f"queries: a won hold {len(won)}, a refused hold {len(refused)}")
    for name, ctx in (("won", won), ("refused", refused)):
        print(f"\n-- {name} --")
        for q in ctx.captured_queries:
            print(f"{q['time']:>6} {q['sql'][:150]}")

    # Timed without the profiler first (its overhead is larger than some of what it measures), then
    # profiled. CPU is this process's: with SQLite it includes the database's work, with PostgreSQL not.
    for label, round_clients in (
        ("timed", clients[2 : 2 + holds // 2]),
        ("profiled", clients[2 + holds // 2 :]),
    ):
        profiler = cProfile.Profile()
        started, cpu_started = time.perf_counter(), time.process_time()
        if label == "profiled":
            profiler.enable()
        for client in round_clients:
            hold(client, taken)
        profiler.disable()
        elapsed = (time.perf_counter() - started) * 1000 / len(round_clients)
        cpu = (time.process_time() - cpu_started) * 1000 / len(round_clients)
        print(f"\n{len(round_clients)} refused holds, {label}: {elapsed:.1f} ms each, {cpu:.1f} ms of CPU")
    print(f"load: {os.getloadavg()[0]:.2f}")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)


if __name__ == "__main__":
    main()
