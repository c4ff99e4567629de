from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils.dateparse import parse_datetime

from clinic.inputs import FreeTextField, validate_date_range
from clinic.models import Therapist

from .models import Service, Status


class SlotChoiceForm(forms.Form):
    """The slot a patient picked: posted by a slot button, checked again by the booking service."""

    start = forms.CharField(max_length=40)
    # Empty: "any therapist" (the clinic picks one who is free then).
    therapist = forms.IntegerField(min_value=1, required=False)

    def clean_start(self) -> datetime:
        value = parse_datetime(self.cleaned_data["start"])
        if value is None or value.tzinfo is None:
            raise forms.ValidationError(
                "That time could not be read; please pick a slot again.", code="invalid"
            )
        return value


class DayPickForm(forms.Form):
    therapist = forms.CharField(required=False)
    date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_date_range]
    )

    def __init__(self, *args, service: Service, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Any therapist")] + [
            (str(t.pk), t.display_name)
            for t in service.therapists.filter(active=True).order_by("display_name")
        ]
        self.fields["therapist"] = forms.ChoiceField(
            choices=choices,
            required=False,
            label="Therapist",
            widget=forms.Select(attrs={"class": "form-select"}),
        )
        self.fields["date"].label = "Day"
        self.fields["date"].widget.attrs["class"] = "form-control"


class CancelForm(forms.Form):
    reason = FreeTextField(
        max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Reason (optional)"
    )


class FrontDeskBookingForm(forms.Form):
    """The front desk's first two choices (a GET form): who the booking is for, and which service. The
    time is then clicked in the slot picker, the same as patients use."""

    patient = forms.EmailField(label="Patient's email", max_length=254)
    service = forms.ModelChoiceField(
        queryset=Service.objects.active().order_by("name"),
        to_field_name="slug",
        empty_label="Choose a service",
        label="Service",
    )

    def clean_patient(self):
        email = self.cleaned_data["patient"].strip().lower()
        patient = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if patient is None:
            raise forms.ValidationError(
                "No patient account has this email. Find the patient, or register them first.",
                code="unknown_patient",
            )
        self.patient = patient
        return email


class DayListFilterForm(forms.Form):
    date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_date_range]
    )
    therapist = forms.ModelChoiceField(
        queryset=Therapist.objects.all(), required=False, empty_label="All therapists"
    )
    status = forms.ChoiceField(choices=[("", "All statuses"), *Status.choices], required=False)
    view = forms.ChoiceField(
        choices=[("day", "Day"), ("week", "Week")], required=False, widget=forms.HiddenInput
    )
