"""What the benchmarks share: a throwaway database (a PostgreSQL one made and dropped, or Django's test
database in-process), the app under gunicorn with the production settings, 200 racing holds, and the
machine's load. Importing this module does not import Django.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432"


@contextmanager
def stopped_cleanly() -> Iterator[None]:
    """A SIGTERM (a timeout, a `kill`) ends the run through its `finally` blocks, as Ctrl-C does, so the
    servers it started are stopped and its database dropped."""

    def _exit(signum, frame):
        raise SystemExit(f"stopped by signal {signum}")

    previous = signal.signal(signal.SIGTERM, _exit)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def postgres_database(name: str) -> Iterator[str]:
    """A new, empty PostgreSQL database called `name` (one left by an earlier run is dropped first); its
    URL. Dropped at the end, whatever happened, with any connection still open to it."""
    import psycopg

    def sql(statement: str) -> None:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(statement)

    sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    sql(f"CREATE DATABASE {name}")
    try:
        yield f"{PG}/{name}"
    finally:
        sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def production_env(database_url: str, *, port: int, holds_per_ip: int) -> dict:
    """The environment of `clinic.settings.prod` for a server on 127.0.0.1 without TLS. Every simulated
    patient comes from 127.0.0.1, so the per-address limit on holds is raised (the per-user one stays)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clinic.settings.prod",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "EMAIL_URL": "dummymail://",
        "SECURE_SSL_REDIRECT": "false",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "HOLD_RATE_LIMIT_PER_IP": str(holds_per_ip),
    }


def manage(*command: str, app_dir: Path = ROOT, env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", *command], cwd=app_dir, env=env, check=True)  # noqa: S603


def setup_json(script: str, *args, app_dir: Path = ROOT, env: dict) -> dict:
    """Run bench/`script` (a seeding script) under `env` and read the JSON it prints."""
    done = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / script), *map(str, args)],
        cwd=app_dir,
        env={**env, "PYTHONPATH": str(app_dir)},
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout)


def start_gunicorn(*, app_dir: Path, env: dict, port: int, workers: int, stderr=None) -> subprocess.Popen:
    """gunicorn with sync workers on 127.0.0.1:`port`, answering once `wait_for` returns."""
    return subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "clinic.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",  # v1's 50 x 62 days takes seconds on a busy machine
            "--log-level",
            "warning",
        ],
        cwd=app_dir,
        env=env,
        stderr=stderr,
    )


def stop(processes: list[subprocess.Popen]) -> None:
    """Stop what we started, last first: SIGTERM, then SIGKILL after 30 seconds."""
    for process in reversed(processes):
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(port: int) -> None:
    for _ in range(150):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/openapi.json")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()  # noqa: S607


def load_1m() -> float:
    return os.getloadavg()[0]


def worker_cpu_seconds(master: subprocess.Popen) -> float:
    """CPU time (user + system) used so far by the worker processes of a gunicorn master."""
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    total = 0
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a worker that has just been replaced
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """Busy and total CPU seconds of the whole machine so far (every core), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle) / tick, sum(values) / tick


def percentile(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile of an ascending list (share 0.95 for p95)."""
    return ordered[max(0, int(round(len(ordered) * share)) - 1)]


def race_holds(port: int, hold: dict, sessions: list[str]) -> dict:
    """One POST /api/v1/appointments per session at the same slot, all released at once (each
    connection opened first); statuses and latencies (ms)."""
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
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "max": latencies[-1],
    }


def setup_in_process() -> None:
    """Django in this process with the test settings, on $DATABASE_URL or else a throwaway SQLite file;
    the bench folder importable (`_clinic_data`). Call before importing anything of Django's."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "clinic.settings.test"
    import django

    django.setup()


@contextmanager
def test_database() -> Iterator[None]:
    """Django's test database (migrated, empty), destroyed at the end."""
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
