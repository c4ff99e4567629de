"""The screening engine on its own: no database, rules built by hand."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from intake.screening.engine import COMPUTED, RuleSpec, ScreeningResult, age_on, screen

APPOINTMENT = date(2026, 6, 15)


def rule(key: str = "rule", question_key: str = "q", condition: str = "yes", **fields) -> RuleSpec:
    fields.setdefault("severity", "relative")
    return RuleSpec(key=key, question_key=question_key, condition=condition, **fields)


def days_before(days: int, on: date = APPOINTMENT) -> str:
    return (on - timedelta(days=days)).isoformat()


def flagged(answers: dict, spec: RuleSpec, on: date = APPOINTMENT) -> bool:
    return any(flag.rule_key == spec.key for flag in screen(answers, [spec], on).flags)


# --- yes / no --------------------------------------------------------------------------------------


def test_yes_rule_flags_a_true_answer():
    assert flagged({"q": True}, rule())


@pytest.mark.parametrize("answer", [False, "yes", 1, "true"])
def test_yes_rule_ignores_anything_but_true(answer):
    assert not flagged({"q": answer}, rule())


def test_no_rule_flags_an_explicit_false():
    assert flagged({"q": False}, rule(condition="no"))


@pytest.mark.parametrize("answers", [{"q": True}, {}, {"q": None}, {"q": 0}])
def test_no_rule_ignores_true_missing_and_non_boolean_answers(answers):
    assert not flagged(answers, rule(condition="no"))


# --- numbers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected"), [(7, False), (8, True), (10, True), (8.0, True), ("9", True)]
)
def test_gte_rule_flags_numbers_at_or_above_the_threshold(answer, expected):
    assert flagged({"q": answer}, rule(condition="gte", threshold=8)) is expected


@pytest.mark.parametrize("answer", [True, "", "lots", [9]])
def test_gte_rule_ignores_answers_that_are_not_numbers(answer):
    assert not flagged({"q": answer}, rule(condition="gte", threshold=1))


# --- date windows ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "expected"), [(0, True), (1, True), (41, True), (42, True), (43, False)])
def test_within_days_counts_whole_days_back_from_the_appointment_inclusive(days, expected):
    assert flagged({"q": days_before(days)}, rule(condition="within_days", threshold=42)) is expected


def test_within_days_ignores_a_date_after_the_appointment():
    assert not flagged({"q": days_before(-1)}, rule(condition="within_days", threshold=42))


def test_within_days_window_moves_with_the_appointment_date():
    spec = rule(condition="within_days", threshold=42)
    surgery = "2026-05-01"

    assert flagged({"q": surgery}, spec, on=date(2026, 6, 12))  # 42 days later
    assert not flagged({"q": surgery}, spec, on=date(2026, 6, 13))  # 43 days later


@pytest.mark.parametrize("answer", ["", "not a date", "2026-02-30", 20260601, True])
def test_within_days_ignores_answers_that_are_not_dates(answer):
    assert not flagged({"q": answer}, rule(condition="within_days", threshold=42))


# --- choices and text ------------------------------------------------------------------------------


@pytest.mark.parametrize(("answer", "expected"), [("back", True), ("unknown", True), ("front", False)])
def test_in_rule_flags_only_the_listed_values(answer, expected):
    assert flagged({"q": answer}, rule(condition="in", values=("back", "unknown"))) is expected


def test_in_rule_flags_a_multiple_choice_answer_holding_a_listed_value():
    assert flagged({"q": ["front", "back"]}, rule(condition="in", values=("back",)))


@pytest.mark.parametrize(("answer", "expected"), [("my feet", True), ("", False), ("   \n", False)])
def test_not_empty_rule_flags_only_text_with_something_in_it(answer, expected):
    assert flagged({"q": answer}, rule(condition="not_empty")) is expected


# --- missing answers and follow-ups ----------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        rule(condition="yes"),
        rule(condition="no"),
        rule(condition="gte", threshold=0),
        rule(condition="within_days", threshold=10_000),
        rule(condition="in", values=("a",)),
        rule(condition="not_empty"),
        *(rule(condition="computed", computed=name, threshold=0) for name in sorted(COMPUTED)),
    ],
    ids=lambda spec: spec.computed or spec.condition,
)
def test_missing_answers_never_flag(spec):
    result = screen({}, [spec], APPOINTMENT)

    assert result.flags == ()
    assert result.outcome == "clear"


def test_follow_up_rule_applies_when_its_parent_is_yes():
    assert flagged({"parent": True, "q": True}, rule(requires_yes="parent"))


@pytest.mark.parametrize("parent", [{"parent": False}, {}, {"parent": "yes"}])
def test_follow_up_rule_is_skipped_unless_its_parent_is_yes(parent):
    assert not flagged({**parent, "q": True}, rule(requires_yes="parent"))


# --- computed rules --------------------------------------------------------------------------------


def aneurysm_rule() -> RuleSpec:
    return rule("aneurysm_risk", "date_of_birth", "computed", computed="aneurysm_risk", threshold=65)


def test_aneurysm_risk_flags_on_the_65th_birthday_with_a_risk_factor():
    assert flagged({"date_of_birth": "1961-06-15", "ever_smoked": True}, aneurysm_rule())


def test_aneurysm_risk_does_not_flag_the_day_before_the_65th_birthday():
    assert not flagged({"date_of_birth": "1961-06-16", "ever_smoked": True}, aneurysm_rule())


@pytest.mark.parametrize("factor", ["ever_smoked", "family_aneurysm", "heart_disease"])
def test_aneurysm_risk_needs_any_one_risk_factor(factor):
    assert flagged({"date_of_birth": "1950-01-01", factor: True}, aneurysm_rule())


def test_aneurysm_risk_does_not_flag_age_alone():
    answers = {"date_of_birth": "1930-01-01", "ever_smoked": False, "family_aneurysm": False}

    assert not flagged(answers, aneurysm_rule())


def test_aneurysm_risk_age_is_measured_on_the_appointment_date():
    answers = {"date_of_birth": "1961-07-01", "heart_disease": True}

    assert not flagged(answers, aneurysm_rule(), on=date(2026, 6, 30))
    assert flagged(answers, aneurysm_rule(), on=date(2026, 7, 1))


def test_aneurysm_risk_age_threshold_is_the_rules_setting():
    answers = {"date_of_birth": "1966-06-15", "ever_smoked": True}  # 60 on the appointment date

    assert not flagged(answers, aneurysm_rule())
    assert flagged(answers, rule("r", "date_of_birth", "computed", computed="aneurysm_risk", threshold=60))


def test_age_counts_a_29_february_birthday_from_1_march_in_common_years():
    assert age_on(date(2000, 2, 29), date(2027, 2, 28)) == 26
    assert age_on(date(2000, 2, 29), date(2027, 3, 1)) == 27


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"night_pain": True, "systemic": True}, True),
        ({"night_pain": True, "cancer_active": True}, True),
        ({"night_pain": True, "systemic": False, "cancer_active": False}, False),
        ({"night_pain": False, "systemic": True, "cancer_active": True}, False),
    ],
)
def test_night_pain_red_flags_needs_night_pain_with_systemic_symptoms_or_active_cancer(answers, expected):
    spec = rule("night_pain_red_flags", "night_pain", "computed", computed="night_pain_red_flags")

    assert flagged(answers, spec) is expected


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"injury": True, "injury_minor_fall": True, "osteoporosis": True}, True),
        ({"injury": True, "injury_minor_fall": True, "long_term_steroids": True}, True),
        ({"injury": True, "injury_minor_fall": False, "osteoporosis": True}, False),
        ({"injury": True, "injury_minor_fall": True, "osteoporosis": False}, False),
        ({"injury": False, "injury_minor_fall": True, "osteoporosis": True}, False),
    ],
)
def test_minor_fall_bone_risk_needs_a_minor_fall_with_weak_bones(answers, expected):
    spec = rule("bone_risk", "injury_minor_fall", "computed", computed="minor_fall_bone_risk")

    assert flagged(answers, spec) is expected


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"hip_fracture": True, "hip_fracture_cleared": False}, True),
        ({"hip_fracture": True, "hip_fracture_cleared": True}, False),
        ({"hip_fracture": True}, False),
        ({"hip_fracture": False, "hip_fracture_cleared": False}, False),
    ],
)
def test_hip_fracture_not_cleared_needs_an_explicit_no(answers, expected):
    spec = rule("not_cleared", "hip_fracture_cleared", "computed", computed="hip_fracture_not_cleared")

    assert flagged(answers, spec) is expected


def test_unknown_computation_is_refused_whatever_the_answers():
    with pytest.raises(ValueError, match="unknown computation 'moon_phase'"):
        screen({}, [rule(condition="computed", computed="moon_phase")], APPOINTMENT)


@pytest.mark.parametrize(
    "spec",
    [
        rule(condition="sometimes"),
        rule(condition="gte"),
        rule(condition="within_days"),
        rule(condition="in"),
        rule(condition="computed", computed="aneurysm_risk"),
        rule(severity="catastrophic"),
    ],
    ids=["condition", "gte-threshold", "window-threshold", "in-values", "age-threshold", "severity"],
)
def test_rule_the_engine_cannot_judge_is_refused(spec):
    with pytest.raises(ValueError):
        screen({"q": True}, [spec], APPOINTMENT)


# --- outcome, order and output ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severities", "outcome"),
    [
        ((), "clear"),
        (("info",), "clear"),
        (("info", "relative"), "review"),
        (("relative", "absolute", "info"), "blocked_pending_clearance"),
        (("absolute", "urgent", "relative"), "urgent"),
    ],
)
def test_highest_severity_sets_the_outcome(severities, outcome):
    rules = [rule(f"r{i}", f"q{i}", severity=severity) for i, severity in enumerate(severities)]
    answers = {f"q{i}": True for i in range(len(severities))}

    assert screen(answers, rules, APPOINTMENT).outcome == outcome


def test_rules_not_met_leave_the_outcome_clear():
    rules = [rule("urgent", "a", severity="urgent"), rule("info", "b", severity="info")]

    result = screen({"a": False, "b": True}, rules, APPOINTMENT)

    assert result.outcome == "clear"
    assert [flag.rule_key for flag in result.flags] == ["info"]


def test_flags_are_ordered_by_severity_then_rule_key_whatever_the_rule_order():
    rules = [
        rule("b_relative", "q", severity="relative"),
        rule("z_info", "q", severity="info"),
        rule("a_relative", "q", severity="relative"),
        rule("m_urgent", "q", severity="urgent"),
        rule("c_absolute", "q", severity="absolute"),
    ]

    forwards = screen({"q": True}, rules, APPOINTMENT)
    backwards = screen({"q": True}, reversed(rules), APPOINTMENT)

    assert [flag.rule_key for flag in forwards.flags] == [
        "m_urgent",
        "c_absolute",
        "a_relative",
        "b_relative",
        "z_info",
    ]
    assert forwards == backwards


def test_flag_carries_the_rule_and_the_answer_as_text():
    spec = rule(
        "acute",
        "pain_onset_date",
        "within_days",
        threshold=42,
        staff_action="Gentle work only.",
        patient_message="Your therapist will adapt the session.",
        contraindication_key="acute_back_pain",
        techniques=("PIG", "MAN"),
    )

    (flag,) = screen({"pain_onset_date": "2026-06-01"}, [spec], APPOINTMENT).flags

    assert flag.rule_key == "acute"
    assert flag.question_key == "pain_onset_date"
    assert flag.answer == "2026-06-01"
    assert flag.severity == "relative"
    assert flag.message == "Your therapist will adapt the session."
    assert flag.staff_action == "Gentle work only."
    assert flag.contraindication_key == "acute_back_pain"
    assert flag.techniques == ("MAN", "PIG")


@pytest.mark.parametrize(
    ("spec", "answer", "text"),
    [
        (rule(condition="yes"), True, "yes"),
        (rule(condition="no"), False, "no"),
        (rule(condition="gte", threshold=0), 9, "9"),
        (rule(condition="in", values=("a",)), ["a", "b"], "a, b"),
    ],
    ids=["yes", "no", "number", "choices"],
)
def test_flag_answer_is_written_as_text(spec, answer, text):
    (flag,) = screen({"q": answer}, [spec], APPOINTMENT).flags

    assert flag.answer == text


def test_techniques_ruled_out_is_the_union_of_the_flags():
    rules = [
        rule("a", "a", techniques=("MAN", "BALL")),
        rule("b", "b", techniques=("BALL", "HEAT")),
        rule("c", "c", techniques=("SUP",)),
    ]

    result = screen({"a": True, "b": True, "c": False}, rules, APPOINTMENT)

    assert result.techniques_ruled_out == frozenset({"MAN", "BALL", "HEAT"})


def test_result_as_json_is_plain_sorted_data():
    rules = [
        rule("b", "b", severity="absolute", contraindication_key="b", techniques=("SUP", "BALL")),
        rule("a", "a", severity="info"),
    ]

    data = screen({"a": True, "b": True}, rules, APPOINTMENT).as_json()

    assert json.loads(json.dumps(data)) == data
    assert data == {
        "outcome": "blocked_pending_clearance",
        "flags": [
            {
                "rule_key": "b",
                "question_key": "b",
                "answer": "yes",
                "severity": "absolute",
                "message": "",
                "staff_action": "",
                "contraindication_key": "b",
                "techniques": ["BALL", "SUP"],
            },
            {
                "rule_key": "a",
                "question_key": "a",
                "answer": "yes",
                "severity": "info",
                "message": "",
                "staff_action": "",
                "contraindication_key": None,
                "techniques": [],
            },
        ],
        "techniques_ruled_out": ["BALL", "SUP"],
    }


def test_empty_result_is_clear_with_nothing_ruled_out():
    assert screen({"q": True}, [], APPOINTMENT) == ScreeningResult(outcome="clear", flags=())
    assert screen({}, [], APPOINTMENT).as_json() == {
        "outcome": "clear",
        "flags": [],
        "techniques_ruled_out": [],
    }
