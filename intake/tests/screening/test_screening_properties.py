"""Properties of the screening engine over the seeded rule set (migration 0002), on generated answers.

The rules are read from the database once per test; the generated examples then run the pure engine
only, so each property stays fast.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.models import Outcome, Severity
from intake.questionnaire.questions import BY_KEY, CHOICE, DATE, NUMBER, YES_NO
from intake.screening.engine import RuleSpec, rule_matches, screen
from intake.screening.rules import load_active_rules

pytestmark = pytest.mark.django_db

# Written out here rather than taken from the engine, so the test holds the engine to SCREENING.md.
OUTCOME_FOR = {
    Severity.URGENT: Outcome.URGENT,
    Severity.ABSOLUTE: Outcome.BLOCKED,
    Severity.RELATIVE: Outcome.REVIEW,
    Severity.INFO: Outcome.CLEAR,
}
SEVERITY_ORDER = [Severity.INFO, Severity.RELATIVE, Severity.ABSOLUTE, Severity.URGENT]
OUTCOME_ORDER = [Outcome.CLEAR, Outcome.REVIEW, Outcome.BLOCKED, Outcome.URGENT]
YES_NO_KEYS = sorted(key for key, question in BY_KEY.items() if question.kind == YES_NO)

PROPERTY_SETTINGS = settings(max_examples=100, deadline=None, database=None)

appointment_dates = st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31))


def _answer(question, on_date: date) -> st.SearchStrategy:
    if question.kind == YES_NO:
        return st.booleans()
    if question.kind == DATE:
        # Mostly near the appointment, where the time windows (6 and 12 weeks) fall; sometimes after it.
        return st.integers(-10, 400).map(lambda days: (on_date - timedelta(days=days)).isoformat())
    if question.kind == NUMBER:
        return st.integers(question.min_value or 0, question.max_value or 45)
    if question.kind == CHOICE:
        return st.sampled_from([value for value, _label in question.choices])
    return st.text(max_size=20)


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict, date]:
    """Answers to any subset of the health questions (and the other keys rules read), and a date."""
    on_date = draw(appointment_dates)
    # A few answered questions at a time, so that every outcome turns up, not mostly "urgent".
    answered = draw(st.lists(st.sampled_from(sorted(BY_KEY)), max_size=10, unique=True))
    answers = {key: draw(_answer(BY_KEY[key], on_date)) for key in answered}
    if draw(st.booleans()):
        age = draw(st.integers(16, 95))
        answers["date_of_birth"] = (
            on_date - timedelta(days=365 * age + draw(st.integers(0, 364)))
        ).isoformat()
    if draw(st.booleans()):
        answers["pain_now"] = draw(st.integers(0, 10))
    if draw(st.booleans()):
        answers["pain_onset_date"] = (on_date - timedelta(days=draw(st.integers(0, 400)))).isoformat()
    if draw(st.booleans()):
        answers["areas_to_avoid"] = draw(st.sampled_from(["", "  ", "My feet, please."]))
    return answers, on_date


def most_severe_outcome(severities) -> str:
    severities = list(severities)
    if not severities:
        return Outcome.CLEAR
    return OUTCOME_FOR[max(severities, key=SEVERITY_ORDER.index)]


@pytest.fixture
def rules() -> list[RuleSpec]:
    seeded = load_active_rules()
    assert len(seeded) > 20  # the seeded rules, not an empty table
    return seeded


def test_outcome_is_the_most_severe_flags_outcome(rules):
    @PROPERTY_SETTINGS
    @given(case=cases())
    def check(case):
        answers, on_date = case
        result = screen(answers, rules, on_date)
        assert {flag.rule_key for flag in result.flags} == {
            rule.key for rule in rules if rule_matches(rule, answers, on_date)
        }
        assert result.outcome == most_severe_outcome(flag.severity for flag in result.flags)
        # Judged one rule at a time, the most severe single verdict is the whole verdict.
        singles = [screen(answers, [rule], on_date).outcome for rule in rules]
        assert result.outcome == max(singles, key=OUTCOME_ORDER.index)

    check()


def test_an_extra_yes_never_lowers_the_outcome(rules):
    @PROPERTY_SETTINGS
    @given(case=cases())
    def check(case):
        answers, on_date = case
        # Every yes/no question the patient left unanswered, answered "yes" in turn.
        for key in YES_NO_KEYS:
            if key in answers:
                continue
            before = screen(answers, rules, on_date)
            after = screen({**answers, key: True}, rules, on_date)
            assert OUTCOME_ORDER.index(after.outcome) >= OUTCOME_ORDER.index(before.outcome), key
            assert {flag.rule_key for flag in before.flags} <= {flag.rule_key for flag in after.flags}, key
            assert before.techniques_ruled_out <= after.techniques_ruled_out, key

    check()


def test_same_answers_give_the_same_result_whatever_the_order(rules):
    @PROPERTY_SETTINGS
    @given(case=cases(), shuffled=st.permutations(range(len(rules))))
    def check(case, shuffled):
        answers, on_date = case
        first = screen(answers, rules, on_date)
        assert screen(dict(answers), rules, on_date) == first
        assert screen(dict(reversed(answers.items())), [rules[i] for i in shuffled], on_date) == first
        assert first.as_json() == screen(answers, rules, on_date).as_json()

    check()
