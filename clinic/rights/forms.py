from __future__ import annotations

from django import forms

from ..forms import CurrentPasswordForm


class CloseAccountForm(CurrentPasswordForm):
    """The patient types their password again: closing an account cannot be undone."""

    understood = forms.BooleanField(
        label="I understand that my account is closed for good and my upcoming appointments are cancelled."
    )
