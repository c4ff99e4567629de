"""Forms of the therapist's day and the home-care plan."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from bookings.models import Status
from clinic.inputs import FreeTextField, validate_date_range
from techniques.models import Technique

from ..models import OVERRIDE_REASON_MAX_LENGTH, PLAN_NOTE_MAX_LENGTH
from .services import PlanItemData

DAY, WEEK = "day", "week"


class TherapistDayForm(forms.Form):
    date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_date_range]
    )
    view = forms.ChoiceField(choices=[(DAY, "Day"), (WEEK, "Week")], required=False)


class MarkForm(forms.Form):
    to = forms.ChoiceField(choices=[(Status.COMPLETED, "Completed"), (Status.NO_SHOW, "No-show")])
    view = forms.ChoiceField(choices=[(DAY, "Day"), (WEEK, "Week")], required=False)


class PlanForm(forms.Form):
    note = FreeTextField(
        required=False,
        max_length=PLAN_NOTE_MAX_LENGTH,
        label="Note for the patient",
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text="Shown with the plan on the patient's page.",
    )


def _number(maximum: int) -> forms.IntegerField:
    return forms.IntegerField(
        required=False,
        min_value=1,
        max_value=maximum,
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
    )


class PlanItemForm(forms.Form):
    """One catalogue technique: tick it to assign it. A ruled-out technique needs an override reason."""

    technique = forms.TypedChoiceField(coerce=int, widget=forms.HiddenInput)
    include = forms.BooleanField(
        required=False, label="Assign", widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )
    hold_seconds = _number(3600)
    repetitions = _number(100)
    frequency = FreeTextField(
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": "e.g. twice a day"}
        ),
    )
    note = FreeTextField(
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    override_reason = FreeTextField(
        required=False,
        max_length=OVERRIDE_REASON_MAX_LENGTH,
        label="Override reason",
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
    )

    def __init__(self, *args, techniques: dict[int, Technique], ruled_out: dict[str, list[str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.techniques = techniques
        self.fields["technique"].choices = [(pk, str(t)) for pk, t in techniques.items()]
        raw = self.data.get(self.add_prefix("technique")) if self.is_bound else self.initial.get("technique")
        try:
            self.technique_obj: Technique | None = techniques.get(int(raw))
        except (TypeError, ValueError):
            self.technique_obj = None
        code = self.technique_obj.code if self.technique_obj else None
        self.ruled_out_reasons: list[str] = ruled_out.get(code, []) if code else []
        if self.technique_obj is not None:
            for name in ("hold_seconds", "repetitions", "frequency", "note"):
                label = self.fields[name].label or name.replace("_", " ").capitalize()
                self.fields[name].widget.attrs["aria-label"] = f"{label} for {self.technique_obj.name}"

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("include"):
            # An unticked row is not part of the plan: whatever else was typed in it does not count.
            for name in ("hold_seconds", "repetitions", "frequency", "note", "override_reason"):
                self._errors.pop(name, None)
            return cleaned
        if not (cleaned.get("frequency") or "").strip():
            self.add_error(
                "frequency", ValidationError("Say how often, e.g. twice a day.", code="frequency_required")
            )
        if self.ruled_out_reasons and not (cleaned.get("override_reason") or "").strip():
            self.add_error(
                "override_reason",
                ValidationError(
                    "Ruled out for this patient: write why you assign it anyway.",
                    code="override_reason_required",
                ),
            )
        return cleaned

    def item(self) -> PlanItemData | None:
        if not self.cleaned_data.get("include"):
            return None
        return PlanItemData(
            technique=self.techniques[self.cleaned_data["technique"]],
            frequency=self.cleaned_data["frequency"],
            hold_seconds=self.cleaned_data.get("hold_seconds"),
            repetitions=self.cleaned_data.get("repetitions"),
            note=self.cleaned_data.get("note") or "",
            override_reason=self.cleaned_data.get("override_reason") or "",
        )


class BasePlanItemFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        chosen = [form.cleaned_data["technique"] for form in self.forms if form.cleaned_data.get("include")]
        if not chosen:
            raise ValidationError("Tick at least one technique for the plan.", code="plan_empty")
        if len(chosen) != len(set(chosen)):
            raise ValidationError("A technique is in the plan twice.", code="technique_twice")

    def items(self) -> list[PlanItemData]:
        return [item for form in self.forms if (item := form.item()) is not None]


PlanItemFormSet = forms.formset_factory(PlanItemForm, formset=BasePlanItemFormSet, extra=0)


def plan_item_formset(
    data=None, *, techniques: list[Technique], ruled_out: dict[str, list[str]]
) -> BasePlanItemFormSet:
    """One row per technique of the catalogue, prefilled with its usual hold time and repetitions."""
    by_pk = {t.pk: t for t in techniques}
    initial = [
        {"technique": t.pk, "hold_seconds": t.hold_seconds, "repetitions": t.repetitions} for t in techniques
    ]
    return PlanItemFormSet(
        data,
        initial=None if data is not None else initial,
        prefix="items",
        form_kwargs={"techniques": by_pk, "ruled_out": ruled_out},
    )
