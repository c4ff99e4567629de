from __future__ import annotations

from django import forms


class CloseAccountForm(forms.Form):
    """The patient types their password again: closing an account cannot be undone."""

    password = forms.CharField(
        label="Your password",
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    understood = forms.BooleanField(
        label="I understand that my account is closed for good and my upcoming appointments are cancelled."
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if "\x00" in password or not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.", code="wrong_password")
        return password
