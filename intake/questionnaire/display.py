"""A whole health form as people read it: each step's title and its questions with the answers shown in
words. The patient's check page, the therapist's view of a form and the patient's data export use it."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.utils import formats, timezone

from . import questions as q
from .forms import STEPS, HealthForm
from .steps import age_on, answer_date, follow_up_is_asked

# Asked only of a patient under 18 (the form says so); shown when that applies or an answer was given.
FOR_UNDER_18 = ("guardian_name", "guardian_signature")


def was_asked(key: str, answers: Mapping, today) -> bool:
    """Whether the form asked `key` of this patient: a follow-up only after a yes to its parent, the
    guardian's questions only of someone under 18 (or when answered anyway)."""
    question = q.BY_KEY.get(key)
    if question is not None and question.parent:
        return follow_up_is_asked(question, answers)
    if key in FOR_UNDER_18 and not answers.get(key):
        born = answer_date(answers.get("date_of_birth"))
        return born is not None and age_on(born, today) < 18
    return True


def answer_sections(answers: Mapping, *, user, wording: Mapping[str, str]) -> list[dict]:
    """[{"index", "title", "rows": [(question, answer in words), ...]}, ...] in the form's order, with
    only the questions that were asked (`was_asked`). `wording` is `screening.rules.question_wording()`,
    read once by the caller."""
    today = timezone.localdate()
    sections = []
    for index, form_class in enumerate(STEPS):
        kwargs = {"answers": dict(answers), "user": user}
        if issubclass(form_class, HealthForm):
            kwargs["wording"] = dict(wording)
        form = form_class(**kwargs)
        rows = [
            (field.label, show_answer(answers.get(name), field))
            for name, field in form.fields.items()
            if was_asked(name, answers, today)
        ]
        sections.append({"index": index, "title": form_class.title, "rows": rows})
    return sections


def show_answer(value, field) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(field, forms.DateField) and (day := answer_date(value)):
        return formats.date_format(day, "DATE_FORMAT")  # 21 November 2026
    choices = dict(getattr(field, "choices", []) or [])
    if isinstance(value, list):
        return ", ".join(str(choices.get(v, v)) for v in value)
    return str(choices.get(value, value))
