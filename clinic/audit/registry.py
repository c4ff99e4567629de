"""The clinic's own models on the change trail (the apps that depend on clinic list theirs in their
own `audit.py`, each called from its AppConfig.ready())."""

from __future__ import annotations

from ..models import ClinicPolicy, ClinicProfile, Licence, LicenceType, Therapist
from .trail import track


def register() -> None:
    track(LicenceType)
    track(Therapist)
    track(Licence)
    track(ClinicPolicy)
    track(ClinicProfile)
