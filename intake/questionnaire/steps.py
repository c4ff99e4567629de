"""What each step of the health form requires, as pure functions of the answers.

Answers have their stored shape: dates as ISO strings, yes/no as booleans. The step forms check typed
input field by field, then call `Step.check` for what spans several answers; the services call the
same functions on the saved answers to know whether an intake is complete (`missing_steps`). So the
form and the service cannot disagree, and no service needs a form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from . import questions as q


@dataclass(frozen=True)
class Problem:
    key: str
    message: str
    code: str


@dataclass(frozen=True)
class Step:
    """`required` answers must be given (yes and no both count), `agreed` ones ticked; `optional` may
    be left out. `check` sees every answer and returns what is wrong across them."""

    required: tuple[str, ...]
    check: Callable[[Mapping, date, str], list[Problem]]
    agreed: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        return (*self.required, *self.agreed, *self.optional)


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def answer_date(value) -> date | None:
    if isinstance(value, date):
        return value
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _words(value) -> str:
    return " ".join(str(value or "").split())


def phone_problem(value: str) -> str | None:
    """Why a phone number cannot be right, or None."""
    digits = [c for c in value if c.isdigit()]
    if len(digits) < 7 or any(c not in "0123456789 +-()." for c in value):
        return "Please enter a phone number (digits, spaces and + only)."
    return None


def check_about_you(answers: Mapping, today: date, account_name: str) -> list[Problem]:
    problems = []
    for key in ("phone", "emergency_contact_phone", "doctor_phone"):
        value = answers.get(key)
        if value and (message := phone_problem(value)):
            problems.append(Problem(key, message, "invalid_phone"))
    born = answer_date(answers.get("date_of_birth"))
    if born:
        if born > today:
            problems.append(Problem("date_of_birth", "This date is in the future.", "future_date"))
        elif age_on(born, today) > 120:
            problems.append(Problem("date_of_birth", "Please check the year.", "too_old"))
        elif age_on(born, today) < 18 and not _words(answers.get("guardian_name")):
            problems.append(
                Problem(
                    "guardian_name",
                    "Patients under 18 need a parent or guardian's consent: please give their name.",
                    "guardian_required",
                )
            )
    return problems


def check_visit(answers: Mapping, today: date, account_name: str) -> list[Problem]:
    problems = []
    onset = answer_date(answers.get("pain_onset_date"))
    if onset and onset > today:
        problems.append(Problem("pain_onset_date", "This date cannot be in the future.", "future_date"))
    now, worst, best = answers.get("pain_now"), answers.get("pain_worst"), answers.get("pain_best")
    if worst is not None and best is not None and best > worst:
        problems.append(Problem("pain_best", "Your best can't be higher than your worst.", "contradiction"))
    if worst is not None and now is not None and now > worst:
        problems.append(
            Problem("pain_worst", "Your worst can't be lower than your pain now.", "contradiction")
        )
    born = answer_date(answers.get("date_of_birth"))
    if born and onset and onset < born:
        problems.append(Problem("pain_onset_date", "This is before your date of birth.", "contradiction"))
    return problems


def follow_up_is_asked(question: q.Question, answers: Mapping) -> bool:
    """A follow-up question counts only when its parent is answered yes."""
    return answers.get(question.parent) is True


def health_check(questions: tuple[q.Question, ...]) -> Callable[[Mapping, date, str], list[Problem]]:
    def check(answers: Mapping, today: date, account_name: str) -> list[Problem]:
        problems = []
        born = answer_date(answers.get("date_of_birth"))
        for question in questions:
            if question.parent and not follow_up_is_asked(question, answers):
                continue
            value = answers.get(question.key)
            if question.parent and value in (None, ""):
                problems.append(Problem(question.key, "Please answer this too.", "required"))
                continue
            if question.kind != q.DATE or not value:
                continue
            when = answer_date(value)
            if when and question.parent and question.past_date and when > today:
                problems.append(Problem(question.key, "This date cannot be in the future.", "future_date"))
            elif when and born and when < born:
                problems.append(Problem(question.key, "This is before your date of birth.", "contradiction"))
        return problems

    return check


def no_check(answers: Mapping, today: date, account_name: str) -> list[Problem]:
    return []


def check_consent(answers: Mapping, today: date, account_name: str) -> list[Problem]:
    problems = []
    typed = _words(answers.get("signature_name"))
    expected = _words(account_name)
    if typed and expected and typed.casefold() != expected.casefold():
        problems.append(
            Problem(
                "signature_name",
                f"Please type your name exactly as on your account: {expected}.",
                "signature_mismatch",
            )
        )
    born = answer_date(answers.get("date_of_birth"))
    if born and age_on(born, today) < 18:
        guardian = _words(answers.get("guardian_name"))
        signed = _words(answers.get("guardian_signature"))
        if not signed or signed.casefold() != guardian.casefold():
            problems.append(
                Problem(
                    "guardian_signature",
                    f"Your parent or guardian ({guardian or 'named on the first step'}) must sign here.",
                    "guardian_signature",
                )
            )
    return problems


def _health_step(questions: tuple[q.Question, ...]) -> Step:
    return Step(
        required=tuple(x.key for x in questions if not x.parent),
        optional=tuple(x.key for x in questions if x.parent),
        check=health_check(questions),
    )


# In the order the patient answers them; the step forms in forms.py follow the same order.
STEPS: tuple[Step, ...] = (
    Step(  # about you
        required=(
            "legal_name",
            "date_of_birth",
            "phone",
            "emergency_contact_name",
            "emergency_contact_phone",
        ),
        optional=("preferred_name", "doctor_name", "doctor_phone", "guardian_name"),
        check=check_about_you,
    ),
    Step(  # your visit
        required=("main_complaint", "pain_onset_date", "onset_kind", "pain_now", "pain_worst", "pain_best"),
        optional=("pain_regions", "pain_side"),
        check=check_visit,
    ),
    _health_step(q.RED_FLAGS),
    _health_step((*q.CONDITIONS, q.UNWELL_TODAY)),
    Step(  # medicines and allergies
        required=("medications", "allergies", "implants"),
        optional=("other_conditions",),
        check=no_check,
    ),
    Step(  # preferences
        required=("pressure", "consent_abdominal"),
        optional=("areas_to_avoid",),
        check=no_check,
    ),
    Step(  # consent and signature
        required=("signature_name",),
        agreed=("accuracy", "informed_consent", "privacy"),
        optional=("guardian_signature",),
        check=check_consent,
    ),
)


def step_problems(index: int, answers: Mapping, *, today: date, account_name: str) -> list[Problem]:
    """Everything wrong with one step's saved answers: unanswered, unticked, or inconsistent."""
    step = STEPS[index]
    problems = [
        Problem(key, "This field is required.", "required")
        for key in step.required
        if answers.get(key) in (None, "", [])
    ]
    problems += [
        Problem(key, "This field is required.", "required")
        for key in step.agreed
        if answers.get(key) is not True
    ]
    return problems + step.check(answers, today, account_name)


def missing_steps(answers: Mapping, *, today: date, account_name: str) -> list[int]:
    """The steps whose saved answers are not complete and consistent (none, when the intake is)."""
    return [
        index
        for index in range(len(STEPS))
        if step_problems(index, answers, today=today, account_name=account_name)
    ]
