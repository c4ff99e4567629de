"""Benchmark over HTTP, from one run: gunicorn (sync workers) on PostgreSQL with the issue's data shape
(bench/_clinic_data.py), driven by wrk. Prints req/s and p50/p95/p99 latency per endpoint, each as a
share of the home page's req/s in the same run; then 200 patients POSTing a hold for the same slot at
the same moment (exactly one must win); and the machine's load (`uptime`) before and after.

    .venv/bin/python bench/http_bench.py [--duration 15] [--connections 20] [--workers 4] [--port 8160]
                                         [--history 0] [--cache redis|db] [--app-dir PATH]

Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth), wrk (Debian: `apt-get install wrk`)
and, for `--cache redis` (the default: production's shared cache for rate limits), redis-server, which
it starts on port+9. `--history N` adds N past appointments in every status first. `--app-dir` runs
the server from another checkout (e.g. an older commit, for a before/after comparison; endpoints it
lacks are reported as missing). It creates and drops its own database and sends traffic only to
127.0.0.1. Not part of the test run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from booking_load import race_holds, wait_for  # noqa: E402

DB_NAME = "clinic_http_bench"
PG = "postgres://postgres@127.0.0.1:5432"

# wrk calls done() once at the end: one JSON line with the figures (latencies in microseconds).
REPORT_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "socket_errors": %d, "bad_status": %d, ' ..
    '"p50": %d, "p95": %d, "p99": %d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per endpoint")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8160)
    parser.add_argument("--holds", type=int, default=200)
    parser.add_argument("--history", type=int, default=0)
    parser.add_argument("--cache", choices=["redis", "db"], default="redis")
    parser.add_argument("--app-dir", type=Path, default=ROOT)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")

    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clinic.settings.prod",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "EMAIL_URL": "dummymail://",
        "SECURE_SSL_REDIRECT": "false",
        "SITE_URL": f"http://127.0.0.1:{args.port}",
        # All traffic comes from 127.0.0.1: lift the per-address limit on holds (the per-user one stays).
        "HOLD_RATE_LIMIT_PER_IP": "1000000",
    }
    py = sys.executable
    processes: list[subprocess.Popen] = []
    server_log = tempfile.NamedTemporaryFile("w", prefix="http-bench-server-", suffix=".txt", delete=False)  # noqa: SIM115
    try:
        if args.cache == "redis":
            redis_port = args.port + 9
            processes.append(
                subprocess.Popen(  # noqa: S603
                    ["redis-server", "--port", str(redis_port), "--save", "", "--appendonly", "no"],  # noqa: S607
                    stdout=subprocess.DEVNULL,
                )
            )
            env["CACHE_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=args.app_dir, env=env, check=True)  # noqa: S603
        # The production settings serve static files from a manifest (whitenoise): pages need it built.
        subprocess.run(  # noqa: S603
            [py, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=args.app_dir, env=env, check=True
        )
        setup = subprocess.run(  # noqa: S603
            [py, str(ROOT / "bench" / "_http_bench_setup.py"), str(args.holds + 300), str(args.history)],
            cwd=args.app_dir,
            env={**env, "PYTHONPATH": str(args.app_dir)},
            check=True,
            capture_output=True,
            text=True,
        )
        fixture = json.loads(setup.stdout)
        processes.append(
            subprocess.Popen(  # noqa: S603
                [
                    str(Path(py).with_name("gunicorn")),
                    "clinic.wsgi",
                    "--workers",
                    str(args.workers),
                    "--bind",
                    f"127.0.0.1:{args.port}",
                    "--timeout",
                    "120",  # v1's 50 x 62 days takes seconds on a busy machine
                    "--log-level",
                    "warning",
                ],
                cwd=args.app_dir,
                env=env,
                stderr=server_log,  # a 409 per refused hold is logged: kept out of the figures
            )
        )
        wait_for(args.port)
        run(args, fixture)
        print(f"server log: {server_log.name}")
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=30)
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()  # noqa: S607


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    return response.status, response.read(), dict(response.getheaders())


def wrk(args, path: str, *, headers: dict | None = None, script: str = REPORT_LUA) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    command = [
        "wrk",
        "-t2",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--timeout",
        "30s",
        "-s",
        lua.name,
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{args.port}{path}")
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    os.unlink(lua.name)
    figures = json.loads(out.strip().splitlines()[-1])
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def lua_list(items: list[str]) -> str:
    return "{" + ", ".join(json.dumps(item) for item in items) + "}"


def mix_script(fixture: dict, paths: list[str], sessions: list[str]) -> str:
    """The booking mix: 90 % browsing (availability one and any x 7 days, the booking page, the home
    page) and 10 % holds by signed-in patients at random starts (201, or 409 when taken or when the
    patient already holds two)."""
    csrf = secrets.token_hex(16)
    bodies = [
        json.dumps({"service": fixture["service"], "therapist": pk, "start": start})
        for pk, start in fixture["mix_starts"]
    ]
    return (
        f"""
local gets = {lua_list(paths)}
local sessions = {lua_list(sessions)}
local bodies = {lua_list(bodies)}
local csrf = "{csrf}"
math.randomseed(os.time())
request = function()
  if math.random(100) <= 90 then
    return wrk.format("GET", gets[math.random(#gets)])
  end
  local cookie = "sessionid=" .. sessions[math.random(#sessions)] .. "; csrftoken=" .. csrf
  return wrk.format("POST", "/api/v1/appointments",
    {{["Content-Type"] = "application/json", ["Cookie"] = cookie, ["X-CSRFToken"] = csrf}},
    bodies[math.random(#bodies)])
end
"""
        + REPORT_LUA
    )


def run(args, fixture: dict) -> None:
    port = args.port
    first = fixture["first_day"]

    def availability(version: int, days: int, one: bool = False, slug: str | None = None) -> str:
        query = {"service": slug or fixture["service"], "from": first, "days": days}
        if one:
            query["therapist"] = fixture["therapist"]
        return f"/api/v{version}/availability?{urlencode(query)}"

    therapist_cookie = {"Cookie": f"sessionid={fixture['therapist_session']}"}
    booking_page = f"/book/{fixture['service']}/?date={first}"
    endpoints = [
        ("home page", "/", {}),
        ("API v2 one x 7 days", availability(2, 7, one=True), {}),
        ("API v2 any x 7 days", availability(2, 7), {}),
        ("API v2 one x 28 days", availability(2, 28, one=True), {}),
        ("API v2 any x 28 days", availability(2, 28), {}),
        ("API v1 one x 7 days", availability(1, 7, one=True), {}),
        ("API v1 any x 28 days", availability(1, 28), {}),
        ("booking page (one day)", booking_page, {}),
        ("review queue (therapist)", "/staff/review/", therapist_cookie),
    ]
    status, _, headers = get(port, availability(2, 28))
    if status == 200:
        endpoints.append(
            ("API v2 any x 28 days, 304", availability(2, 28), {"If-None-Match": headers["ETag"]})
        )
    mix_paths = [availability(2, 7), availability(2, 7, one=True), booking_page, "/"]

    print(f"load before: {uptime()}")
    print(
        f"gunicorn {args.workers} sync workers, PostgreSQL, cache {args.cache}; wrk 2 threads, "
        f"{args.connections} connections, {args.duration} s per endpoint; app from {args.app_dir}"
    )
    for name, path, headers in endpoints:  # each warmed up once (and checked)
        status, _, _ = get(port, path, headers)
        if status not in (200, 304):
            print(f"  {name}: {path} answers {status}; left out")
    rows = []
    for name, path, headers in endpoints:
        status, _, _ = get(port, path, headers)
        if status in (200, 304):
            rows.append((name, wrk(args, path, headers=headers)))
    mix = mix_script(fixture, mix_paths, fixture["sessions"][args.holds :])
    rows.append(("booking mix (10 % holds)", wrk(args, "/", script=mix)))
    home = rows[0][1]["rps"]
    print(f"\n{'':34} {'req/s':>8} {'share':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  non-2xx/3xx")
    for name, f in rows:
        print(
            f"{name:34} {f['rps']:8.1f} {100 * f['rps'] / home:6.1f}% {f['p50'] / 1000:8.1f} "
            f"{f['p95'] / 1000:8.1f} {f['p99'] / 1000:8.1f}  {f['bad_status']}"
            + (f" (socket errors {f['socket_errors']})" if f["socket_errors"] else "")
        )

    for slug, label in ((fixture["wide"], "50 therapists x 62 days"),):
        for version in (1, 2):
            times = []
            size = 0
            for _ in range(5):
                started = time.perf_counter()
                status, body, _ = get(port, availability(version, 62, slug=slug))
                times.append((time.perf_counter() - started) * 1000)
                size = len(body)
            if status == 200:
                times.sort()
                print(f"{label}, API v{version}: median {times[2]:.0f} ms (of 5), {size / 1000:.0f} KB")

    sessions = fixture["sessions"][: args.holds]
    hold = {"service": fixture["service"], "therapist": fixture["therapist"], "start": fixture["race_start"]}
    result = race_holds(port, hold, sessions)
    print(
        f"\n{result['requests']} racing holds at one slot: {result['created']} created, {result['refused']} x 409, "
        f"{result['other']} other {result['other_statuses']}; p50 {result['p50']:.0f} ms, "
        f"p95 {result['p95']:.0f} ms, p99 {result['p99']:.0f} ms, max {result['max']:.0f} ms"
    )
    print(f"load after: {uptime()}")


if __name__ == "__main__":
    main()
