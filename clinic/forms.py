from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model


class SignupForm(forms.Form):
    """Extra sign-up fields: the name is needed on intakes, e-signatures and appointment emails."""

    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)

    field_order = ["first_name", "last_name", "email", "password1", "password2"]

    def clean_first_name(self) -> str:
        return _clean_name(self.cleaned_data["first_name"])

    def clean_last_name(self) -> str:
        return _clean_name(self.cleaned_data["last_name"])

    def signup(self, request, user) -> None:
        user.first_name = self.cleaned_data["first_name"]
        user.last_name = self.cleaned_data["last_name"]
        user.save(update_fields=["first_name", "last_name"])


class CurrentPasswordForm(forms.Form):
    """The signed-in person types their password again before an action that ends their sessions or
    closes their account: someone who found the browser open cannot do it."""

    password = forms.CharField(
        label="Your password",
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Type your password to go on."},
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if "\x00" in password or not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.", code="wrong_password")
        return password


def _clean_name(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise forms.ValidationError("Please enter your name.", code="required")
    if any(ch in value for ch in "<>{}@/\\"):
        raise forms.ValidationError("A name cannot contain < > { } @ / or \\.", code="invalid")
    return value


class ClinicAdminUserCreationForm(forms.ModelForm):
    """A new account made by a clinic admin: no password (the person sets their own through
    "Forgot your password?"), no role until the account is saved and changed."""

    class Meta:
        model = get_user_model()
        fields = ["email", "first_name", "last_name", "phone"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email address already exists.", code="unique")
        return email

    def save(self, commit: bool = True):
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user
