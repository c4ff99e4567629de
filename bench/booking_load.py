"""Load test: 200 patients POST a booking for the same slot at the same moment, against the app under
gunicorn on PostgreSQL. Prints successes (must be 1), 409s, other errors (must be 0), p50/p95 latency.

    .venv/bin/python bench/booking_load.py [--requests 200] [--workers 4]

Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth). It creates and drops its own database
and sends traffic only to 127.0.0.1. Not part of the test run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "clinic_booking_load"
PG = "postgres://postgres@127.0.0.1:5432"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clinic.settings.prod",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "EMAIL_URL": "dummymail://",
        "SECURE_SSL_REDIRECT": "false",
        "SITE_URL": "http://127.0.0.1",
        # Every simulated patient comes from 127.0.0.1: lift the per-address limit on holds.
        "HOLD_RATE_LIMIT_PER_IP": str(args.requests + 1),
    }
    py = sys.executable
    server = None
    try:
        subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
        setup = subprocess.run(  # noqa: S603
            [py, str(Path(__file__).with_name("_booking_load_setup.py")), str(args.requests)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        fixture = json.loads(setup.stdout)
        port = free_port()
        server = subprocess.Popen(  # noqa: S603
            [
                str(Path(py).with_name("gunicorn")),
                "clinic.wsgi",
                "--workers",
                str(args.workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        wait_for(port)
        run_load(port, fixture, args.requests)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def wait_for(port: int) -> None:
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/openapi.json")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


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


def race_holds(port: int, hold: dict, sessions: list[str]) -> dict:
    """One POST per session at the same slot, all released at once; statuses and latencies (ms)."""
    n = len(sessions)
    barrier = threading.Barrier(n)
    body = json.dumps(hold)

    def one(session_key: str) -> tuple[int, float]:
        csrf = secrets.token_hex(16)  # 32 characters: Django accepts an unmasked secret
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.connect()
        barrier.wait()
        started = time.perf_counter()
        conn.request(
            "POST",
            "/api/v1/appointments",
            body=body,
            headers={
                "Content-Type": "application/json",
                "Cookie": f"sessionid={session_key}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
            },
        )
        status = conn.getresponse().status
        return status, (time.perf_counter() - started) * 1000

    with ThreadPoolExecutor(max_workers=n) as pool:
        results = list(pool.map(one, sessions))
    statuses = [s for s, _ in results]
    latencies = sorted(ms for _, ms in results)
    return {
        "requests": n,
        "created": statuses.count(201),
        "refused": statuses.count(409),
        "other": sum(1 for s in statuses if s not in (201, 409)),
        "other_statuses": sorted(set(statuses) - {201, 409}),
        "p50": statistics.median(latencies),
        "p95": latencies[int(len(latencies) * 0.95) - 1],
        "p99": latencies[int(len(latencies) * 0.99) - 1],
        "max": latencies[-1],
    }


if __name__ == "__main__":
    main()
