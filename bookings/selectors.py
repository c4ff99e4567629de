"""Reads that span several relations: the inputs of the availability engine, loaded in a fixed number
of queries for a whole date range, whatever the number of therapists or appointments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, Q
from django.utils import timezone

from clinic.models import ClinicPolicy, Licence, Therapist

from . import availability as engine
from . import picker
from .models import (
    ACTIVE_STATUSES,
    INACTIVE_STATUSES,
    Appointment,
    Closure,
    Service,
    Status,
    TimeOff,
    WeeklyHours,
)


def clinic_zone() -> ZoneInfo:
    return ZoneInfo(settings.CLINIC_TIME_ZONE)


def blocking_appointments():
    """Appointments that hold a therapist's (and patient's) time now: active, and not a lapsed hold."""
    now = timezone.now()
    return Appointment.objects.filter(status__in=ACTIVE_STATUSES).exclude(
        status=Status.HELD, hold_expires_at__lte=now
    )


def busy_appointments(*, therapist_ids, start: datetime, end: datetime):
    """The blocking appointments of these therapists whose time, buffer included, overlaps
    [start, end): the availability engine's busy intervals and the booking check's clash.

    Read through the index `appt_busy_interval` (therapist, blocks_until, ...), so appointments that
    ended before `start` cost nothing however many there are and whatever their status. "Active" is
    written as "none of the inactive statuses" (the same rows: a constraint allows no other status)
    because SQLite, which keeps no statistics, would otherwise pick `appt_status_start` for a list of
    therapists and read every past appointment still marked confirmed."""
    return (
        Appointment.objects.exclude(status__in=INACTIVE_STATUSES)
        .exclude(status=Status.HELD, hold_expires_at__lte=timezone.now())
        .filter(therapist_id__in=therapist_ids, start__lt=end, blocks_until__gt=start)
        .order_by()
    )


def appointments_on_days(first_day: date, last_day: date):
    """Blocking appointments that touch the clinic's local days `first_day`..`last_day` (a closure)."""
    tz = clinic_zone()
    start = datetime.combine(first_day, time.min, tzinfo=tz)
    end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=tz)
    return (
        blocking_appointments()
        .filter(start__lt=end, end__gt=start)
        .select_related("patient", "service", "therapist")
        .order_by("start", "pk")
    )


def appointments_in_time_off(therapist_id: int, start: datetime, end: datetime):
    """The therapist's blocking appointments that overlap time off from `start` to `end`."""
    return (
        blocking_appointments()
        .filter(therapist_id=therapist_id, start__lt=end, end__gt=start)
        .select_related("patient", "service", "therapist")
        .order_by("start", "pk")
    )


@dataclass(frozen=True)
class AvailabilityInputs:
    service: engine.ServiceInput
    therapists: tuple[engine.TherapistInput, ...]
    windows: tuple[engine.WeeklyWindow, ...]
    time_off: tuple[engine.Interval, ...]
    appointments: tuple[engine.Interval, ...]
    policy: engine.PolicyInput
    tz: ZoneInfo
    holds_lapse_at: datetime | None = None  # the first of the loaded holds to lapse (it frees time)

    def engine_kwargs(self) -> dict:
        """The engine's keyword arguments that come from the database."""
        return {
            "service": self.service,
            "therapists": self.therapists,
            "windows": self.windows,
            "time_off": self.time_off,
            "appointments": self.appointments,
            "policy": self.policy,
            "tz": self.tz,
        }


def policy_input(policy: ClinicPolicy) -> engine.PolicyInput:
    return engine.PolicyInput(
        min_notice=timedelta(hours=policy.min_notice_hours),
        horizon_days=policy.horizon_days,
        slot_step=timedelta(minutes=policy.slot_step_minutes),
    )


def load_availability_inputs(
    *,
    service: Service,
    therapist: Therapist | None,
    first_day: date,
    days: int,
    exclude_appointment_id: int | None = None,
) -> AvailabilityInputs:
    """Everything the engine needs for `days` local days from `first_day`, in eight queries: the policy,
    the therapists, their licences, the service's licence types, weekly hours, time off, closures and
    the appointments that block time."""
    tz = clinic_zone()
    policy = ClinicPolicy.get()
    # A day of margin on both sides covers any UTC offset.
    range_start = datetime.combine(first_day - timedelta(days=1), time.min, tzinfo=tz)
    range_end = datetime.combine(first_day + timedelta(days=days + 1), time.min, tzinfo=tz)

    therapists_qs = (
        Therapist.objects.filter(services=service)
        .prefetch_related(Prefetch("licences", queryset=Licence.objects.select_related("licence_type")))
        .order_by("display_name", "pk")
    )
    if therapist is not None:
        therapists_qs = therapists_qs.filter(pk=therapist.pk)
    therapists = list(therapists_qs)
    ids = [t.pk for t in therapists]
    kinds = frozenset(service.licence_types.values_list("code", flat=True))

    windows = tuple(
        engine.WeeklyWindow(
            therapist_id=w.therapist_id,
            weekday=w.weekday,
            start=w.start_time,
            end=w.end_time,
            valid_from=w.valid_from,
            valid_to=w.valid_to,
        )
        for w in WeeklyHours.objects.filter(therapist_id__in=ids)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=first_day + timedelta(days=days)))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first_day))
    )
    time_off = [
        engine.Interval(start=t.start, end=t.end, therapist_id=t.therapist_id)
        for t in TimeOff.objects.filter(therapist_id__in=ids, start__lt=range_end, end__gt=range_start)
    ]
    for closure in Closure.objects.filter(
        first_day__lte=first_day + timedelta(days=days), last_day__gte=first_day
    ):
        time_off.append(
            engine.Interval(
                start=datetime.combine(closure.first_day, time.min, tzinfo=tz),
                end=datetime.combine(closure.last_day + timedelta(days=1), time.min, tzinfo=tz),
                therapist_id=None,
            )
        )
    busy = busy_appointments(therapist_ids=ids, start=range_start, end=range_end)
    if exclude_appointment_id is not None:
        busy = busy.exclude(pk=exclude_appointment_id)
    rows = list(busy.values_list("start", "blocks_until", "therapist_id", "status", "hold_expires_at"))
    appointments = tuple(engine.Interval(start=s, end=e, therapist_id=t) for s, e, t, *_ in rows)
    holds_lapse_at = min(
        (lapse for *_, status, lapse in rows if status == Status.HELD and lapse is not None), default=None
    )
    return AvailabilityInputs(
        service=engine.ServiceInput(
            duration=service.duration, buffer_after=service.buffer, licence_kinds=kinds
        ),
        therapists=tuple(
            engine.TherapistInput(
                id=t.pk,
                name=t.display_name,
                active=t.active,
                licences=tuple(
                    engine.Licence(
                        kind=lic.licence_type.code, valid_until=lic.expires_on, valid_from=lic.valid_from
                    )
                    for lic in t.licences.all()
                ),
            )
            for t in therapists
        ),
        windows=windows,
        time_off=tuple(time_off),
        appointments=appointments,
        policy=policy_input(policy),
        tz=tz,
        holds_lapse_at=holds_lapse_at,
    )


def free_slots(
    *, service: Service, therapist: Therapist | None, first_day: date, days: int, now: datetime | None = None
) -> list[engine.Slot]:
    """The free slots patients and the API see. `therapist=None` means any therapist for the service."""
    inputs = load_availability_inputs(service=service, therapist=therapist, first_day=first_day, days=days)
    return engine.free_slots(
        **inputs.engine_kwargs(), first_day=first_day, days=days, now=now or timezone.now()
    )


@dataclass(frozen=True)
class TimesListing:
    """Free times grouped by start (`availability.free_times`), the names of the therapists they
    list, and the instant from which the clock alone may change them (UTC)."""

    times: list[tuple[datetime, list[int]]]
    names: dict[int, str]
    fresh_until: datetime


def free_times_listing(
    *, service: Service, therapist: Therapist | None, first_day: date, days: int, now: datetime | None = None
) -> TimesListing:
    """The free slots, each start once with the therapists free then, and until when they stay as
    they are if no write changes the data. With time alone they change only when the first start
    falls inside the minimum notice, a hold lapses, or the local date changes (a new first day when
    none was given, one more day inside the horizon)."""
    now = now or timezone.now()
    inputs = load_availability_inputs(service=service, therapist=therapist, first_day=first_day, days=days)
    times = engine.free_times(**inputs.engine_kwargs(), first_day=first_day, days=days, now=now)
    tz = inputs.tz
    changes = [datetime.combine(now.astimezone(tz).date() + timedelta(days=1), time.min, tzinfo=tz)]
    if times:
        changes.append(times[0][0] - inputs.policy.min_notice)
    if inputs.holds_lapse_at is not None:
        changes.append(inputs.holds_lapse_at)
    return TimesListing(
        times=times, names={t.id: t.name for t in inputs.therapists}, fresh_until=min(changes)
    )


def slot_is_bookable(
    *,
    service: Service,
    therapist: Therapist,
    start: datetime,
    now: datetime | None = None,
    exclude_appointment_id: int | None = None,
) -> bool:
    """The server-side check of a booking: the very same engine that lists the slots."""
    local_day = start.astimezone(clinic_zone()).date()
    inputs = load_availability_inputs(
        service=service,
        therapist=therapist,
        first_day=local_day,
        days=1,
        exclude_appointment_id=exclude_appointment_id,
    )
    return engine.is_bookable(
        **inputs.engine_kwargs(), start=start, therapist_id=therapist.pk, now=now or timezone.now()
    )


def public_therapists():
    """Active therapists with what their public pages show: licences (and kinds) and the active
    services they offer, in three queries whatever their number."""
    return Therapist.objects.active().prefetch_related(
        Prefetch("licences", queryset=Licence.objects.select_related("licence_type")),
        Prefetch("services", queryset=Service.objects.active(), to_attr="offered"),
    )


def public_services():
    """Active services with the active therapists who offer them, in two queries."""
    return Service.objects.active().prefetch_related(
        Prefetch(
            "therapists", queryset=Therapist.objects.active().order_by("display_name"), to_attr="offered_by"
        )
    )


@dataclass(frozen=True)
class FreeDay:
    day: date
    slots: tuple[engine.Slot, ...]


def next_free_days(
    *, service: Service, therapist: Therapist, days: int = 14, max_days: int = 3, per_day: int = 6
) -> list[FreeDay]:
    """The therapist's first `max_days` days with free times for `service` in the next `days` days
    (the same engine as the booking page), with at most `per_day` times each."""
    today = timezone.now().astimezone(clinic_zone()).date()
    found: dict[date, list[engine.Slot]] = {}
    slots = free_slots(service=service, therapist=therapist, first_day=today, days=days)
    for slot in sorted(slots, key=lambda s: s.start):
        local_day = slot.start.astimezone(clinic_zone()).date()
        if local_day not in found and len(found) == max_days:
            break
        found.setdefault(local_day, [])
        if len(found[local_day]) < per_day:
            found[local_day].append(slot)
    return [FreeDay(day=day, slots=tuple(slots)) for day, slots in found.items()]


def slot_picker(
    *, service: Service, therapist: Therapist | None, day: date | None, now: datetime | None = None
) -> picker.SlotPicker:
    """The slot picker for `day` (None: the first day with free times) over the whole booking horizon:
    the engine's loader reads the horizon at once, so the week strip and the "next available" jumps cost
    no query more than one day's slots."""
    now = now or timezone.now()
    tz = clinic_zone()
    today = now.astimezone(tz).date()
    last_day = today + timedelta(days=ClinicPolicy.get().horizon_days)
    slots = free_slots(
        service=service, therapist=therapist, first_day=today, days=(last_day - today).days + 1, now=now
    )
    if day is not None and day < today:
        day = today
    return picker.build_slot_picker(slots, day=day, today=today, last_day=last_day, tz=tz)


def therapists_free_at(*, service: Service, start: datetime, now: datetime | None = None) -> list[Therapist]:
    """The therapists of `service` free to start at `start`, the least booked on that local day first
    (then by name): how the clinic picks one for a patient who chose "any therapist"."""
    tz = clinic_zone()
    day = start.astimezone(tz).date()
    inputs = load_availability_inputs(service=service, therapist=None, first_day=day, days=1)
    free = [
        therapist.id
        for therapist in inputs.therapists
        if engine.is_bookable(
            **inputs.engine_kwargs(), start=start, therapist_id=therapist.id, now=now or timezone.now()
        )
    ]
    booked = dict.fromkeys(free, 0)
    for interval in inputs.appointments:
        if interval.therapist_id in booked and interval.start.astimezone(tz).date() == day:
            booked[interval.therapist_id] += 1
    names = {t.id: t.name for t in inputs.therapists}
    order = sorted(free, key=lambda pk: (booked[pk], names[pk], pk))
    by_pk = Therapist.objects.in_bulk(order)
    return [by_pk[pk] for pk in order]
