"""The screening engine: a pure function from a patient's answers and the rules to a verdict.

No database here. `intake.screening.rules` turns `ScreeningRule` rows into `RuleSpec`s; this module only
judges, so it can be tested without a database and gives the same result for the same input, always.
The engine routes a case to a person; it never diagnoses.

Answers are JSON values: booleans for yes/no questions, ints for numbers, ISO dates ("YYYY-MM-DD") for
dates, strings for choices and text. A missing answer never raises a flag.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

# The values of intake.models.Severity, Condition and Outcome. Kept as plain strings so this module
# does not import the models; a test checks that they agree.
URGENT, ABSOLUTE, RELATIVE, INFO = "urgent", "absolute", "relative", "info"
SEVERITY_RANK: dict[str, int] = {INFO: 1, RELATIVE: 2, ABSOLUTE: 3, URGENT: 4}

YES, NO, GTE, WITHIN_DAYS, IN, NOT_EMPTY, COMPUTED_CONDITION = (
    "yes",
    "no",
    "gte",
    "within_days",
    "in",
    "not_empty",
    "computed",
)
CONDITIONS = frozenset({YES, NO, GTE, WITHIN_DAYS, IN, NOT_EMPTY, COMPUTED_CONDITION})

OUTCOME_CLEAR = "clear"
OUTCOME_REVIEW = "review"
OUTCOME_BLOCKED = "blocked_pending_clearance"
OUTCOME_URGENT = "urgent"
OUTCOME_BY_SEVERITY: dict[str, str] = {
    URGENT: OUTCOME_URGENT,
    ABSOLUTE: OUTCOME_BLOCKED,
    RELATIVE: OUTCOME_REVIEW,
    INFO: OUTCOME_CLEAR,
}


@dataclass(frozen=True)
class RuleSpec:
    key: str
    question_key: str
    condition: str
    severity: str
    threshold: int | None = None
    values: tuple[str, ...] = ()
    computed: str = ""
    requires_yes: str = ""
    staff_action: str = ""
    patient_message: str = ""
    contraindication_key: str | None = None
    techniques: tuple[str, ...] = ()
    per_visit: bool = False


@dataclass(frozen=True)
class Flag:
    rule_key: str
    question_key: str
    answer: str
    severity: str
    message: str
    staff_action: str
    contraindication_key: str | None
    techniques: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "rule_key": self.rule_key,
            "question_key": self.question_key,
            "answer": self.answer,
            "severity": self.severity,
            "message": self.message,
            "staff_action": self.staff_action,
            "contraindication_key": self.contraindication_key,
            "techniques": sorted(self.techniques),
        }


@dataclass(frozen=True)
class ScreeningResult:
    outcome: str
    flags: tuple[Flag, ...]

    @property
    def techniques_ruled_out(self) -> frozenset[str]:
        return frozenset(code for flag in self.flags for code in flag.techniques)

    def as_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "flags": [flag.as_json() for flag in self.flags],
            "techniques_ruled_out": sorted(self.techniques_ruled_out),
        }


# --- dated answers ---------------------------------------------------------------------------------

# Answers true on the day they were given, not for ever: pregnancy weeks grow by one a week. Each is
# stored with the date it was given (`<key>_on`) and counted on to the appointment date.
DATED_ANSWERS: tuple[str, ...] = ("pregnancy_weeks",)


def given_on_key(key: str) -> str:
    """The answer that holds the date `key` was given on."""
    return f"{key}_on"


def with_given_on(previous: Mapping[str, Any], new: Mapping[str, Any], today: date) -> dict[str, Any]:
    """`new` answers with the date each dated answer was given: today when it is new or changed; an
    unchanged answer keeps its date (the weeks a returning patient left as they were are still as of
    then); a cleared answer loses it."""
    answers = dict(new)
    for key in DATED_ANSWERS:
        if key not in answers:
            continue
        if answers[key] is None:
            answers[given_on_key(key)] = None
        elif answers[key] != previous.get(key):
            answers[given_on_key(key)] = today.isoformat()
    return answers


def weeks_on(answers: Mapping[str, Any], key: str, on_date: date) -> float | None:
    """A weeks answer counted on from the day it was given to `on_date` (whole weeks); as given when
    the date is unknown."""
    weeks = parse_number(answers.get(key))
    if weeks is None:
        return None
    given_on = parse_date(answers.get(given_on_key(key)))
    if given_on is None:
        return weeks
    return weeks + (on_date - given_on).days // 7


# --- reading answers -------------------------------------------------------------------------------


def parse_date(value: Any) -> date | None:
    """An answered date, or None when the answer is missing or not a date."""
    if isinstance(value, date):
        # A datetime is a date too; only its calendar day counts.
        return value if type(value) is date else date(value.year, value.month, value.day)
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def parse_number(value: Any) -> float | None:
    """An answered number, or None. A boolean is not a number here, although Python says it is."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def answer_text(value: Any) -> str:
    """The answer as the patient gave it, as text for the staff page."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(answer_text(item) for item in value)
    return str(value)


def is_yes(answers: Mapping[str, Any], key: str) -> bool:
    return answers.get(key) is True


def age_on(born: date, on_date: date) -> int:
    """Whole years; someone born on 29 February turns a year older on 1 March in common years."""
    return on_date.year - born.year - ((on_date.month, on_date.day) < (born.month, born.day))


# --- computed rules --------------------------------------------------------------------------------


def _aneurysm_risk(answers: Mapping[str, Any], rule: RuleSpec, on_date: date) -> bool:
    born = parse_date(answers.get("date_of_birth"))
    if born is None or rule.threshold is None:
        return False
    risk_factor = any(is_yes(answers, key) for key in ("ever_smoked", "family_aneurysm", "heart_disease"))
    return age_on(born, on_date) >= rule.threshold and risk_factor


def _night_pain_red_flags(answers: Mapping[str, Any], rule: RuleSpec, on_date: date) -> bool:
    return is_yes(answers, "night_pain") and (is_yes(answers, "systemic") or is_yes(answers, "cancer_active"))


def _minor_fall_bone_risk(answers: Mapping[str, Any], rule: RuleSpec, on_date: date) -> bool:
    weak_bones = is_yes(answers, "osteoporosis") or is_yes(answers, "long_term_steroids")
    return is_yes(answers, "injury") and is_yes(answers, "injury_minor_fall") and weak_bones


def _hip_fracture_not_cleared(answers: Mapping[str, Any], rule: RuleSpec, on_date: date) -> bool:
    # Only an explicit "no" counts: an unanswered clearance question never flags.
    return is_yes(answers, "hip_fracture") and answers.get("hip_fracture_cleared") is False


COMPUTED: dict[str, Callable[[Mapping[str, Any], RuleSpec, date], bool]] = {
    "aneurysm_risk": _aneurysm_risk,
    "night_pain_red_flags": _night_pain_red_flags,
    "minor_fall_bone_risk": _minor_fall_bone_risk,
    "hip_fracture_not_cleared": _hip_fracture_not_cleared,
}

# Computations that compare with the rule's threshold, so they cannot run without one.
COMPUTED_NEEDS_THRESHOLD = frozenset({"aneurysm_risk"})


# --- the engine ------------------------------------------------------------------------------------


def validate_rule(rule: RuleSpec) -> None:
    """Raise ValueError for a rule the engine cannot judge (an admin form can call this too)."""
    if rule.severity not in SEVERITY_RANK:
        raise ValueError(f"Rule {rule.key!r}: unknown severity {rule.severity!r}.")
    if rule.condition not in CONDITIONS:
        raise ValueError(f"Rule {rule.key!r}: unknown condition {rule.condition!r}.")
    if rule.condition in (GTE, WITHIN_DAYS) and rule.threshold is None:
        raise ValueError(f"Rule {rule.key!r}: condition {rule.condition!r} needs a threshold.")
    if rule.condition == IN and not rule.values:
        raise ValueError(f"Rule {rule.key!r}: condition 'in' needs at least one value.")
    if rule.condition == COMPUTED_CONDITION:
        if rule.computed not in COMPUTED:
            raise ValueError(f"Rule {rule.key!r}: unknown computation {rule.computed!r}.")
        if rule.computed in COMPUTED_NEEDS_THRESHOLD and rule.threshold is None:
            raise ValueError(f"Rule {rule.key!r}: computation {rule.computed!r} needs a threshold.")


def rule_matches(rule: RuleSpec, answers: Mapping[str, Any], on_date: date) -> bool:
    """Whether the answers meet the rule's condition, measured to `on_date` (the appointment date)."""
    if rule.requires_yes and not is_yes(answers, rule.requires_yes):
        return False
    if rule.condition == COMPUTED_CONDITION:
        return COMPUTED[rule.computed](answers, rule, on_date)

    value = answers.get(rule.question_key)
    if value is None:
        return False
    if rule.condition == YES:
        return value is True
    if rule.condition == NO:
        return value is False
    if rule.condition == GTE:
        number = weeks_on(answers, rule.question_key, on_date) if rule.question_key in DATED_ANSWERS else None
        number = parse_number(value) if number is None else number
        return number is not None and number >= rule.threshold
    if rule.condition == WITHIN_DAYS:
        # The window ends on the appointment date, so it moves with it: a date after it never counts.
        when = parse_date(value)
        return when is not None and when <= on_date and (on_date - when).days <= rule.threshold
    if rule.condition == IN:
        if isinstance(value, list | tuple):
            return any(answer_text(item) in rule.values for item in value)
        return not isinstance(value, bool) and str(value) in rule.values
    if rule.condition == NOT_EMPTY:
        return isinstance(value, str) and bool(value.strip())
    raise ValueError(f"Rule {rule.key!r}: unknown condition {rule.condition!r}.")


def _flag_answer(answers: Mapping[str, Any], key: str, on_date: date) -> str:
    given = answer_text(answers.get(key))
    given_on = parse_date(answers.get(given_on_key(key))) if key in DATED_ANSWERS else None
    if given_on is None or given_on == on_date:
        return given
    counted = weeks_on(answers, key, on_date)
    return f"{answer_text(int(counted) if counted is not None else None)} at the appointment ({given} on {given_on.isoformat()})"


def screen(answers: Mapping[str, Any], rules: Iterable[RuleSpec], on_date: date) -> ScreeningResult:
    """Judge the answers against every rule; the highest severity among the flags sets the outcome.

    Raises ValueError if any rule cannot be judged (an unknown condition or computation, a missing
    threshold), whatever the answers, so a broken rule is found at once rather than by the first
    patient who happens to trigger it.
    """
    rule_list = list(rules)
    for rule in rule_list:
        validate_rule(rule)

    flags = [
        Flag(
            rule_key=rule.key,
            question_key=rule.question_key,
            answer=_flag_answer(answers, rule.question_key, on_date),
            severity=rule.severity,
            message=rule.patient_message,
            staff_action=rule.staff_action,
            contraindication_key=rule.contraindication_key,
            techniques=tuple(sorted(set(rule.techniques))),
        )
        for rule in rule_list
        if rule_matches(rule, answers, on_date)
    ]
    flags.sort(key=lambda flag: (-SEVERITY_RANK[flag.severity], flag.rule_key))

    if not flags:
        return ScreeningResult(outcome=OUTCOME_CLEAR, flags=())
    return ScreeningResult(outcome=OUTCOME_BY_SEVERITY[flags[0].severity], flags=tuple(flags))
