"""The clinic's own models on the change trail (the apps that depend on clinic list theirs in their
own `audit.py`, each called from its AppConfig.ready())."""

from __future__ import annotations

from allauth.mfa.models import Authenticator

from ..models import ClinicPolicy, ClinicProfile, Licence, LicenceType, Therapist, User
from .trail import track

# An account's entries name it "account 12": its name and email are masked (a patient's, once erased,
# must be nowhere, and an old name could not be found to redact). Logins (`last_login`) and "log out
# everywhere" (`session_generation`) are not changes of the account; the password is named, never stored.
ACCOUNT_MASKED = ["email", "first_name", "last_name", "phone", "password"]
ACCOUNT_EXCLUDED = ["last_login", "session_generation"]


def register() -> None:
    track(
        User,
        masked=ACCOUNT_MASKED,
        excluded=ACCOUNT_EXCLUDED,
        m2m=["groups", "user_permissions"],
        label="account",
    )
    # A second factor's type and owner; never its secret or recovery codes (`data`), nor each use.
    track(Authenticator, excluded=["data", "last_used_at"], label="second factor")
    track(LicenceType)
    track(Therapist)
    track(Licence)
    track(ClinicPolicy)
    track(ClinicProfile)
