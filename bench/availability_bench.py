"""Benchmark, in-process: availability with the issue's data shape (bench/_clinic_data.py: 10 therapists,
nine weeks of hours, 1,000 appointments over 28 days; 50 therapists over 62 days), the engine alone
(`selectors.free_slots`, its 8 queries included) against the API (v1, and v2's compact answer) through
Django's test client with every middleware; then again after 50,000 past appointments in every status,
with the query plan of the busy-interval query.

    .venv/bin/python bench/availability_bench.py [--runs 30]                # throwaway SQLite file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic_bench .venv/bin/python bench/availability_bench.py

v2 is timed working its answer out (`Cache-Control: no-cache`) and, in the rows marked "kept", answered
from the server-side cache (the test settings' local-memory cache). Targets (issue 16): API any x 28
days at most 1.5 x the engine; 50 x 62 days under 300 ms and 500 KB;
50,000 past appointments add under 10 %. Not part of the test run. It creates its own database (and, on
PostgreSQL, drops it afterwards).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import load_1m, percentile, setup_in_process, test_database, uptime

setup_in_process()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--history", type=int, default=50_000)
    args = parser.parse_args()
    with test_database():
        run(args.runs, args.history)


def timed(fn, runs: int) -> tuple[float, float, float]:
    """Median, p95 and fastest in ms (one warm-up call first). On a busy machine the fastest run is the
    steadiest figure: the others wait for a core by varying amounts."""
    fn()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), percentile(timings, 0.95), timings[0]


def run(runs: int, history: int) -> None:
    import _clinic_data

    from bookings import selectors
    from bookings.models import Appointment, Service

    shape = _clinic_data.make_clinic(wide=True)
    service = Service.objects.get(slug=shape["service"])
    first = date.fromisoformat(shape["first_day"])
    client = Client()

    def engine(days=28, therapist=None, svc=service):
        return selectors.free_slots(service=svc, therapist=therapist, first_day=first, days=days)

    def api(version: int, days=28, therapist=None, slug=shape["service"], kept=False):
        """v2 works its answer out (`Cache-Control: no-cache`) unless `kept`: then it is the answer
        kept in the cache for the same version and query."""
        params = {"service": slug, "from": first.isoformat(), "days": days}
        if therapist:
            params["therapist"] = therapist
        headers = {} if kept else {"Cache-Control": "no-cache"}
        response = client.get(f"/api/v{version}/availability", params, headers=headers)
        assert response.status_code == 200, response.content[:300]
        return response

    one = service.therapists.get(pk=shape["therapist"])
    print(f"load before: {uptime()}")
    print(f"database: {connection.vendor}; {len(engine())} slots any x 28 days")
    rows = []

    def row(name, fn, base=None, of="engine"):
        median, p95, fastest = timed(fn, runs)
        ratio = f"{median / base[0]:.2f} x {of} (fastest {fastest / base[1]:.2f} x)" if base else ""
        rows.append((name, median, p95, fastest, ratio, load_1m()))
        return median, fastest

    busy28 = row("busy-interval query alone (any x 28 days)", lambda: list(busy_query(service, first)))
    base28 = row("engine any x 28 days", engine)
    row("API v1 any x 28 days", lambda: api(1), base28)
    v2_28 = row("API v2 any x 28 days", lambda: api(2), base28)
    row("API v2 any x 28 days, kept", lambda: api(2, kept=True), base28)
    base7 = row("engine one x 7 days", lambda: engine(7, one))
    row("API v1 one x 7 days", lambda: api(1, 7, one.pk), base7)
    row("API v2 one x 7 days", lambda: api(2, 7, one.pk), base7)
    row("API v2 one x 7 days, kept", lambda: api(2, 7, one.pk, kept=True), base7)
    wide = Service.objects.get(slug="psoas-wide")
    base_wide = row("engine 50 x 62 days", lambda: engine(62, svc=wide))
    row("API v1 50 x 62 days", lambda: api(1, 62, slug="psoas-wide"), base_wide)
    row("API v2 50 x 62 days", lambda: api(2, 62, slug="psoas-wide"), base_wide)
    row("API v2 50 x 62 days, kept", lambda: api(2, 62, slug="psoas-wide", kept=True), base_wide)
    print_rows(rows)
    v1_size = len(api(1, 62, slug="psoas-wide").content)
    v2_size = len(api(2, 62, slug="psoas-wide").content)
    print(
        f"50 x 62 days: {len(engine(62, svc=wide))} slots; v1 {v1_size / 1000:.0f} KB, v2 {v2_size / 1000:.0f} KB"
    )

    started = time.perf_counter()
    _clinic_data.add_history(history)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE bookings_appointment")
    print(
        f"\nadded {history} past appointments in every status in {time.perf_counter() - started:.0f} s "
        f"({Appointment.objects.count()} in all)"
    )
    rows = []
    after_busy = row(
        "busy-interval query alone, with history",
        lambda: list(busy_query(service, first)),
        busy28,
        of="without",
    )
    after = row("engine any x 28 days, with history", engine, base28, of="without")
    after_v2 = row("API v2 any x 28 days, with history", lambda: api(2), v2_28, of="without")
    print_rows(rows)
    for label, (median, fastest), (was_median, was_fastest) in (
        ("the busy-interval query", after_busy, busy28),
        ("the engine", after, base28),
        ("v2", after_v2, v2_28),
    ):
        print(
            f"history adds {100 * (median / was_median - 1):+.1f} % to {label} "
            f"(fastest run: {100 * (fastest / was_fastest - 1):+.1f} %)"
        )
    print_plan(service, first)
    print(f"\nload after: {uptime()}")


def print_rows(rows) -> None:
    print("| in-process | median ms | p95 ms | fastest ms | median ratio (fastest) | load 1 min |")
    print("|---|---:|---:|---:|---|---:|")
    for name, median, p95, fastest, ratio, load in rows:
        print(f"| {name} | {median:.1f} | {p95:.1f} | {fastest:.1f} | {ratio} | {load:.2f} |")


def busy_query(service, first: date):
    """The one query whose cost could grow with history: the busy intervals of any x 28 days."""
    from bookings import selectors
    from bookings.selectors import clinic_zone

    tz = clinic_zone()
    start = datetime.combine(first - timedelta(days=1), dtime.min, tzinfo=tz)
    end = datetime.combine(first + timedelta(days=29), dtime.min, tzinfo=tz)
    ids = list(service.therapists.values_list("pk", flat=True))
    busy = selectors.busy_appointments(therapist_ids=ids, start=start, end=end)
    return busy.values_list("start", "blocks_until", "therapist_id", "status", "hold_expires_at")


def print_plan(service, first: date) -> None:
    print("\nplan of the busy-interval query:")
    query = busy_query(service, first)
    print(query.explain(**({"analyze": True} if connection.vendor == "postgresql" else {})))


if __name__ == "__main__":
    main()
