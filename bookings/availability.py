"""The availability engine: free appointment slots computed from plain values.

This module decides whether a therapist can take a booking. Pages and the API list slots with
`free_slots`; the booking service checks a requested start with `is_bookable`, which asks the same
question for one therapist on one date, so the list and the check cannot disagree. Nothing here touches
the database: a loader reads rows for the whole date range and turns them into the frozen dataclasses
below.

Rules
-----
Working hours
    The engine walks the local dates ``first_day .. first_day + days - 1`` in the clinic zone ``tz``.
    For each date and therapist it takes the weekly windows whose weekday matches and whose
    ``valid_from``/``valid_to`` (both inclusive, ``None`` = unbounded) include the date, and turns each
    into absolute time: ``datetime.combine(d, window.start, tzinfo=tz)`` converted to UTC (fold=0),
    likewise the end. Candidate starts step by ``policy.slot_step`` *in absolute time* from the
    window's start, while ``start + service.duration <= window end``. Consequences:

    - on a DST change day a 09:00 window still opens at 09:00 local;
    - a window that the spring jump partly removes is shorter by the missing hour, and no slot starts
      at a local time inside the gap (a wall-clock time inside the gap is read with the offset before
      the jump, fold=0, so 02:30 in New York on 2026-03-08 means 03:30 EDT);
    - on the fall-back day the repeated hour is real time: an ambiguous wall-clock time means its first
      occurrence, slots never repeat an instant, and every slot lasts exactly ``duration``.

    A slot always starts on the local date it is listed under (a window is clipped to that date's
    instants, which only matters when a DST gap touches midnight).
Who can work
    A therapist is bookable on a date only if ``active`` and holding a licence whose kind is in
    ``service.licence_kinds`` and that is valid on that local date (``valid_from`` .. ``valid_until``,
    inclusive).
Appointments
    ``appointments`` are active appointments, each interval already *including its own buffer*. A
    candidate blocks ``[start, start + duration + service.buffer_after)`` and is free only if that
    half-open interval overlaps none of the therapist's appointment intervals, so back-to-back slots fit.
Time off and closures
    A ``time_off`` interval with a ``therapist_id`` blocks that therapist; with ``None`` it is a clinic
    closure and blocks everyone. Time off blocks ``[start, start + duration)``: the buffer after a
    session may run into time off or past closing.
Notice and horizon
    ``start >= now + policy.min_notice``, and the start's local date is at most ``now``'s local date plus
    ``policy.horizon_days``.
Several therapists ("any therapist")
    Slots of every therapist passed, sorted by ``(start, therapist_name, therapist_id)``; a
    ``(start, therapist)`` pair appears once even when windows overlap.
Invalid input
    ``ValueError`` for naive datetimes, ``days < 1``, a non-positive duration or slot step, a negative
    buffer, notice or horizon, an interval or window that does not end after it starts, a weekday
    outside 0..6. Intervals and windows of therapists not passed in are ignored.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "Interval",
    "Licence",
    "PolicyInput",
    "ServiceInput",
    "Slot",
    "TherapistInput",
    "WeeklyWindow",
    "free_slots",
    "free_times",
    "is_bookable",
]

_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value!r}")


@dataclass(frozen=True)
class WeeklyWindow:
    therapist_id: int
    weekday: int  # 0 = Monday ... 6 = Sunday (date.weekday())
    start: time  # local wall-clock time in the clinic zone
    end: time  # local, end > start (no windows across midnight)
    valid_from: date | None = None  # inclusive; None = no bound
    valid_to: date | None = None  # inclusive; None = no bound

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0..6, got {self.weekday}")
        if self.end <= self.start:
            raise ValueError(f"window must end after it starts: {self.start}-{self.end}")

    def applies_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


@dataclass(frozen=True)
class Interval:
    """A blocked span in absolute time (compared as instants, whatever the zone)."""

    start: datetime
    end: datetime
    therapist_id: int | None = None  # None = clinic-wide closure (blocks every therapist)

    def __post_init__(self) -> None:
        _require_aware(self.start, "Interval.start")
        _require_aware(self.end, "Interval.end")
        if self.end <= self.start:
            raise ValueError(f"interval must end after it starts: {self.start} - {self.end}")


@dataclass(frozen=True)
class Licence:
    kind: str
    valid_until: date  # inclusive: valid on that date
    valid_from: date | None = None  # inclusive

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and day <= self.valid_until


@dataclass(frozen=True)
class TherapistInput:
    id: int
    name: str
    active: bool
    licences: tuple[Licence, ...]

    def can_give(self, service: ServiceInput, day: date) -> bool:
        return self.active and any(
            licence.kind in service.licence_kinds and licence.valid_on(day) for licence in self.licences
        )


@dataclass(frozen=True)
class ServiceInput:
    duration: timedelta
    buffer_after: timedelta
    licence_kinds: frozenset[str]  # a therapist needs a licence of one of these kinds

    def __post_init__(self) -> None:
        if self.duration <= _ZERO:
            raise ValueError(f"duration must be positive, got {self.duration}")
        if self.buffer_after < _ZERO:
            raise ValueError(f"buffer_after must not be negative, got {self.buffer_after}")


@dataclass(frozen=True)
class PolicyInput:
    min_notice: timedelta
    horizon_days: int  # last bookable local date = local today + horizon_days
    slot_step: timedelta

    def __post_init__(self) -> None:
        if self.min_notice < _ZERO:
            raise ValueError(f"min_notice must not be negative, got {self.min_notice}")
        if self.horizon_days < 0:
            raise ValueError(f"horizon_days must not be negative, got {self.horizon_days}")
        if self.slot_step <= _ZERO:
            raise ValueError(f"slot_step must be positive, got {self.slot_step}")


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware, UTC
    end: datetime  # aware, UTC (start + duration, without buffer)
    therapist_id: int
    therapist_name: str


def free_slots(
    *,
    service: ServiceInput,
    therapists: Sequence[TherapistInput],
    windows: Iterable[WeeklyWindow],
    time_off: Iterable[Interval],
    appointments: Iterable[Interval],
    policy: PolicyInput,
    tz: ZoneInfo,
    first_day: date,
    days: int,
    now: datetime,
) -> list[Slot]:
    """Every free slot of `service` with any of `therapists` on the local dates
    ``first_day .. first_day + days - 1``, sorted by (start, therapist name, therapist id): the times
    of `free_times`, one `Slot` per therapist free at each (so no sort of the slots themselves)."""
    names: dict[int, str] = {}
    for therapist in therapists:
        names.setdefault(therapist.id, therapist.name)
    duration = service.duration
    return [
        Slot(start, start + duration, therapist_id, names[therapist_id])
        for start, therapist_ids in free_times(
            service=service,
            therapists=therapists,
            windows=windows,
            time_off=time_off,
            appointments=appointments,
            policy=policy,
            tz=tz,
            first_day=first_day,
            days=days,
            now=now,
        )
        for therapist_id in therapist_ids
    ]


def free_times(
    *,
    service: ServiceInput,
    therapists: Sequence[TherapistInput],
    windows: Iterable[WeeklyWindow],
    time_off: Iterable[Interval],
    appointments: Iterable[Interval],
    policy: PolicyInput,
    tz: ZoneInfo,
    first_day: date,
    days: int,
    now: datetime,
) -> list[tuple[datetime, list[int]]]:
    """The slots `free_slots` lists, grouped by start: each free start once (UTC, ascending) with the
    ids of the therapists free then, by name then id. A listing that names each time once needs no
    `Slot` per therapist and start, nor their sort."""
    engine = _Engine(
        service=service,
        therapists=therapists,
        windows=windows,
        time_off=time_off,
        appointments=appointments,
        policy=policy,
        tz=tz,
        now=now,
    )
    by_name = sorted(engine.therapists, key=lambda therapist: (therapist.name, therapist.id))
    times: dict[datetime, list[int]] = {}
    for day in engine.days(first_day, days):
        for therapist in by_name:
            for start in engine.starts(therapist, day):
                free = times.get(start)
                if free is None:
                    times[start] = [therapist.id]
                else:
                    free.append(therapist.id)
    return sorted(times.items())


def is_bookable(
    *,
    start: datetime,
    therapist_id: int,
    service: ServiceInput,
    therapists: Sequence[TherapistInput],
    windows: Iterable[WeeklyWindow],
    time_off: Iterable[Interval],
    appointments: Iterable[Interval],
    policy: PolicyInput,
    tz: ZoneInfo,
    now: datetime,
) -> bool:
    """True if `start` is exactly one of the slots `free_slots` would list for that therapist on that
    local date: the booking service's check, so listing and booking cannot disagree."""
    _require_aware(start, "start")
    _require_aware(now, "now")
    therapist = next((t for t in therapists if t.id == therapist_id), None)
    if therapist is None:
        return False
    engine = _Engine(
        service=service,
        therapists=(therapist,),
        windows=windows,
        time_off=time_off,
        appointments=appointments,
        policy=policy,
        tz=tz,
        now=now,
    )
    start = start.astimezone(UTC)
    return start in engine.starts(therapist, start.astimezone(tz).date())


class _Busy:
    """Disjoint, sorted half-open spans, so one `bisect` answers "does [start, end) overlap any?"."""

    __slots__ = ("ends", "starts")

    def __init__(self, spans: Iterable[tuple[datetime, datetime]]) -> None:
        self.starts: list[datetime] = []
        self.ends: list[datetime] = []
        for start, end in sorted(spans):
            if self.ends and start <= self.ends[-1]:
                # Merging touching spans too is safe: anything overlapping the union overlaps a part.
                self.ends[-1] = max(self.ends[-1], end)
            else:
                self.starts.append(start)
                self.ends.append(end)

    def first_overlap_end(self, start: datetime, end: datetime) -> datetime | None:
        """The end of the span overlapping [start, end), or None when it is free."""
        i = bisect_right(self.ends, start)
        if i < len(self.starts) and self.starts[i] < end:
            return self.ends[i]
        return None


class _Engine:
    """Everything `free_slots` and `is_bookable` share, indexed once per call."""

    def __init__(
        self,
        *,
        service: ServiceInput,
        therapists: Sequence[TherapistInput],
        windows: Iterable[WeeklyWindow],
        time_off: Iterable[Interval],
        appointments: Iterable[Interval],
        policy: PolicyInput,
        tz: ZoneInfo,
        now: datetime,
    ) -> None:
        _require_aware(now, "now")
        self.service = service
        self.tz = tz
        self.step = policy.slot_step
        self.earliest = now.astimezone(UTC) + policy.min_notice
        self.last_day = now.astimezone(tz).date() + timedelta(days=policy.horizon_days)
        self._instants: dict[tuple[date, time], datetime] = {}

        unique: dict[int, TherapistInput] = {}
        for therapist in therapists:
            unique.setdefault(therapist.id, therapist)
        self.therapists = tuple(unique.values())

        self._windows: defaultdict[tuple[int, int], list[WeeklyWindow]] = defaultdict(list)
        for window in windows:
            if window.therapist_id in unique:
                self._windows[window.therapist_id, window.weekday].append(window)

        self._appointments = self._index(appointments, unique)
        self._time_off = self._index(time_off, unique)

    @staticmethod
    def _index(intervals: Iterable[Interval], therapists: dict[int, TherapistInput]) -> dict[int, _Busy]:
        everyone: list[tuple[datetime, datetime]] = []
        own: dict[int, list[tuple[datetime, datetime]]] = {therapist_id: [] for therapist_id in therapists}
        for interval in intervals:
            span = (interval.start.astimezone(UTC), interval.end.astimezone(UTC))
            if interval.therapist_id is None:
                everyone.append(span)
            elif interval.therapist_id in own:
                own[interval.therapist_id].append(span)
        return {therapist_id: _Busy(spans + everyone) for therapist_id, spans in own.items()}

    def days(self, first_day: date, days: int) -> Iterator[date]:
        """The local dates asked for, up to the horizon's last."""
        if days < 1:
            raise ValueError(f"days must be at least 1, got {days}")
        day = first_day
        last_day = min(first_day + timedelta(days=days - 1), self.last_day)
        while day <= last_day:
            yield day
            day += _ONE_DAY

    def _instant(self, day: date, wall: time) -> datetime:
        """`wall` on `day` in the clinic zone (fold=0), in UTC; cached, as rotas repeat the same times."""
        key = (day, wall)
        instant = self._instants.get(key)
        if instant is None:
            instant = self._instants[key] = datetime.combine(day, wall, tzinfo=self.tz).astimezone(UTC)
        return instant

    def _next_on_grid(self, origin: datetime, not_before: datetime) -> datetime:
        """The first ``origin + k * step`` (k >= 0) at or after `not_before`."""
        if not_before <= origin:
            return origin
        return origin - ((origin - not_before) // self.step) * self.step

    def starts(self, therapist: TherapistInput, day: date) -> list[datetime]:
        """Free starts (UTC, ascending) for `therapist` on local date `day`."""
        if day > self.last_day or not therapist.can_give(self.service, day):
            return []
        windows = [w for w in self._windows.get((therapist.id, day.weekday()), ()) if w.applies_on(day)]
        if not windows:
            return []
        duration = self.service.duration
        blocked = duration + self.service.buffer_after
        step = self.step
        appointments = self._appointments[therapist.id]
        time_off = self._time_off[therapist.id]
        day_begins = self._instant(day, time.min)
        day_ends = self._instant(day + _ONE_DAY, time.min)

        found: list[datetime] = []
        for window in windows:
            origin = self._instant(day, window.start)
            last = min(self._instant(day, window.end), day_ends) - duration
            start = self._next_on_grid(origin, max(self.earliest, day_begins))
            while start <= last:
                busy_until = appointments.first_overlap_end(start, start + blocked)
                if busy_until is None:
                    busy_until = time_off.first_overlap_end(start, start + duration)
                if busy_until is None:
                    found.append(start)
                    start += step
                else:
                    # Every grid start before the blocking span ends overlaps it too, so skip them.
                    start = self._next_on_grid(origin, busy_until)
        if len(windows) > 1:
            found = sorted(set(found))
        return found
