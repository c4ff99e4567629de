"""Every dated rule of SCREENING.md at its boundaries, with the seeded rules (issue 11, item 4).

For each boundary the spec states, days N-1, N and N+1 between the answered date and the appointment:
- "within 6 weeks" / "within 12 weeks": the 42nd / 84th day is inside (within counts the day itself);
- "< 6 weeks": the 42nd day, six full weeks, is no longer less than six weeks: outside;
- "6-12 weeks": from the 42nd day to the 84th, both included;
- "from week 20": the weeks counted to the appointment date (item 3), 20 full weeks and on;
- "age >= 65": on the 65th birthday and after.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from intake.models import Outcome
from intake.screening.engine import screen, with_given_on
from intake.screening.rules import load_active_rules

pytestmark = pytest.mark.django_db

APPOINTMENT = date(2026, 6, 15)


def days_before(days: int) -> str:
    return (APPOINTMENT - timedelta(days=days)).isoformat()


@pytest.fixture
def rules():
    return load_active_rules()


def judged(rules, answers) -> tuple[str, set[str]]:
    result = screen(answers, rules, APPOINTMENT)
    return result.outcome, {flag.rule_key for flag in result.flags}


@pytest.mark.parametrize(
    ("days", "outcome", "keys"),
    [
        # "< 6 weeks" absolute: day 42 is six weeks, not less.
        (41, Outcome.BLOCKED, {"abdominal_surgery_recent", "abdominal_surgery"}),
        (42, Outcome.REVIEW, {"abdominal_surgery"}),
        (43, Outcome.REVIEW, {"abdominal_surgery"}),
        # "6-12 weeks" relative: day 84 is twelve weeks, still inside.
        (83, Outcome.REVIEW, {"abdominal_surgery"}),
        (84, Outcome.REVIEW, {"abdominal_surgery"}),
        (85, Outcome.CLEAR, set()),
    ],
)
def test_abdominal_surgery_less_than_6_weeks_absolute_6_to_12_weeks_relative(rules, days, outcome, keys):
    answers = {"abdominal_surgery": True, "abdominal_surgery_date": days_before(days)}
    assert judged(rules, answers) == (outcome, keys)


@pytest.mark.parametrize(
    ("days", "outcome", "keys"),
    [
        (41, Outcome.BLOCKED, {"recent_trauma"}),
        (42, Outcome.BLOCKED, {"recent_trauma"}),
        (43, Outcome.CLEAR, set()),
    ],
)
def test_injury_within_6_weeks_is_absolute(rules, days, outcome, keys):
    answers = {"injury": True, "injury_date": days_before(days), "injury_minor_fall": False}
    assert judged(rules, answers) == (outcome, keys)


@pytest.mark.parametrize(
    ("days", "outcome", "keys"),
    [
        (83, Outcome.BLOCKED, {"hip_fracture_recent", "hip_fracture"}),
        (84, Outcome.BLOCKED, {"hip_fracture_recent", "hip_fracture"}),
        (85, Outcome.REVIEW, {"hip_fracture"}),
    ],
)
def test_hip_fracture_within_12_weeks_is_absolute(rules, days, outcome, keys):
    answers = {"hip_fracture": True, "hip_fracture_date": days_before(days), "hip_fracture_cleared": True}
    assert judged(rules, answers) == (outcome, keys)


@pytest.mark.parametrize(
    ("days", "outcome", "keys"),
    [
        (41, Outcome.REVIEW, {"acute_back_pain"}),
        (42, Outcome.REVIEW, {"acute_back_pain"}),
        (43, Outcome.CLEAR, set()),
    ],
)
def test_back_pain_that_started_within_6_weeks_is_relative(rules, days, outcome, keys):
    assert judged(rules, {"pain_onset_date": days_before(days), "pain_now": 3}) == (outcome, keys)


@pytest.mark.parametrize(
    ("days_since_answer", "keys"),
    [
        # 18 weeks when asked: 19 weeks 6 days, 20 weeks, 20 weeks 1 day at the appointment.
        (13, {"pregnancy"}),
        (14, {"pregnancy", "pregnancy_20_weeks"}),
        (15, {"pregnancy", "pregnancy_20_weeks"}),
    ],
)
def test_pregnancy_weeks_are_counted_to_the_appointment_date(rules, days_since_answer, keys):
    answers = {"pregnant": True, "pregnancy_weeks": 18, "pregnancy_weeks_on": days_before(days_since_answer)}
    outcome, flagged = judged(rules, answers)
    assert (outcome, flagged) == (Outcome.REVIEW, keys)
    supine_ruled_out = {"SUP", "SLL"} <= screen(answers, rules, APPOINTMENT).techniques_ruled_out
    assert supine_ruled_out is ("pregnancy_20_weeks" in keys)


@pytest.mark.parametrize(("birthday_offset", "flagged"), [(1, False), (0, True), (-1, True)])
def test_aneurysm_risk_from_the_65th_birthday(rules, birthday_offset, flagged):
    # birthday_offset: days from the appointment to the 65th birthday (1: it is tomorrow).
    birthday = APPOINTMENT + timedelta(days=birthday_offset)
    born = birthday.replace(year=birthday.year - 65).isoformat()
    _, keys = judged(rules, {"date_of_birth": born, "ever_smoked": True})
    assert ("aneurysm_risk" in keys) is flagged


def test_a_weeks_answer_keeps_the_date_it_was_given_until_it_changes():
    today = date(2026, 6, 1)
    earlier = {"pregnancy_weeks": 18, "pregnancy_weeks_on": "2026-05-01"}
    assert with_given_on({}, {"pregnancy_weeks": 18}, today)["pregnancy_weeks_on"] == "2026-06-01"
    assert "pregnancy_weeks_on" not in with_given_on(earlier, {"pregnancy_weeks": 18}, today)
    assert with_given_on(earlier, {"pregnancy_weeks": 22}, today)["pregnancy_weeks_on"] == "2026-06-01"
    assert with_given_on(earlier, {"pregnancy_weeks": None}, today)["pregnancy_weeks_on"] is None
