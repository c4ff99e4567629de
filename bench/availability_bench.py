"""Benchmark: a 28-day "any therapist" availability call, in-process, with 10 therapists, 8 weeks of hours
and 1,000 active appointments. Target: median under 50 ms.

    .venv/bin/python bench/availability_bench.py                     # throwaway SQLite file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic_bench .venv/bin/python bench/availability_bench.py

Not part of the test run. It creates its own database (and, on PostgreSQL, drops it afterwards).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
tmp = tempfile.mkdtemp()
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
os.environ["DJANGO_SETTINGS_MODULE"] = "clinic.settings.test"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def main() -> None:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run() -> None:
    from bookings import selectors
    from bookings.models import Appointment, Service, Status, WeeklyHours
    from clinic.models import Licence, LicenceType, Therapist, User

    tz = ZoneInfo("Europe/London")
    first_day = date(2030, 3, 4)  # a Monday; 28 days from here crosses the spring DST change
    service = Service.objects.create(
        name="Psoas 60", slug="psoas-60", duration_minutes=60, buffer_minutes=15, price=70
    )
    service.licence_types.set(LicenceType.objects.all())
    therapists = []
    for i in range(10):
        user = User.objects.create_user(email=f"t{i}@bench.example", password=None)
        t = Therapist.objects.create(user=user, display_name=f"Therapist {i:02d}")
        Licence.objects.create(
            therapist=t,
            licence_type=LicenceType.objects.first(),
            number=f"B{i}",
            issuing_body="Bench",
            expires_on=date(2099, 1, 1),
        )
        for weekday in range(6):
            WeeklyHours.objects.create(
                therapist=t,
                weekday=weekday,
                start_time=dtime(9),
                end_time=dtime(12, 30),
                valid_from=first_day,
                valid_to=first_day + timedelta(weeks=8),
            )
            WeeklyHours.objects.create(
                therapist=t,
                weekday=weekday,
                start_time=dtime(13, 30),
                end_time=dtime(18),
                valid_from=first_day,
                valid_to=first_day + timedelta(weeks=8),
            )
        service.therapists.add(t)
        therapists.append(t)
    patients = [User.objects.create_user(email=f"p{i}@bench.example", password=None) for i in range(10)]
    rows = []
    for i in range(1000):
        t_idx, k = i % 10, i // 10  # k: 0..99 -> 28 days x 4 slots
        start = datetime.combine(first_day + timedelta(days=k % 28), dtime(9), tzinfo=tz) + timedelta(
            minutes=75 * (k // 28)
        )
        rows.append(
            Appointment(
                patient=patients[t_idx],
                therapist=therapists[t_idx],
                service=service,
                start=start,
                end=start + timedelta(minutes=60),
                blocks_until=start + timedelta(minutes=75),
                status=Status.CONFIRMED,
            )
        )
    Appointment.objects.bulk_create(rows)

    now = datetime.combine(first_day, dtime(6), tzinfo=tz)
    timings = []
    for _ in range(30):
        started = time.perf_counter()
        slots = selectors.free_slots(service=service, therapist=None, first_day=first_day, days=28, now=now)
        timings.append((time.perf_counter() - started) * 1000)
    print(f"database: {connection.vendor}")
    print(f"slots returned: {len(slots)}")
    print(
        f"28-day any-therapist availability, 30 runs: median {statistics.median(timings):.1f} ms, "
        f"p95 {sorted(timings)[int(len(timings) * 0.95) - 1]:.1f} ms, min {min(timings):.1f} ms"
    )


if __name__ == "__main__":
    main()
