"""Load test: 200 patients POST a booking for the same slot at the same moment, against the app under
gunicorn on PostgreSQL. Prints successes (must be 1), 409s, other errors (must be 0), p50/p95 latency.

    .venv/bin/python bench/booking_load.py [--requests 200] [--workers 4] [--port 8161]

Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth). It creates and drops its own database
and sends traffic only to 127.0.0.1. Not part of the test run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (
    ROOT,
    manage,
    postgres_database,
    production_env,
    race_holds,
    setup_json,
    start_gunicorn,
    stop,
    stopped_cleanly,
    wait_for,
)

PORT = 8161


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=PORT)
    args = parser.parse_args()

    processes = []
    with stopped_cleanly(), postgres_database(f"clinic_booking_load_{args.port}") as database_url:
        env = production_env(database_url, port=args.port, holds_per_ip=args.requests + 1)
        try:
            manage("migrate", "-v0", env=env)
            fixture = setup_json("_booking_load_setup.py", args.requests, env=env)
            processes.append(start_gunicorn(app_dir=ROOT, env=env, port=args.port, workers=args.workers))
            wait_for(args.port)
            run_load(args.port, fixture, args.requests)
        finally:
            stop(processes)


def run_load(port: int, fixture: dict, n: int) -> None:
    result = race_holds(
        port,
        {"service": fixture["service"], "therapist": fixture["therapist"], "start": fixture["start"]},
        fixture["sessions"][:n],
    )
    print(f"requests: {result['requests']}")
    print(f"successes (201): {result['created']}")
    print(f"refused (409): {result['refused']}")
    print(f"other errors: {result['other']} {result['other_statuses']}")
    print(f"latency p50: {result['p50']:.0f} ms, p95: {result['p95']:.0f} ms")


if __name__ == "__main__":
    main()
