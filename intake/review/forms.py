"""Forms of the staff review: the queue's filters, a decision, a patient's clearance letter."""

from __future__ import annotations

from django import forms

from clinic.inputs import FreeTextField
from clinic.models import Therapist
from techniques.models import Technique

from ..models import DECISION_NOTE_MAX_LENGTH, Decision, Outcome
from . import letters

MINE, ALL = "mine", "all"


class QueueFilterForm(forms.Form):
    """GET filters of the review queue. Therapists only ever see their own patients, so they get the
    outcome filter alone; clinic admins also choose mine/all and a therapist."""

    scope = forms.ChoiceField(
        label="Cases", choices=[(ALL, "All cases"), (MINE, "My patients")], required=False
    )
    outcome = forms.ChoiceField(
        label="Severity",
        choices=[("", "Any severity"), *((o.value, o.label) for o in Outcome if o != Outcome.CLEAR)],
        required=False,
    )
    therapist = forms.ModelChoiceField(
        label="Therapist", queryset=Therapist.objects.all(), required=False, empty_label="All therapists"
    )

    def __init__(self, *args, sees_all: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.sees_all = sees_all
        if not sees_all:
            del self.fields["scope"]
            del self.fields["therapist"]

    def filter(self, qs, *, user):
        """Apply the valid filters to a queue queryset; invalid ones are ignored."""
        if not self.is_bound or not self.is_valid():
            return qs
        data = self.cleaned_data
        if data.get("scope") == MINE:
            qs = qs.filter(appointment__therapist__user=user)
        if data.get("outcome"):
            qs = qs.filter(outcome=data["outcome"])
        if data.get("therapist"):
            qs = qs.filter(appointment__therapist=data["therapist"])
        return qs


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="Decision", choices=Decision.choices, widget=forms.RadioSelect)
    restricted_techniques = forms.MultipleChoiceField(
        label="Techniques to avoid (for 'cleared with restrictions')",
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = FreeTextField(
        label="Note (why; kept in the record, not sent to the patient)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=DECISION_NOTE_MAX_LENGTH,
    )
    expected_last_decision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, ruled_out: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["restricted_techniques"].choices = [
            (code, f"{name} ({code}){' - ruled out by screening' if code in ruled_out else ''}")
            for code, name in Technique.objects.order_by("position", "name").values_list("code", "name")
        ]

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        restricted = cleaned.get("restricted_techniques") or []
        if decision == Decision.CLEARED_WITH_RESTRICTIONS and not restricted:
            self.add_error(
                "restricted_techniques",
                forms.ValidationError(
                    "Choose at least one technique to avoid.", code="restrictions_required"
                ),
            )
        elif decision and decision != Decision.CLEARED_WITH_RESTRICTIONS and restricted:
            self.add_error(
                "restricted_techniques",
                forms.ValidationError(
                    "Techniques to avoid go with 'cleared with restrictions' only.",
                    code="restrictions_not_allowed",
                ),
            )
        return cleaned


class ClearanceLetterForm(forms.Form):
    letter = forms.FileField(
        label="Your doctor's letter",
        help_text="A PDF, or a photo or scan as JPG or PNG, up to 10 MB.",
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def clean_letter(self):
        letter = self.cleaned_data["letter"]
        try:
            self.content_type = letters.check_letter_file(letter)
        except letters.ReviewError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        return letter


class AlertAcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="What did you do?",
        help_text="For example: phoned, advised A&E. Saved with your name and the time.",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_note(self):
        note = self.cleaned_data["note"].strip()
        if not note:
            raise forms.ValidationError("Please write what you did.", code="note_required")
        return note
