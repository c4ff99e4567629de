"""The availability engine as a pure function: no database, `now` passed in, so no clock to freeze."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookings.availability import (
    Interval,
    Licence,
    PolicyInput,
    ServiceInput,
    Slot,
    TherapistInput,
    WeeklyWindow,
    free_slots,
    free_times,
    is_bookable,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
MONDAY = date(2026, 6, 1)
MASSAGE = frozenset({"massage"})
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def local(day: date, hour: int, minute: int = 0, tz: ZoneInfo = LONDON, fold: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, fold=fold), tzinfo=tz)


def therapist(
    therapist_id: int = 1,
    name: str = "Ana",
    *,
    active: bool = True,
    licences: tuple[Licence, ...] = (Licence("massage", valid_until=date(2030, 1, 1)),),
) -> TherapistInput:
    return TherapistInput(id=therapist_id, name=name, active=active, licences=licences)


def window(day: date, start: time, end: time, therapist_id: int = 1, **validity: date | None) -> WeeklyWindow:
    return WeeklyWindow(therapist_id=therapist_id, weekday=day.weekday(), start=start, end=end, **validity)


def service(duration: int = 60, buffer: int = 0, kinds: frozenset[str] = MASSAGE) -> ServiceInput:
    return ServiceInput(duration=minutes(duration), buffer_after=minutes(buffer), licence_kinds=kinds)


def policy(notice: int = 0, horizon: int = 400, step: int = 30) -> PolicyInput:
    return PolicyInput(min_notice=minutes(notice), horizon_days=horizon, slot_step=minutes(step))


def defaults(overrides: dict) -> dict:
    kwargs = {
        "service": service(),
        "therapists": [therapist()],
        "windows": [window(MONDAY, time(9), time(12))],
        "time_off": (),
        "appointments": (),
        "policy": policy(),
        "tz": LONDON,
        "now": LONG_AGO,
    }
    kwargs.update(overrides)
    return kwargs


def slots(**overrides) -> list[Slot]:
    kwargs = defaults(overrides)
    kwargs.setdefault("first_day", MONDAY)
    kwargs.setdefault("days", 1)
    return free_slots(**kwargs)


def bookable(start: datetime, therapist_id: int = 1, **overrides) -> bool:
    return is_bookable(start=start, therapist_id=therapist_id, **defaults(overrides))


def wall(found: Iterable[Slot], tz: ZoneInfo = LONDON) -> list[str]:
    return [slot.start.astimezone(tz).strftime("%H:%M") for slot in found]


# --- the grid ---------------------------------------------------------------------------------------


def test_window_is_cut_into_starts_on_the_step_grid_that_fit_the_duration():
    assert wall(slots()) == ["09:00", "09:30", "10:00", "10:30", "11:00"]


def test_slot_step_of_fifteen_minutes_offers_every_quarter_hour():
    assert wall(slots(policy=policy(step=15), service=service(duration=90))) == [
        "09:00",
        "09:15",
        "09:30",
        "09:45",
        "10:00",
        "10:15",
        "10:30",
    ]


def test_slot_step_longer_than_duration_leaves_gaps_between_slots():
    assert wall(slots(policy=policy(step=45), service=service(duration=30))) == [
        "09:00",
        "09:45",
        "10:30",
        "11:15",
    ]


def test_slots_are_in_utc_and_end_after_the_duration_without_buffer():
    first = slots(service=service(duration=50, buffer=10))[0]
    assert first.start == datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # 09:00 BST
    assert first.start.utcoffset() == timedelta(0)
    assert first.end - first.start == minutes(50)
    assert (first.therapist_id, first.therapist_name) == (1, "Ana")


def test_split_windows_leave_the_lunch_break_free():
    found = slots(
        windows=[window(MONDAY, time(9), time(12, 30)), window(MONDAY, time(13, 30), time(18))],
        policy=policy(step=30),
    )
    assert wall(found) == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
        "11:30",
        "13:30",
        "14:00",
        "14:30",
        "15:00",
        "15:30",
        "16:00",
        "16:30",
        "17:00",
    ]


def test_overlapping_windows_do_not_list_a_start_twice():
    found = slots(windows=[window(MONDAY, time(9), time(11)), window(MONDAY, time(10), time(12))])
    assert wall(found) == ["09:00", "09:30", "10:00", "10:30", "11:00"]


def test_window_on_another_weekday_gives_nothing():
    assert slots(windows=[window(MONDAY + timedelta(days=1), time(9), time(12))]) == []


# --- appointments and buffers -----------------------------------------------------------------------


def test_back_to_back_after_an_appointment_without_buffer_is_offered():
    found = slots(
        service=service(duration=30),
        appointments=[Interval(local(MONDAY, 10), local(MONDAY, 10, 30), 1)],
        policy=policy(step=10),
    )
    assert "10:30" in wall(found)
    assert "09:30" in wall(found)  # ends exactly when the appointment starts
    assert "10:00" not in wall(found)


def test_slot_inside_buffer_of_previous_appointment_is_not_offered():
    # The existing 30-minute appointment carries a 10-minute buffer: [10:00, 10:40).
    found = wall(
        slots(
            service=service(duration=30),
            appointments=[Interval(local(MONDAY, 10), local(MONDAY, 10, 40), 1)],
            policy=policy(step=10),
        )
    )
    assert "10:30" not in found
    assert "10:40" in found


def test_slot_whose_own_buffer_runs_into_the_next_appointment_is_not_offered():
    found = wall(
        slots(
            service=service(duration=30, buffer=15),
            appointments=[Interval(local(MONDAY, 10), local(MONDAY, 10, 30), 1)],
            policy=policy(step=15),
        )
    )
    assert "09:30" not in found  # blocks [09:30, 10:15)
    assert "09:15" in found  # blocks [09:15, 10:00)


def test_appointment_of_another_therapist_does_not_block():
    found = slots(appointments=[Interval(local(MONDAY, 9), local(MONDAY, 12), 2)])
    assert wall(found) == ["09:00", "09:30", "10:00", "10:30", "11:00"]


def test_appointment_given_in_another_zone_is_compared_as_an_instant():
    # 05:00 in New York is 10:00 in London.
    appointment = Interval(local(MONDAY, 5, tz=NEW_YORK), local(MONDAY, 6, tz=NEW_YORK), 1)
    assert wall(slots(appointments=[appointment])) == ["09:00", "11:00"]


# --- time off and closures --------------------------------------------------------------------------


def test_therapist_time_off_blocks_overlapping_slots():
    found = slots(time_off=[Interval(local(MONDAY, 10), local(MONDAY, 11), 1)])
    assert wall(found) == ["09:00", "11:00"]


def test_time_off_of_another_therapist_does_not_block():
    found = slots(time_off=[Interval(local(MONDAY, 9), local(MONDAY, 12), 2)])
    assert len(found) == 5


def test_clinic_wide_closure_blocks_every_therapist():
    found = slots(
        therapists=[therapist(1, "Ana"), therapist(2, "Bea")],
        windows=[window(MONDAY, time(9), time(12), 1), window(MONDAY, time(9), time(12), 2)],
        time_off=[Interval(local(MONDAY, 9), local(MONDAY, 11), None)],
    )
    assert [(s.therapist_name, s.start.astimezone(LONDON).strftime("%H:%M")) for s in found] == [
        ("Ana", "11:00"),
        ("Bea", "11:00"),
    ]


def test_buffer_may_run_into_time_off():
    found = wall(
        slots(
            service=service(duration=30, buffer=15),
            time_off=[Interval(local(MONDAY, 10), local(MONDAY, 11), 1)],
        )
    )
    assert "09:30" in found


def test_buffer_may_run_past_closing_time():
    assert wall(slots(service=service(duration=30, buffer=30)))[-1] == "11:30"


# --- notice and horizon -----------------------------------------------------------------------------


def test_minimum_notice_hides_starts_that_are_too_soon():
    found = slots(
        windows=[window(MONDAY, time(9), time(17))],
        policy=policy(notice=120, step=15),
        now=local(MONDAY, 9, 10),
    )
    assert wall(found)[0] == "11:15"


def test_start_exactly_at_the_minimum_notice_is_offered():
    found = slots(policy=policy(notice=120), now=local(MONDAY, 9))
    assert wall(found) == ["11:00"]


def test_horizon_ends_on_local_today_plus_horizon_days():
    found = slots(
        windows=[WeeklyWindow(1, weekday, time(9), time(10)) for weekday in range(7)],
        policy=policy(horizon=2),
        now=local(MONDAY, 8),
        days=5,
    )
    assert sorted({s.start.astimezone(LONDON).date() for s in found}) == [
        MONDAY,
        MONDAY + timedelta(days=1),
        MONDAY + timedelta(days=2),
    ]


def test_horizon_counts_from_the_local_date_not_the_utc_date():
    # 02:00 UTC on Tuesday is still Monday 22:00 in New York, so the horizon starts from Monday.
    found = slots(
        tz=NEW_YORK,
        windows=[WeeklyWindow(1, weekday, time(9), time(10)) for weekday in range(7)],
        policy=policy(horizon=1),
        now=datetime(2026, 6, 2, 2, tzinfo=UTC),
        days=4,
    )
    assert sorted({s.start.astimezone(NEW_YORK).date() for s in found}) == [MONDAY + timedelta(days=1)]


# --- rotas ------------------------------------------------------------------------------------------


def test_new_rota_takes_over_from_its_valid_from_date():
    june_29 = date(2026, 6, 29)
    rota = [
        window(june_29, time(9), time(10), valid_to=date(2026, 6, 30)),
        window(june_29, time(14), time(15), valid_from=date(2026, 7, 1)),
    ]
    found = slots(windows=rota, first_day=june_29, days=8)
    assert [s.start.astimezone(LONDON).strftime("%m-%d %H:%M") for s in found] == [
        "06-29 09:00",
        "07-06 14:00",
    ]


def test_window_is_not_used_after_its_valid_to_date():
    assert slots(windows=[window(MONDAY, time(9), time(12), valid_to=MONDAY - timedelta(days=1))]) == []


def test_window_validity_dates_are_inclusive():
    assert len(slots(windows=[window(MONDAY, time(9), time(12), valid_from=MONDAY, valid_to=MONDAY)])) == 5


# --- who can work -----------------------------------------------------------------------------------


def test_expired_licence_means_no_slots():
    expired = (Licence("massage", valid_until=MONDAY - timedelta(days=1)),)
    assert slots(therapists=[therapist(licences=expired)]) == []


def test_licence_is_still_valid_on_its_valid_until_date():
    last_day = (Licence("massage", valid_until=MONDAY),)
    assert len(slots(therapists=[therapist(licences=last_day)])) == 5


def test_licence_not_yet_valid_means_no_slots():
    future = (Licence("massage", valid_from=MONDAY + timedelta(days=1), valid_until=date(2030, 1, 1)),)
    assert slots(therapists=[therapist(licences=future)]) == []


def test_licence_of_a_kind_the_service_does_not_accept_means_no_slots():
    physio = (Licence("physio", valid_until=date(2030, 1, 1)),)
    assert slots(therapists=[therapist(licences=physio)]) == []


def test_licence_of_any_accepted_kind_is_enough():
    physio = (Licence("physio", valid_until=date(2030, 1, 1)),)
    found = slots(
        therapists=[therapist(licences=physio)], service=service(kinds=frozenset({"massage", "physio"}))
    )
    assert len(found) == 5


def test_inactive_therapist_gets_no_slots():
    assert slots(therapists=[therapist(active=False)]) == []


# --- any therapist ----------------------------------------------------------------------------------


def test_any_therapist_merges_slots_ordered_by_start_then_name_then_id():
    found = slots(
        therapists=[therapist(2, "Bea"), therapist(3, "Ana"), therapist(1, "Ana")],
        windows=[
            window(MONDAY, time(9), time(10), 1),
            window(MONDAY, time(9), time(10), 2),
            window(MONDAY, time(9, 30), time(10, 30), 3),
        ],
    )
    assert [
        (s.start.astimezone(LONDON).strftime("%H:%M"), s.therapist_name, s.therapist_id) for s in found
    ] == [
        ("09:00", "Ana", 1),
        ("09:00", "Bea", 2),
        ("09:30", "Ana", 3),
    ]


def test_therapist_passed_twice_is_listed_once():
    assert len(slots(therapists=[therapist(), therapist()])) == 5


# --- daylight saving time ---------------------------------------------------------------------------

DST_DAYS = [
    pytest.param(LONDON, date(2026, 3, 29), id="london-spring"),
    pytest.param(LONDON, date(2026, 10, 25), id="london-autumn"),
    pytest.param(NEW_YORK, date(2026, 3, 8), id="new-york-spring"),
    pytest.param(NEW_YORK, date(2026, 11, 1), id="new-york-autumn"),
]


@pytest.mark.parametrize(("tz", "change_day"), DST_DAYS)
def test_nine_oclock_stays_nine_local_across_a_dst_change(tz, change_day):
    day_before = change_day - timedelta(days=1)
    found = slots(
        tz=tz,
        windows=[WeeklyWindow(1, weekday, time(9), time(10)) for weekday in range(7)],
        first_day=day_before,
        days=3,
        policy=policy(step=60),
    )
    assert wall(found, tz) == ["09:00", "09:00", "09:00"]
    assert [s.end - s.start for s in found] == [minutes(60)] * 3
    # The same wall-clock time is a different UTC time either side of the change.
    assert found[0].start.time() != found[2].start.time()


@pytest.mark.parametrize(
    ("tz", "change_day", "opens", "closes", "expected"),
    [
        # London jumps 01:00 -> 02:00: the window holds 1.5 real hours.
        pytest.param(LONDON, date(2026, 3, 29), time(0, 30), time(3), ["00:30", "02:00"], id="london"),
        # New York jumps 02:00 -> 03:00: the window holds 2 real hours.
        pytest.param(
            NEW_YORK, date(2026, 3, 8), time(1), time(4), ["01:00", "01:30", "03:00"], id="new-york"
        ),
    ],
)
def test_window_partly_in_the_spring_gap_offers_no_start_inside_the_gap(
    tz, change_day, opens, closes, expected
):
    found = slots(tz=tz, windows=[window(change_day, opens, closes)], first_day=change_day)
    assert wall(found, tz) == expected
    assert [s.end - s.start for s in found] == [minutes(60)] * len(expected)
    assert found[-1].end == datetime.combine(change_day, closes, tzinfo=tz)


def test_window_opening_inside_the_spring_gap_starts_after_the_jump():
    # 02:30 does not exist in New York on 2026-03-08; read with the pre-jump offset it is 03:30 EDT.
    change_day = date(2026, 3, 8)
    found = slots(tz=NEW_YORK, windows=[window(change_day, time(2, 30), time(5))], first_day=change_day)
    assert wall(found, NEW_YORK) == ["03:30", "04:00"]


@pytest.mark.parametrize(
    ("tz", "change_day"),
    [
        pytest.param(LONDON, date(2026, 10, 25), id="london"),
        pytest.param(NEW_YORK, date(2026, 11, 1), id="new-york"),
    ],
)
def test_fall_back_repeated_hour_gives_distinct_non_overlapping_slots(tz, change_day):
    found = slots(
        tz=tz, windows=[window(change_day, time(0), time(3))], first_day=change_day, policy=policy(step=60)
    )
    # 00:00-03:00 local lasts four real hours on this day; 01:00 happens twice.
    assert wall(found, tz) == ["00:00", "01:00", "01:00", "02:00"]
    assert len({s.start for s in found}) == 4
    assert all(s.end - s.start == minutes(60) for s in found)
    assert all(a.end <= b.start for a, b in pairwise(found))


def test_fall_back_window_inside_the_repeated_hour_uses_its_first_occurrence():
    change_day = date(2026, 10, 25)
    found = slots(
        windows=[window(change_day, time(1), time(1, 59))],
        first_day=change_day,
        service=service(20),
        policy=policy(step=20),
    )
    assert wall(found) == ["01:00", "01:20"]
    assert [s.start.astimezone(LONDON).utcoffset() for s in found] == [timedelta(hours=1)] * 2  # BST


# --- is_bookable ------------------------------------------------------------------------------------


def test_every_listed_start_is_bookable():
    kwargs = {
        "appointments": [Interval(local(MONDAY, 10), local(MONDAY, 10, 40), 1)],
        "policy": policy(step=10),
    }
    found = slots(**kwargs)
    assert found
    assert all(bookable(s.start, s.therapist_id, **kwargs) for s in found)


def test_start_off_the_step_grid_is_not_bookable():
    assert bookable(local(MONDAY, 9, 30))
    assert not bookable(local(MONDAY, 9, 10))


def test_start_overlapping_an_appointment_is_not_bookable():
    appointments = [Interval(local(MONDAY, 10), local(MONDAY, 11), 1)]
    assert not bookable(local(MONDAY, 10, 30), appointments=appointments)
    assert not bookable(local(MONDAY, 9, 30), appointments=appointments)
    assert bookable(local(MONDAY, 11), appointments=appointments)


def test_start_too_soon_is_not_bookable():
    assert not bookable(local(MONDAY, 10), policy=policy(notice=120), now=local(MONDAY, 9))
    assert bookable(local(MONDAY, 11), policy=policy(notice=120), now=local(MONDAY, 9))


def test_start_beyond_the_horizon_is_not_bookable():
    assert not bookable(local(MONDAY, 9), policy=policy(horizon=6), now=local(MONDAY - timedelta(days=7), 8))


def test_start_for_an_unlisted_therapist_is_not_bookable():
    assert not bookable(local(MONDAY, 9), therapist_id=99)


def test_start_given_in_another_zone_is_bookable_as_the_same_instant():
    assert bookable(local(MONDAY, 4, tz=NEW_YORK))  # 09:00 in London


def test_second_occurrence_of_the_repeated_hour_is_bookable_by_fold():
    change_day = date(2026, 10, 25)
    kwargs = {"windows": [window(change_day, time(0), time(3))], "policy": policy(step=60)}
    assert bookable(local(change_day, 1, fold=0), **kwargs)
    assert bookable(local(change_day, 1, fold=1), **kwargs)
    assert not bookable(local(change_day, 1, 30, fold=1), **kwargs)


# --- invalid input ----------------------------------------------------------------------------------


def test_naive_now_is_rejected():
    with pytest.raises(ValueError, match="now"):
        slots(now=datetime(2026, 6, 1, 8))  # noqa: DTZ001 - the point of the test


def test_naive_start_is_rejected_by_is_bookable():
    with pytest.raises(ValueError, match="start"):
        bookable(datetime(2026, 6, 1, 9))  # noqa: DTZ001 - the point of the test


def test_naive_interval_is_rejected():
    with pytest.raises(ValueError, match="aware"):
        Interval(datetime(2026, 6, 1, 9), local(MONDAY, 10))  # noqa: DTZ001 - the point of the test


def test_fewer_than_one_day_is_rejected():
    with pytest.raises(ValueError, match="days"):
        slots(days=0)


def test_non_positive_slot_step_is_rejected():
    with pytest.raises(ValueError, match="slot_step"):
        policy(step=0)


def test_window_ending_before_it_starts_is_rejected():
    with pytest.raises(ValueError, match="end after"):
        window(MONDAY, time(12), time(9))


def test_interval_ending_before_it_starts_is_rejected():
    with pytest.raises(ValueError, match="end after"):
        Interval(local(MONDAY, 10), local(MONDAY, 10))


# --- properties -------------------------------------------------------------------------------------

ZONES = [ZoneInfo(name) for name in ("Europe/London", "America/New_York", "Australia/Lord_Howe", "UTC")]
# Days just before a DST change in at least one of ZONES (Lord Howe shifts by 30 minutes), and a plain week.
FIRST_DAYS = [
    date(2026, 3, 7),
    date(2026, 3, 28),
    date(2026, 4, 4),
    date(2026, 10, 3),
    date(2026, 10, 24),
    date(2026, 10, 31),
    date(2026, 6, 1),
]
KINDS = ("massage", "physio")


@dataclass(frozen=True)
class Scenario:
    service: ServiceInput
    therapists: tuple[TherapistInput, ...]
    windows: tuple[WeeklyWindow, ...]
    time_off: tuple[Interval, ...]
    appointments: tuple[Interval, ...]
    policy: PolicyInput
    tz: ZoneInfo
    first_day: date
    days: int
    now: datetime

    def inputs(self) -> dict:
        return {
            "service": self.service,
            "therapists": self.therapists,
            "windows": self.windows,
            "time_off": self.time_off,
            "appointments": self.appointments,
            "policy": self.policy,
            "tz": self.tz,
            "now": self.now,
        }


def five_minutes(low: int, high: int) -> st.SearchStrategy[timedelta]:
    return st.integers(low // 5, high // 5).map(lambda n: minutes(5 * n))


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    first_day = draw(st.sampled_from(FIRST_DAYS))
    days = draw(st.integers(1, 3))
    ids = list(range(1, draw(st.integers(1, 3)) + 1))

    licence = st.builds(
        Licence,
        kind=st.sampled_from(KINDS),
        valid_until=st.integers(-1, 6).map(lambda n: first_day + timedelta(days=n)),
        valid_from=st.none() | st.integers(-2, 2).map(lambda n: first_day + timedelta(days=n)),
    )
    therapists = tuple(
        TherapistInput(
            id=i,
            name=draw(st.sampled_from(["Ana", "Bea"])),
            active=draw(st.sampled_from([True, True, True, False])),
            licences=tuple(draw(st.lists(licence, min_size=1, max_size=2))),
        )
        for i in ids
    )

    def weekly_window(therapist_id: int) -> st.SearchStrategy[WeeklyWindow]:
        bounds = st.lists(st.integers(0, 287), min_size=2, max_size=2, unique=True).map(sorted)
        validity = st.none() | st.integers(-1, 3).map(lambda n: first_day + timedelta(days=n))
        return st.builds(
            lambda weekday, b, valid_from, valid_to: WeeklyWindow(
                therapist_id,
                weekday,
                time(*divmod(5 * b[0], 60)),
                time(*divmod(5 * b[1], 60)),
                valid_from,
                valid_to,
            ),
            st.sampled_from(sorted({(first_day + timedelta(days=n)).weekday() for n in range(days)})),
            bounds,
            validity,
            validity,
        )

    windows = tuple(w for i in ids for w in draw(st.lists(weekly_window(i), min_size=1, max_size=3)))

    origin = datetime.combine(first_day, time(), tzinfo=UTC) - timedelta(days=1)

    def intervals(owners: st.SearchStrategy[int | None]) -> st.SearchStrategy[list[Interval]]:
        interval = st.builds(
            lambda offset, length, owner: Interval(origin + offset, origin + offset + length, owner),
            five_minutes(0, (days + 2) * 1440),
            five_minutes(5, 300),
            owners,
        )
        return st.lists(interval, max_size=6)

    return Scenario(
        service=ServiceInput(
            duration=draw(five_minutes(5, 120)),
            buffer_after=draw(five_minutes(0, 30)),
            licence_kinds=frozenset(draw(st.sets(st.sampled_from(KINDS), min_size=1))),
        ),
        therapists=therapists,
        windows=windows,
        time_off=tuple(draw(intervals(st.none() | st.sampled_from(ids)))),
        appointments=tuple(draw(intervals(st.sampled_from(ids)))),
        policy=PolicyInput(
            min_notice=draw(st.just(timedelta(0)) | five_minutes(0, 720)),
            horizon_days=draw(st.integers(0, 4) | st.just(30)),
            slot_step=minutes(draw(st.sampled_from([5, 10, 15, 20, 30, 45, 60, 7]))),
        ),
        tz=draw(st.sampled_from(ZONES)),
        first_day=first_day,
        days=days,
        now=origin + draw(five_minutes(0, 36 * 60)),
    )


def overlaps(start: datetime, end: datetime, interval: Interval) -> bool:
    return interval.start < end and start < interval.end


def windows_on(scenario: Scenario, therapist_id: int, day: date) -> list[tuple[datetime, datetime]]:
    """A therapist's working windows on a local date, in absolute time, by the documented rule."""
    return [
        (
            datetime.combine(day, w.start, tzinfo=scenario.tz).astimezone(UTC),
            datetime.combine(day, w.end, tzinfo=scenario.tz).astimezone(UTC),
        )
        for w in scenario.windows
        if w.therapist_id == therapist_id
        and w.weekday == day.weekday()
        and (w.valid_from is None or w.valid_from <= day)
        and (w.valid_to is None or day <= w.valid_to)
    ]


def may_work(scenario: Scenario, t: TherapistInput, day: date) -> bool:
    return t.active and any(
        lic.kind in scenario.service.licence_kinds
        and (lic.valid_from is None or lic.valid_from <= day)
        and day <= lic.valid_until
        for lic in t.licences
    )


def reference_slots(scenario: Scenario) -> set[tuple[datetime, int]]:
    """The rules applied naively, scanning every interval for every candidate."""
    duration, buffer = scenario.service.duration, scenario.service.buffer_after
    last_day = scenario.now.astimezone(scenario.tz).date() + timedelta(days=scenario.policy.horizon_days)
    expected = set()
    for offset in range(scenario.days):
        day = scenario.first_day + timedelta(days=offset)
        for t in scenario.therapists:
            if not may_work(scenario, t, day):
                continue
            for opens, closes in windows_on(scenario, t.id, day):
                start = opens
                while start + duration <= closes:
                    if (
                        start >= scenario.now + scenario.policy.min_notice
                        and start.astimezone(scenario.tz).date() <= last_day
                        and not any(
                            overlaps(start, start + duration + buffer, a)
                            for a in scenario.appointments
                            if a.therapist_id in (t.id, None)
                        )
                        and not any(
                            overlaps(start, start + duration, o)
                            for o in scenario.time_off
                            if o.therapist_id in (t.id, None)
                        )
                    ):
                        expected.add((start, t.id))
                    start += scenario.policy.slot_step
    return expected


@settings(max_examples=150, deadline=None, database=None)
@given(scenario=scenarios(), probes=st.lists(st.integers(-24, 24), max_size=8))
def test_free_slots_obey_every_rule_and_agree_with_is_bookable(scenario: Scenario, probes: list[int]):
    found = free_slots(**scenario.inputs(), first_day=scenario.first_day, days=scenario.days)
    service, tz = scenario.service, scenario.tz
    by_id = {t.id: t for t in scenario.therapists}
    last_day = scenario.now.astimezone(tz).date() + timedelta(days=scenario.policy.horizon_days)
    listed = {(s.start, s.therapist_id) for s in found}

    assert found == sorted(found, key=lambda s: (s.start, s.therapist_name, s.therapist_id))
    assert len(listed) == len(found)
    assert listed == reference_slots(scenario)
    for slot in found:
        day = slot.start.astimezone(tz).date()
        assert slot.start.utcoffset() == timedelta(0)
        assert slot.end - slot.start == service.duration
        assert scenario.first_day <= day < scenario.first_day + timedelta(days=scenario.days)
        assert may_work(scenario, by_id[slot.therapist_id], day)
        assert any(
            opens <= slot.start
            and slot.end <= closes
            and (slot.start - opens) % scenario.policy.slot_step == timedelta(0)
            for opens, closes in windows_on(scenario, slot.therapist_id, day)
        )
        assert slot.start >= scenario.now + scenario.policy.min_notice
        assert day <= last_day
        assert not any(
            overlaps(slot.start, slot.end + service.buffer_after, a)
            for a in scenario.appointments
            if a.therapist_id == slot.therapist_id
        )
        assert not any(
            overlaps(slot.start, slot.end, o)
            for o in scenario.time_off
            if o.therapist_id in (slot.therapist_id, None)
        )
        assert is_bookable(start=slot.start, therapist_id=slot.therapist_id, **scenario.inputs())

    # Starts near listed ones (a few steps of 5 minutes either way) are bookable exactly when listed.
    for slot in found[:3]:
        for shift in probes:
            probe = slot.start + minutes(5 * shift)
            day = probe.astimezone(tz).date()
            if not scenario.first_day <= day < scenario.first_day + timedelta(days=scenario.days):
                continue
            for t in scenario.therapists:
                in_list = (probe, t.id) in listed
                assert is_bookable(start=probe, therapist_id=t.id, **scenario.inputs()) == in_list


@settings(max_examples=100, deadline=None, database=None)
@given(scenario=scenarios())
def test_free_times_group_exactly_the_free_slots_by_start(scenario: Scenario):
    kwargs = {**scenario.inputs(), "first_day": scenario.first_day, "days": scenario.days}
    found = free_slots(**kwargs)
    grouped: dict[datetime, list[int]] = {}
    for slot in found:  # sorted by start, then therapist name and id
        grouped.setdefault(slot.start, []).append(slot.therapist_id)
    assert free_times(**kwargs) == sorted(grouped.items())


def test_free_times_name_each_start_once_with_its_therapists_by_name():
    windows = [window(MONDAY, time(9), time(11), therapist_id=1), window(MONDAY, time(10), time(12), 2)]
    found = free_times(
        **defaults({"therapists": [therapist(1, "Zoe"), therapist(2, "Ana")], "windows": windows}),
        first_day=MONDAY,
        days=1,
    )
    assert [(s.astimezone(LONDON).strftime("%H:%M"), ids) for s, ids in found] == [
        ("09:00", [1]),
        ("09:30", [1]),
        ("10:00", [2, 1]),
        ("10:30", [2]),
        ("11:00", [2]),
    ]
