"""Benchmark over HTTP, from one run: gunicorn (sync workers) on PostgreSQL with the issue's data shape
(bench/_clinic_data.py), driven by wrk. Prints req/s and p50/p95/p99 latency per endpoint, each as a
share of the home page's req/s in the same run (measured first and last, as the load moves); v2 both
from the server-side cache and worked out (`Cache-Control: no-cache`); then 200 patients POSTing a
hold for the same slot at the same moment (exactly one must win), with the workers' CPU per hold; and
the machine's load with every figure, as the figures depend on what else it runs.

    .venv/bin/python bench/http_bench.py [--duration 15] [--warmup 2] [--connections 20] [--workers 4]
                                         [--port 8160] [--holds 200] [--history 0] [--cache redis|db]
                                         [--app-dir PATH] [--holds-only]

Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth), wrk (Debian: `apt-get install wrk`)
and, for `--cache redis` (the default: production's shared cache), redis-server, which it starts on
port+9. `--history N` adds N past appointments in every status first. `--app-dir` runs the server
from another checkout (e.g. an older commit, for a before/after comparison; endpoints it lacks are
reported as missing). `--holds-only` runs the racing holds alone (after `--warmup` s of the home
page). It creates its own database (clinic_http_bench_<port>) and sends traffic only
to 127.0.0.1; at the end, or on Ctrl-C or SIGTERM, it stops gunicorn and Redis and drops the
database. Not part of the test run.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (
    ROOT,
    load_1m,
    machine_cpu,
    manage,
    postgres_database,
    production_env,
    race_holds,
    setup_json,
    start_gunicorn,
    stop,
    stopped_cleanly,
    uptime,
    wait_for,
    worker_cpu_seconds,
)

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
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load per endpoint first")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8160)
    parser.add_argument("--holds", type=int, default=200)
    parser.add_argument("--history", type=int, default=0)
    parser.add_argument("--cache", choices=["redis", "db"], default="redis")
    parser.add_argument("--app-dir", type=Path, default=ROOT)
    parser.add_argument(
        "--holds-only", action="store_true", help="only the racing holds (after a warm-up of the home page)"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")

    static_root = args.app_dir / "staticfiles"
    static_existed = static_root.exists()
    server_log = tempfile.NamedTemporaryFile("w", prefix="http-bench-server-", suffix=".txt", delete=False)  # noqa: SIM115
    processes = []
    with stopped_cleanly(), postgres_database(f"clinic_http_bench_{args.port}") as database_url:
        env = production_env(database_url, port=args.port, holds_per_ip=1_000_000)
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
            manage("migrate", "-v0", app_dir=args.app_dir, env=env)
            # The production settings serve static files from a manifest (whitenoise): pages need it built.
            manage("collectstatic", "--noinput", "-v0", app_dir=args.app_dir, env=env)
            fixture = setup_json(
                "_http_bench_setup.py", args.holds + 300, args.history, app_dir=args.app_dir, env=env
            )
            # A 409 per refused hold is logged: kept out of the figures.
            processes.append(
                start_gunicorn(
                    app_dir=args.app_dir, env=env, port=args.port, workers=args.workers, stderr=server_log
                )
            )
            wait_for(args.port)
            run(args, fixture, processes[-1])
        finally:
            stop(processes)
            server_log.close()
            if not static_existed:
                shutil.rmtree(static_root, ignore_errors=True)
    errors = [line for line in Path(server_log.name).read_text().splitlines() if "Error" in line]
    if errors:
        print(f"server log ({len(errors)} lines with errors): {server_log.name}")
    else:
        os.unlink(server_log.name)


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    return response.status, response.read(), dict(response.getheaders())


def wrk(args, path: str, *, headers: dict | None = None, script: str = REPORT_LUA, seconds: int) -> dict:
    """wrk (2 threads, `--connections`) on `path` for `seconds`; its figures, req/s and the 1-minute
    load average at the end."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    command = ["wrk", "-t2", f"-c{args.connections}", f"-d{seconds}s", "--timeout", "30s", "-s", lua.name]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{args.port}{path}")
    try:
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    finally:
        os.unlink(lua.name)
    figures = json.loads(out.strip().splitlines()[-1])
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["load"] = load_1m()
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


NO_CACHE = {"Cache-Control": "no-cache"}  # v2 works the answer out again instead of taking the kept one


def run(args, fixture: dict, server: subprocess.Popen) -> None:
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
        ("home page (reference)", "/", {}),
        ("API v2 one x 7 days", availability(2, 7, one=True), {}),
        ("API v2 any x 7 days", availability(2, 7), {}),
        ("API v2 one x 28 days", availability(2, 28, one=True), {}),
        ("API v2 any x 28 days", availability(2, 28), {}),
        ("API v2 one x 7 days, worked out", availability(2, 7, one=True), NO_CACHE),
        ("API v2 any x 28 days, worked out", availability(2, 28), NO_CACHE),
        ("API v1 one x 7 days", availability(1, 7, one=True), {}),
        ("API v1 any x 28 days", availability(1, 28), {}),
        ("booking page (one day)", booking_page, {}),
        ("review queue (therapist)", "/staff/review/", therapist_cookie),
    ]
    status, _, headers = get(port, availability(2, 28))
    if status == 200 and "ETag" in headers:
        endpoints.append(
            ("API v2 any x 28 days, 304", availability(2, 28), {"If-None-Match": headers["ETag"]})
        )
    mix_paths = [availability(2, 7), availability(2, 7, one=True), booking_page, "/"]

    print(f"load before: {uptime()}")
    if args.holds_only:
        if args.warmup:  # every worker past its first requests (imports, templates, connections)
            wrk(args, "/", seconds=args.warmup)
        race(args, fixture, server)
        return
    print(
        f"gunicorn {args.workers} sync workers, PostgreSQL, cache {args.cache}; wrk 2 threads, "
        f"{args.connections} connections, {args.duration} s per endpoint after {args.warmup} s of warm-up; "
        f"app from {args.app_dir}"
    )
    rows = []
    for name, path, headers in endpoints:
        status, _, _ = get(port, path, headers)
        if status not in (200, 304):
            print(f"  {name}: {path} answers {status}; left out")
            continue
        if args.warmup:  # every worker past its first requests (imports, templates, connections)
            wrk(args, path, headers=headers, seconds=args.warmup)
        rows.append((name, wrk(args, path, headers=headers, seconds=args.duration)))
    mix = mix_script(fixture, mix_paths, fixture["sessions"][args.holds :])
    rows.append(
        (
            "booking mix (90 % GET, 10 % holds; 409s expected)",
            wrk(args, "/", script=mix, seconds=args.duration),
        )
    )
    # The home page again at the end: the machine's load moves during a run (others' work, ours), so
    # each share is of the mean of the two, and both are shown.
    rows.append(("home page, again at the end", wrk(args, "/", seconds=args.duration)))
    home = (rows[0][1]["rps"] + rows[-1][1]["rps"]) / 2
    print(f"\nshares are of the home page's mean req/s, {home:.1f}")
    print("| endpoint | req/s | share of home | p50 ms | p95 ms | p99 ms | non-2xx/3xx | load 1 min |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, f in rows:
        errors = f"{f['bad_status']}" + (f" (+{f['socket_errors']} socket)" if f["socket_errors"] else "")
        print(
            f"| {name} | {f['rps']:.1f} | {100 * f['rps'] / home:.1f} % | {f['p50'] / 1000:.1f} | "
            f"{f['p95'] / 1000:.1f} | {f['p99'] / 1000:.1f} | {errors} | {f['load']:.2f} |"
        )

    print()
    for version, headers in ((1, {}), (2, NO_CACHE), (2, {})):
        times, size, status = [], 0, 0
        for _ in range(5):
            started = time.perf_counter()
            status, body, _ = get(port, availability(version, 62, slug=fixture["wide"]), headers)
            times.append((time.perf_counter() - started) * 1000)
            size = len(body)
        if status == 200:
            times.sort()
            how = ", worked out" if headers else (", kept" if version == 2 else "")
            print(
                f"50 therapists x 62 days, API v{version}{how}: median {times[2]:.0f} ms (of 5), "
                f"{size / 1000:.0f} KB; load {load_1m():.2f}"
            )

    race(args, fixture, server)


def race(args, fixture: dict, server: subprocess.Popen) -> None:
    port = args.port
    sessions = fixture["sessions"][: args.holds]
    hold = {"service": fixture["service"], "therapist": fixture["therapist"], "start": fixture["race_start"]}
    cpu_before, (busy_before, total_before) = worker_cpu_seconds(server), machine_cpu()
    result = race_holds(port, hold, sessions)
    worker_cpu = worker_cpu_seconds(server) - cpu_before
    busy_after, total_after = machine_cpu()
    print(
        f"\n{result['requests']} racing holds at one slot: {result['created']} created, {result['refused']} x 409, "
        f"{result['other']} other {result['other_statuses']}; p50 {result['p50']:.0f} ms, "
        f"p95 {result['p95']:.0f} ms, p99 {result['p99']:.0f} ms, max {result['max']:.0f} ms; "
        f"load {load_1m():.2f}"
    )
    print(
        f"  the workers spent {1000 * worker_cpu / result['requests']:.1f} ms of CPU per hold; the machine's "
        f"{os.cpu_count()} cores were {100 * (busy_after - busy_before) / (total_after - total_before):.0f} % "
        "busy meanwhile (the 200 client threads, PostgreSQL, and whatever else runs)"
    )
    print(f"load after: {uptime()}")


if __name__ == "__main__":
    main()
