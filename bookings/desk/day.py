"""What the front desk's day list shows: the appointments of one day or one week (Monday to Sunday),
how many there are of each status, the clinic's closures and the therapists' time off on those days,
and which day to open on when today the clinic is closed. A fixed number of queries for any range."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q

from clinic.models import Therapist

from ..models import Appointment, Closure, Status, TimeOff, WeeklyHours
from ..selectors import clinic_zone

# How far ahead the list looks for a working day when today the clinic is closed.
WORKING_DAY_SEARCH_DAYS = 62


@dataclass(frozen=True)
class Absence:
    """A therapist's time off as the desk sees it on one day: who and when, never why (a reason may be
    an illness)."""

    therapist: str
    start: datetime
    end: datetime
    all_day: bool


@dataclass
class DaySheet:
    day: date
    appointments: list[Appointment] = field(default_factory=list)
    closures: list[Closure] = field(default_factory=list)
    absences: list[Absence] = field(default_factory=list)

    @property
    def closed(self) -> bool:
        return bool(self.closures)


@dataclass
class StatusCount:
    status: str
    label: str
    count: int


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clinic_zone())


def closed_days(first: date, last: date) -> dict[date, list[Closure]]:
    """The days from `first` to `last` on which the clinic is closed, with the closures saying why."""
    days: dict[date, list[Closure]] = {}
    for closure in Closure.objects.filter(first_day__lte=last, last_day__gte=first).order_by("first_day"):
        day = max(closure.first_day, first)
        while day <= min(closure.last_day, last):
            days.setdefault(day, []).append(closure)
            day += timedelta(days=1)
    return days


def next_working_day(today: date, *, therapist: Therapist | None = None) -> tuple[date, str]:
    """`today`, or the first day after it on which the clinic is open and some active therapist (or
    `therapist`) has hours (a weekend nobody works, a bank holiday), with why today is closed ("" when
    it is open or nobody works). Two queries. `today` if no working day is found ahead."""
    last = today + timedelta(days=WORKING_DAY_SEARCH_DAYS)
    closed = closed_days(today, last)
    hours = WeeklyHours.objects.filter(therapist__active=True)
    if therapist is not None:
        hours = hours.filter(therapist=therapist)
    rota = list(
        hours.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=last))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .values_list("weekday", "valid_from", "valid_to")
    )
    reason = "; ".join(closure.reason for closure in closed.get(today, []))
    day = today
    while day <= last:
        if day not in closed and any(
            weekday == day.weekday() and (not start or start <= day) and (not end or day <= end)
            for weekday, start, end in rota
        ):
            return day, reason
        day += timedelta(days=1)
    return today, reason


def week_of(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def day_sheets(
    *, first: date, last: date, therapist: Therapist | None = None, status: str = ""
) -> tuple[list[DaySheet], list[StatusCount]]:
    """One sheet per day from `first` to `last` (appointments by start, closures, time off) and the
    number of appointments of each status in the whole range. The counts ignore `status` (they are how
    the desk picks one), not `therapist`. Three queries."""
    tz = clinic_zone()
    start, end = _local_midnight(first), _local_midnight(last + timedelta(days=1))
    appointments = Appointment.objects.select_related("therapist", "service", "patient").filter(
        start__gte=start, start__lt=end
    )
    time_off = TimeOff.objects.select_related("therapist").filter(start__lt=end, end__gt=start)
    if therapist is not None:
        appointments = appointments.filter(therapist=therapist)
        time_off = time_off.filter(therapist=therapist)
    appointments = list(appointments.order_by("start", "therapist__display_name", "pk"))
    counts = Counter(a.status for a in appointments)
    sheets = {
        first + timedelta(days=n): DaySheet(first + timedelta(days=n)) for n in range((last - first).days + 1)
    }
    for appointment in appointments:
        if not status or appointment.status == status:
            sheets[appointment.start.astimezone(tz).date()].appointments.append(appointment)
    for day, closures in closed_days(first, last).items():
        sheets[day].closures = closures
    for off in time_off.order_by("start"):
        for day, sheet in sheets.items():
            day_start, day_end = _local_midnight(day), _local_midnight(day + timedelta(days=1))
            if off.start < day_end and off.end > day_start:
                sheet.absences.append(
                    Absence(
                        therapist=off.therapist.display_name,
                        start=max(off.start, day_start).astimezone(tz),
                        end=min(off.end, day_end).astimezone(tz),
                        all_day=off.start <= day_start and off.end >= day_end,
                    )
                )
    return list(sheets.values()), [
        StatusCount(value, label, counts[value]) for value, label in Status.choices if counts[value]
    ]
