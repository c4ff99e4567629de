"""The intake, split into steps. Each step reads and writes its part of `Intake.answers`.

Yes/no questions are radio buttons with nothing pre-selected, so "no answer" is never mistaken for
"no". Follow-up questions are shown by a little JavaScript when their parent is "yes", and are
checked on the server either way: required when the parent is yes, cleared when it is no.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone

from clinic.inputs import FreeTextField, validate_date_range

from ..screening import engine
from . import questions as q
from . import steps

YES_NO_CHOICES = [("yes", "Yes"), ("no", "No")]


def _to_json(value):
    if isinstance(value, date):
        return value.isoformat()
    if value == "yes":
        return True
    if value == "no":
        return False
    return value


def _from_json(value):
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value


class StepForm(forms.Form):
    """A step of the intake. Its fields check typed input; `step` (steps.py) says what the step
    requires across answers, the same rules the services apply to a saved intake."""

    title = ""
    intro = ""
    step: steps.Step
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __init__(self, *args, answers: dict | None = None, user=None, **kwargs):
        self.user = user
        self.answers = answers or {}
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial = self._initial()

    def _initial(self) -> dict:
        """The saved answers as the fields show them (a date as a date, so it reads day first)."""
        initial = {}
        for key, value in self.answers.items():
            if key in self.fields:
                field = self.fields[key]
                initial[key] = (
                    steps.answer_date(value) if isinstance(field, forms.DateField) else _from_json(value)
                )
        return initial

    def to_answers(self) -> dict:
        return {k: _to_json(v) for k, v in self.cleaned_data.items() if k in self.fields}

    def field_groups(self) -> list[dict]:
        """The fields under their headings (`groups`: heading, keys), in order; a field no group names
        comes last, under no heading, so nothing is ever left off the page."""
        placed: set[str] = set()
        groups = []
        for heading, keys in self.groups:
            fields = [self[key] for key in keys if key in self.fields]
            placed.update(keys)
            if fields:
                groups.append({"heading": heading, "fields": fields})
        rest = [self[key] for key in self.fields if key not in placed]
        if rest:
            groups.append({"heading": "", "fields": rest})
        return groups

    def clean(self):
        cleaned = super().clean()
        self.prepare(cleaned)
        # The step's own answers as typed (None where a field was refused), over the saved others.
        own = dict.fromkeys(self.fields)
        own.update({k: _to_json(v) for k, v in cleaned.items() if k in self.fields})
        account_name = self.user.get_full_name() if self.user else ""
        for problem in self.step.check({**self.answers, **own}, timezone.localdate(), account_name):
            if problem.key in self.errors:
                continue  # the field's own message says it already
            field = problem.key if problem.key in self.fields else None
            self.add_error(field, forms.ValidationError(problem.message, code=problem.code))
        return cleaned

    def prepare(self, cleaned: dict) -> None:
        """Adjust the cleaned answers before the step's checks run."""


def yes_no(label: str, required: bool = True) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=YES_NO_CHOICES, widget=forms.RadioSelect, required=required)


# Typed day first, as people in the UK write dates; ISO (what a browser's date picker sends) too.
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d-%m-%Y", "%d.%m.%Y"]


def date_field(label: str, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"inputmode": "text", "autocomplete": "off"}),
        help_text="Day, month and year, for example 21/11/2026.",
        validators=[validate_date_range],
        error_messages={"invalid": "Please enter a real date as day/month/year, for example 21/11/2026."},
    )


PAIN_SCALE_ENDS = {0: "no pain", 10: "worst imaginable"}


class PainScale(forms.RadioSelect):
    """A 0-10 scale of radio buttons (templates/intake/includes/pain_scale.html lays it out)."""

    is_pain_scale = True


def pain_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[(n, f"{n} ({PAIN_SCALE_ENDS[n]})" if n in PAIN_SCALE_ENDS else str(n)) for n in range(11)],
        coerce=int,
        empty_value=None,
        widget=PainScale,
        error_messages={"invalid_choice": "Please choose a number from 0 to 10."},
    )


class AboutYouForm(StepForm):
    title = "About you"
    step = steps.STEPS[0]
    intro = "So we know who you are and whom to call in an emergency."

    legal_name = FreeTextField(label="Full legal name", max_length=200)
    preferred_name = FreeTextField(label="What should we call you?", max_length=100, required=False)
    date_of_birth = date_field("Date of birth")
    phone = FreeTextField(label="Phone", max_length=32)
    emergency_contact_name = FreeTextField(label="Emergency contact: name", max_length=200)
    emergency_contact_phone = FreeTextField(label="Emergency contact: phone", max_length=32)
    doctor_name = FreeTextField(label="Your doctor (GP): name", max_length=200, required=False)
    doctor_phone = FreeTextField(label="Your doctor: phone", max_length=32, required=False)
    guardian_name = FreeTextField(
        label="Parent or guardian's full name (if you are under 18)", max_length=200, required=False
    )

    def clean_phone(self):
        return _clean_phone(self.cleaned_data["phone"])

    def clean_emergency_contact_phone(self):
        return _clean_phone(self.cleaned_data["emergency_contact_phone"])

    def clean_doctor_phone(self):
        value = self.cleaned_data["doctor_phone"]
        return _clean_phone(value) if value else value


def _clean_phone(value: str) -> str:
    message = steps.phone_problem(value)
    if message:
        raise forms.ValidationError(message, code="invalid_phone")
    return value.strip()


REGIONS = [
    ("lower_back", "Lower back"),
    ("hip", "Hip"),
    ("groin", "Groin"),
    ("buttock", "Buttock"),
    ("thigh", "Thigh"),
    ("belly", "Belly"),
]


class VisitForm(StepForm):
    title = "Your visit"
    step = steps.STEPS[1]
    intro = "What brings you in, and how much it hurts."

    main_complaint = FreeTextField(
        label="What would you like help with?", max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    pain_onset_date = date_field("Roughly when did it start?")
    onset_kind = forms.ChoiceField(
        label="How did it start?",
        choices=[
            ("sudden", "Suddenly"),
            ("gradual", "Gradually"),
            ("injury", "After an injury"),
            ("unsure", "Not sure"),
        ],
        widget=forms.RadioSelect,
    )
    pain_now = pain_field("Pain right now")
    pain_worst = pain_field("Pain at its worst")
    pain_best = pain_field("Pain at its best")
    pain_regions = forms.MultipleChoiceField(
        label="Where does it hurt?", choices=REGIONS, widget=forms.CheckboxSelectMultiple, required=False
    )
    pain_side = forms.ChoiceField(
        label="Which side?",
        choices=[("left", "Left"), ("right", "Right"), ("both", "Both"), ("centre", "In the middle")],
        widget=forms.RadioSelect,
        required=False,
    )


class HealthForm(StepForm):
    """Built from `intake.questionnaire.questions`; wording comes from the active screening rule where there is one."""

    questions: tuple[q.Question, ...] = ()

    def __init__(
        self,
        *args,
        wording: dict[str, str] | None = None,
        visit_date: date | None = None,
        visit_day_answered: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        wording = wording or {}
        for question in self.questions:
            label = wording.get(question.key, question.text)
            if question.kind == q.YES_NO:
                field = yes_no(label, required=not question.parent)
            elif question.kind == q.DATE:
                field = date_field(label, required=False)
            elif question.kind == q.NUMBER:
                field = forms.IntegerField(
                    label=label, required=False, min_value=question.min_value, max_value=question.max_value
                )
            else:
                field = forms.ChoiceField(
                    label=label, choices=[("", "Choose…"), *question.choices], required=False
                )
            if question.parent:
                field.widget.attrs["data-follow-up-of"] = question.parent
            self.fields[question.key] = field
        if q.UNWELL_TODAY.key in self.fields:
            if visit_day_answered:
                # Answered on this visit's check-in a moment ago: asked once, not again.
                del self.fields[q.UNWELL_TODAY.key]
            else:
                self.fields[q.UNWELL_TODAY.key].label = q.visit_day_question(
                    visit_date, timezone.localdate(), wording.get(q.UNWELL_TODAY.key)
                )
        if not self.is_bound:
            self.initial = self._initial()

    def prepare(self, cleaned: dict) -> None:
        for question in self.questions:
            if question.parent and cleaned.get(question.parent) != "yes":
                cleaned[question.key] = None  # a follow-up of a "no" is not kept
                self.errors.pop(question.key, None)

    def to_answers(self) -> dict:
        answers = super().to_answers()
        # Weeks of pregnancy are true on the day they are given: keep that date, so screening counts
        # them on to each appointment's date.
        return engine.with_given_on(self.answers, answers, timezone.localdate())


class HealthWarningSignsForm(HealthForm):
    title = "Your health (1 of 2)"
    intro = "These questions help us keep treatment safe. Please answer every one."
    questions = q.RED_FLAGS
    step = steps.STEPS[2]
    groups = q.GROUPS_WARNING_SIGNS


class HealthConditionsForm(HealthForm):
    title = "Your health (2 of 2)"
    intro = "Operations, joints, pregnancy and anything else we should know."
    questions = (*q.CONDITIONS, q.UNWELL_TODAY)
    step = steps.STEPS[3]
    groups = q.GROUPS_CONDITIONS


class HistoryForm(StepForm):
    title = "Medicines and allergies"
    step = steps.STEPS[4]
    intro = "Write 'none' if there is nothing to tell."

    medications = FreeTextField(
        label="Medicines you take (including blood thinners)",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    allergies = FreeTextField(
        label="Allergies (including to oils, nuts or latex)",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    implants = FreeTextField(
        label="Implants (pacemaker, metal pins, mesh, coil, ...)",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    other_conditions = FreeTextField(
        label="Any other health conditions",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PreferencesForm(StepForm):
    title = "Your preferences"
    step = steps.STEPS[5]
    intro = "You can change your mind at any time during a session."

    pressure = forms.ChoiceField(
        label="Pressure you prefer",
        choices=[("light", "Light"), ("medium", "Medium"), ("firm", "Firm"), ("unsure", "Not sure yet")],
        widget=forms.RadioSelect,
    )
    consent_abdominal = yes_no(
        "Are you happy for the therapist to work on your lower belly, where the psoas lies?"
    )
    areas_to_avoid = FreeTextField(
        label="Areas you would like us to leave alone, or anything about touch we should know",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ConsentForm(StepForm):
    title = "Consent and signature"
    step = steps.STEPS[6]
    intro = ""

    accuracy = forms.BooleanField(
        label="The answers I gave are true and complete to the best of my knowledge, and I will tell the clinic if anything changes."
    )
    informed_consent = forms.BooleanField(
        label=(
            "I understand that psoas release involves slow, deep pressure on the lower belly, close to the aorta "
            "(the body's main artery) and to organs; that I can ask the therapist to stop or change what they do "
            "at any time; and that the therapist does not diagnose illness. I agree to treatment."
        )
    )
    privacy = forms.BooleanField(
        label="I agree that the clinic keeps these health answers to plan my care, shows them only to my therapist and clinic admins, and never shares them without my consent."
    )
    signature_name = FreeTextField(label="Type your full name as your signature", max_length=200)
    guardian_signature = FreeTextField(
        label="Parent or guardian: type your full name to sign", max_length=200, required=False
    )

    def clean_signature_name(self):
        return " ".join(self.cleaned_data["signature_name"].split())


STEPS: list[type[StepForm]] = [
    AboutYouForm,
    VisitForm,
    HealthWarningSignsForm,
    HealthConditionsForm,
    HistoryForm,
    PreferencesForm,
    ConsentForm,
]


class CheckInForm(forms.Form):
    health_changed = yes_no(
        "Since your last health form, has anything changed: your health, your medicines, or a new injury?"
    )
    unwell_today = yes_no(q.UNWELL_TODAY.text)

    def __init__(self, *args, visit_date: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unwell_today"].label = q.visit_day_question(visit_date, timezone.localdate())
