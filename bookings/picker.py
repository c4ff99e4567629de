"""The slot picker: the free slots of a whole booking horizon, shaped for a page. A week strip of days
with how many times each has, the chosen day's times grouped into morning, afternoon and evening, and
the days to jump to. Pure: it takes the engine's slots, so the selector that feeds it
(`selectors.slot_picker`) stays at the engine loader's fixed number of queries.

With "any therapist" a start time appears once, whoever is free then; `SlotTime.options` keeps who is,
for a patient who expands the time to choose, and the booking service picks one fairly
(`services.appointment_book_any`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .availability import Slot

# Local wall-clock boundaries of the parts of the day (a start at 12:00 is in the afternoon).
PARTS_OF_DAY: tuple[tuple[str, time], ...] = (
    ("Morning", time(0)),
    ("Afternoon", time(12)),
    ("Evening", time(17)),
)
WEEK = 7


@dataclass(frozen=True)
class DayCount:
    day: date
    count: int  # distinct start times that day (for one therapist: that therapist's free starts)
    bookable: bool  # inside today .. the horizon's last day


@dataclass(frozen=True)
class SlotTime:
    start: datetime  # aware, UTC
    local: datetime  # the same instant in the clinic's zone
    options: tuple[Slot, ...]  # every therapist free at this start, by name


@dataclass(frozen=True)
class PartOfDay:
    name: str
    times: tuple[SlotTime, ...]


@dataclass(frozen=True)
class SlotPicker:
    day: date
    today: date
    last_day: date
    week: tuple[DayCount, ...]  # the week (Monday..Sunday) holding `day`
    parts: tuple[PartOfDay, ...]  # only the parts of `day` that have times
    first_available: date | None
    next_available: date | None  # the first day after `day` with times
    previous_available: date | None  # the last day before `day` with times

    @property
    def has_times(self) -> bool:
        return bool(self.parts)

    @property
    def previous_week(self) -> date | None:
        start = self.week[0].day - timedelta(days=1)
        return start if start >= self.today else None

    @property
    def next_week(self) -> date | None:
        start = self.week[-1].day + timedelta(days=1)
        return start if start <= self.last_day else None


def _part_of(local: time) -> str:
    name = PARTS_OF_DAY[0][0]
    for part, begins in PARTS_OF_DAY:
        if local >= begins:
            name = part
    return name


def build_slot_picker(
    slots: list[Slot], *, day: date | None, today: date, last_day: date, tz: ZoneInfo
) -> SlotPicker:
    """Shape `slots` (every free slot from `today` to `last_day`) for `day`; `day=None` means the first
    day with times (today when there is none)."""
    by_day: defaultdict[date, dict[datetime, list[Slot]]] = defaultdict(dict)
    for slot in slots:
        local_day = slot.start.astimezone(tz).date()
        by_day[local_day].setdefault(slot.start, []).append(slot)
    available = sorted(by_day)
    first = available[0] if available else None
    if day is None:
        day = first or today
    monday = day - timedelta(days=day.weekday())
    week = tuple(
        DayCount(
            day=d,
            count=len(by_day.get(d, ())),
            bookable=today <= d <= last_day,
        )
        for d in (monday + timedelta(days=i) for i in range(WEEK))
    )
    grouped: dict[str, list[SlotTime]] = {name: [] for name, _ in PARTS_OF_DAY}
    for start, options in sorted(by_day.get(day, {}).items()):
        local = start.astimezone(tz)
        grouped[_part_of(local.time())].append(
            SlotTime(start=start, local=local, options=tuple(sorted(options, key=_by_name)))
        )
    parts = tuple(PartOfDay(name, tuple(times)) for name, times in grouped.items() if times)
    return SlotPicker(
        day=day,
        today=today,
        last_day=last_day,
        week=week,
        parts=parts,
        first_available=first,
        next_available=next((d for d in available if d > day), None),
        previous_available=next((d for d in reversed(available) if d < day), None),
    )


def _by_name(slot: Slot) -> tuple[str, int]:
    return (slot.therapist_name, slot.therapist_id)
