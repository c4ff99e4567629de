"""Bookings' models on the change trail (clinic.audit.trail), registered from BookingsConfig.ready()."""

from __future__ import annotations

from clinic.audit.trail import track

from .models import Appointment, Closure, Service, TimeOff, WeeklyHours


def register() -> None:
    # Reasons are free text that may say why (an illness): masked. Idempotency keys are bookkeeping.
    track(Service, m2m=["licence_types", "therapists"])
    track(WeeklyHours)
    track(TimeOff, masked=["reason"])
    track(Closure)
    track(Appointment, masked=["cancel_reason"], excluded=["idempotency_key"])
