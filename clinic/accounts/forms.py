"""Allauth's second-factor forms with a phone's number pad for the code (codes and recovery codes are
digits only)."""

from __future__ import annotations

from allauth.mfa.base.forms import AuthenticateForm as BaseAuthenticateForm
from allauth.mfa.totp.forms import ActivateTOTPForm as BaseActivateTOTPForm

CODE_ATTRS = {"inputmode": "numeric", "autocomplete": "one-time-code", "placeholder": "123456"}


class AuthenticateForm(BaseAuthenticateForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = "Code"
        self.fields["code"].widget.attrs.update(CODE_ATTRS)


class ActivateTOTPForm(BaseActivateTOTPForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = "Code from the app"
        self.fields["code"].widget.attrs.update(CODE_ATTRS)
