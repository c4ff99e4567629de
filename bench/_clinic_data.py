"""The benchmarks' clinic (imported after django.setup()): the issue's data shape, dated from today.

- `psoas-60`: 10 therapists, Monday to Saturday 09:00-12:30 and 13:30-18:00 for the coming nine weeks,
  and 1,000 confirmed appointments over the first 28 days (60 minutes plus a 15-minute buffer).
- `psoas-wide` (with `wide=True`): 50 therapists over 62 days, for the size of the largest answer.
- `add_history`: past appointments in every status, as years of use leave them.
- `session_for`: a signed-in session, as a browser holds one, for simulated patients and staff.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from datetime import time as dtime

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from bookings.models import Appointment, Service, Status, WeeklyHours
from bookings.selectors import clinic_zone
from clinic.models import ClinicPolicy, Licence, LicenceType, Therapist, User
from clinic.sessions import SEEN_KEY, STARTED_KEY

PAST_STATUSES = [
    Status.COMPLETED,
    Status.COMPLETED,
    Status.COMPLETED,
    Status.CONFIRMED,  # left confirmed: the case that used to cost a full scan
    Status.CANCELLED,
    Status.NO_SHOW,
    Status.EXPIRED,
    Status.DECLINED,
]


def first_day() -> date:
    """Tomorrow in the clinic's zone: the 28 days from here are all inside the booking horizon."""
    return timezone.now().astimezone(clinic_zone()).date() + timedelta(days=1)


def _therapists(service: Service, count: int, prefix: str, start: date, weeks: int) -> list[Therapist]:
    kind = LicenceType.objects.order_by("pk").first()
    therapists = []
    for i in range(count):
        user = User.objects.create_user(email=f"{prefix}{i}@bench.example", password=None)
        therapist = Therapist.objects.create(user=user, display_name=f"{prefix.title()} {i:02d}")
        Licence.objects.create(
            therapist=therapist,
            licence_type=kind,
            number=f"{prefix}-{i}",
            issuing_body="Bench",
            expires_on=date(2099, 1, 1),
        )
        WeeklyHours.objects.bulk_create(
            WeeklyHours(
                therapist=therapist,
                weekday=weekday,
                start_time=begin,
                end_time=end,
                valid_from=start,
                valid_to=start + timedelta(weeks=weeks),
            )
            for weekday in range(6)
            for begin, end in ((dtime(9), dtime(12, 30)), (dtime(13, 30), dtime(18)))
        )
        therapists.append(therapist)
    service.therapists.add(*therapists)
    return therapists


def _service(slug: str) -> Service:
    service = Service.objects.create(
        name=f"Psoas {slug}", slug=slug, duration_minutes=60, buffer_minutes=15, price=70
    )
    service.licence_types.set(LicenceType.objects.all())
    return service


def _appointment(patient: User, therapist: Therapist, service: Service, begin: datetime, status: str):
    """One of `psoas-60`'s visits: 60 minutes, then the 15-minute buffer."""
    return Appointment(
        patient=patient,
        therapist=therapist,
        service=service,
        start=begin,
        end=begin + timedelta(minutes=60),
        blocks_until=begin + timedelta(minutes=75),
        status=status,
    )


def make_clinic(*, wide: bool = False, appointments: int = 1000) -> dict:
    """The data shape above; returns the slugs, therapist ids and patients."""
    start = first_day()
    policy = ClinicPolicy.get()
    policy.horizon_days = 90  # 62 days from tomorrow stay inside it
    policy.save()
    tz = clinic_zone()
    service = _service("psoas-60")
    therapists = _therapists(service, 10, "therapist", start, weeks=9)
    patients = [User.objects.create_user(email=f"p{i}@bench.example", password=None) for i in range(10)]
    rows = []
    for i in range(appointments):
        t_idx, k = i % 10, i // 10  # k: 0..99 -> 28 days x 4 slots, skipping Sundays' empty hours
        day = start + timedelta(days=k % 28)
        begin = datetime.combine(day, dtime(9), tzinfo=tz) + timedelta(minutes=75 * (k // 28))
        rows.append(_appointment(patients[t_idx], therapists[t_idx], service, begin, Status.CONFIRMED))
    Appointment.objects.bulk_create(rows, batch_size=1000)
    found = {"service": service.slug, "therapist": therapists[0].pk, "first_day": start.isoformat()}
    if wide:
        _therapists(_service("psoas-wide"), 50, "wide", start, weeks=10)
        found["wide"] = "psoas-wide"
    return found


def add_history(n: int = 50_000) -> None:
    """`n` past appointments of the 10 `psoas-60` therapists, in every status, going back from
    yesterday (seven a day each, so none overlap: some are still 'confirmed')."""
    tz = clinic_zone()
    service = Service.objects.get(slug="psoas-60")
    therapists = list(service.therapists.order_by("pk"))
    patients = [
        User.objects.create_user(email=f"past{i}@bench.example", password=None)
        for i in range(len(therapists))
    ]
    yesterday = first_day() - timedelta(days=2)
    rows = []
    for i in range(n):
        t_idx, k = i % len(therapists), i // len(therapists)
        day = yesterday - timedelta(days=k // 7)
        begin = datetime.combine(day, dtime(9), tzinfo=tz) + timedelta(minutes=75 * (k % 7))
        status = PAST_STATUSES[k % len(PAST_STATUSES)]
        rows.append(_appointment(patients[t_idx], therapists[t_idx], service, begin, status))
        if len(rows) == 5000:
            Appointment.objects.bulk_create(rows)
            rows = []
    Appointment.objects.bulk_create(rows)


def session_for(user: User, **extra) -> str:
    """The key of a new signed-in session of `user` (the cookie `sessionid`), with `extra` in it."""
    store = SessionStore()
    now = timezone.now().timestamp()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]  # as a login through it stores
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[STARTED_KEY] = now
    store[SEEN_KEY] = now
    for key, value in extra.items():
        store[key] = value
    store.create()
    return store.session_key
