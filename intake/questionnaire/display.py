"""A whole health form as people read it: each step's title and its questions with the answers shown in
words. The patient's check page, the therapist's view of a form and the patient's data export use it."""

from __future__ import annotations

from collections.abc import Mapping

from .forms import STEPS, HealthForm


def answer_sections(answers: Mapping, *, user, wording: Mapping[str, str]) -> list[dict]:
    """[{"index", "title", "rows": [(question, answer in words), ...]}, ...] in the form's order.
    `wording` is `screening.rules.question_wording()`, read once by the caller."""
    sections = []
    for index, form_class in enumerate(STEPS):
        kwargs = {"answers": dict(answers), "user": user}
        if issubclass(form_class, HealthForm):
            kwargs["wording"] = dict(wording)
        form = form_class(**kwargs)
        rows = [(field.label, show_answer(answers.get(name), field)) for name, field in form.fields.items()]
        sections.append({"index": index, "title": form_class.title, "rows": rows})
    return sections


def show_answer(value, field) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    choices = dict(getattr(field, "choices", []) or [])
    if isinstance(value, list):
        return ", ".join(str(choices.get(v, v)) for v in value)
    return str(choices.get(value, value))
