from __future__ import annotations

from datetime import date

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from clinic.forms import _clean_name
from clinic.inputs import EARLIEST_DATE, FreeTextField, validate_date_range

from .search import DATE_FORMATS
from .services import duplicate_email_message


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label="Find a patient",
        max_length=100,
        required=False,
        help_text="A name, email address, phone number or date of birth (for example 23/11/1979).",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class PatientRegisterForm(forms.Form):
    """Who the patient is, as the desk records it. No password: the patient chooses one."""

    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    email = forms.EmailField(
        label="Email address", help_text="The invitation to choose a password goes here."
    )
    phone = FreeTextField(label="Phone", max_length=32, required=False)
    date_of_birth = forms.DateField(
        label="Date of birth",
        input_formats=DATE_FORMATS,
        validators=[validate_date_range],
        help_text="Day, month, year: for example 23/11/1979.",
        widget=forms.DateInput(attrs={"inputmode": "numeric", "autocomplete": "off"}, format="%d/%m/%Y"),
    )

    def clean_first_name(self) -> str:
        return _clean_name(self.cleaned_data["first_name"])

    def clean_last_name(self) -> str:
        return _clean_name(self.cleaned_data["last_name"])

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(duplicate_email_message(email), code="duplicate_email")
        return email

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        if phone and (sum(ch.isdigit() for ch in phone) < 6 or any(ch.isalpha() for ch in phone)):
            raise forms.ValidationError(
                "Please give a phone number of digits (spaces, + and brackets are fine).", code="invalid"
            )
        return phone

    def clean_date_of_birth(self) -> date:
        born = self.cleaned_data["date_of_birth"]
        if born > timezone.localdate():
            raise forms.ValidationError("This date is in the future.", code="future_date")
        if born < EARLIEST_DATE:
            raise forms.ValidationError("Please check the year.", code="too_old")
        return born
