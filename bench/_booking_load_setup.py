"""Seeds the load-test database and prints the slot and the 200 session keys as JSON (run by booking_load.py)."""

from __future__ import annotations

import json
import sys
from datetime import datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import django

django.setup()

import _clinic_data  # noqa: E402
from django.utils import timezone  # noqa: E402

from bookings.models import Service, WeeklyHours  # noqa: E402
from bookings.selectors import clinic_zone  # noqa: E402
from clinic.models import Licence, LicenceType, Therapist, User  # noqa: E402


def main(n: int) -> None:
    service = Service.objects.create(
        name="Psoas 60", slug="psoas-60", duration_minutes=60, buffer_minutes=15, price=70
    )
    service.licence_types.set(LicenceType.objects.all())
    user = User.objects.create_user(email="therapist@load.example", password=None)
    therapist = Therapist.objects.create(user=user, display_name="Load Therapist")
    Licence.objects.create(
        therapist=therapist,
        licence_type=LicenceType.objects.first(),
        number="L1",
        issuing_body="Load",
        expires_on=timezone.localdate() + timedelta(days=365),
    )
    service.therapists.add(therapist)
    for weekday in range(7):
        WeeklyHours.objects.create(
            therapist=therapist, weekday=weekday, start_time=time(8), end_time=time(18)
        )
    tz = clinic_zone()
    start = datetime.combine(timezone.now().astimezone(tz).date() + timedelta(days=3), time(10), tzinfo=tz)
    sessions = [
        _clinic_data.session_for(User.objects.create_user(email=f"patient{i}@load.example", password=None))
        for i in range(n)
    ]
    print(
        json.dumps(
            {
                "service": service.slug,
                "therapist": therapist.pk,
                "start": start.isoformat(),
                "sessions": sessions,
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]))
