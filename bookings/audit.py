"""Bookings' models on the change trail (clinic.audit.trail), registered from BookingsConfig.ready()."""

from __future__ import annotations

from clinic.audit.trail import track

from .feed.models import CalendarFeed
from .models import Appointment, Closure, Service, TimeOff, WeeklyHours


def register() -> None:
    # Reasons are free text that may say why (an illness): masked. Idempotency keys are bookkeeping.
    track(Service, m2m=["licence_types", "therapists"])
    track(WeeklyHours)
    track(TimeOff, masked=["reason"])
    track(Closure)
    track(Appointment, masked=["cancel_reason"], excluded=["idempotency_key"])
    # A therapist's private calendar link: made, replaced (a new hash) or turned off; the hash is a key.
    track(CalendarFeed, masked=["token_hash"])
