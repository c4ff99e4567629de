"""The step rules as pure functions: the forms and the services judge answers by the same ones."""

from datetime import date

import pytest
from django import forms as django_forms

from intake.questionnaire import forms, steps

from .steps import clear_steps

TODAY = date(2026, 6, 1)


def saved_answers(**overrides) -> dict:
    """A healthy adult's answers as the step forms store them."""
    answers: dict = {}
    for form_class, data in zip(forms.STEPS, clear_steps(**overrides), strict=True):
        form = form_class(data=data, answers=answers)
        assert form.is_valid(), form.errors
        answers.update(form.to_answers())
    return answers


@pytest.mark.parametrize("index", range(len(forms.STEPS)))
def test_each_step_form_asks_what_its_step_rule_requires(index):
    form = forms.STEPS[index]()
    rule = steps.STEPS[index]
    assert form_class_step(index) is rule
    required = {
        n for n, f in form.fields.items() if f.required and not isinstance(f, django_forms.BooleanField)
    }
    ticked = {n for n, f in form.fields.items() if f.required and isinstance(f, django_forms.BooleanField)}
    assert required == set(rule.required)
    assert ticked == set(rule.agreed)
    assert set(form.fields) == set(rule.keys)


def form_class_step(index):
    return forms.STEPS[index].step


def test_a_complete_intake_has_no_missing_steps():
    assert steps.missing_steps(saved_answers(), today=TODAY, account_name="Sam Taylor") == []


def test_a_question_left_unanswered_marks_its_step():
    answers = saved_answers()
    del answers["blood_clot"]
    assert steps.missing_steps(answers, today=TODAY, account_name="Sam Taylor") == [2]


def test_a_follow_up_of_a_yes_must_be_answered():
    answers = {**saved_answers(), "injury": True, "injury_date": None, "injury_minor_fall": False}
    problems = steps.step_problems(2, answers, today=TODAY, account_name="Sam Taylor")
    assert [(p.key, p.code) for p in problems] == [("injury_date", "required")]


def test_a_signature_that_no_longer_matches_the_account_name_marks_the_consent_step():
    answers = saved_answers()
    assert steps.missing_steps(answers, today=TODAY, account_name="Sam Jones") == [6]


def test_a_patient_under_18_needs_a_guardian_on_the_first_and_last_steps():
    answers = {**saved_answers(), "date_of_birth": "2012-01-01", "guardian_name": ""}
    assert steps.missing_steps(answers, today=TODAY, account_name="Sam Taylor") == [0, 6]


def test_unticked_consent_marks_the_consent_step():
    answers = {**saved_answers(), "privacy": False}
    assert steps.missing_steps(answers, today=TODAY, account_name="Sam Taylor") == [6]
