"""Where an app above bookings plugs into its pages without bookings importing it.

bookings may not import intake (an import-linter contract says so), yet a patient who holds a slot goes
on to the health questions, and the appointment page shows the screening outcome and a link to the
review, and a patient staff booked for is emailed a link to the health form. intake registers these
from its `AppConfig.ready()`; bookings only asks. With nothing registered, a hold leads to the
appointment page and the page shows the booking alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Appointment


@dataclass(frozen=True)
class AppointmentPanel:
    """A piece of the appointment page an app adds: its template and what to render it with."""

    template_name: str
    context: Mapping[str, Any] = field(default_factory=dict)


# The URL of the step after a hold (the health questions), or None when there is none for this appointment.
NextStep = Callable[["Appointment"], str | None]
# The URL of the health form that confirms a booking staff made for the patient, or None.
HealthForm = Callable[["Appointment"], str | None]
# Panels for the appointment page, given the appointment and the user looking at it.
PanelProvider = Callable[["Appointment", Any], list[AppointmentPanel]]
# Schedules an app's timed effects for the appointment as it is now (see `appointment_timers_sync`).
TimedEffects = Callable[["Appointment"], None]

# The health form a newly registered patient fills in (no appointment yet), or None.
PatientHealthForm = Callable[[], str | None]
# Where the desk goes after marking a patient arrived, when something is still to do (a form), or None.
ArrivalFollowUp = Callable[["Appointment"], str | None]

_next_step: NextStep | None = None
_health_form: HealthForm | None = None
_patient_health_form: PatientHealthForm | None = None
_arrival_follow_up: ArrivalFollowUp | None = None
_panel_providers: list[PanelProvider] = []
_timed_effects: list[TimedEffects] = []


def register_next_step(provider: NextStep) -> None:
    """Name the step a patient goes to after holding a slot. One app owns it; registering again replaces
    it (so a repeated `ready()` is harmless)."""
    global _next_step
    _next_step = provider


def register_health_form(provider: HealthForm) -> None:
    """Name the page where a patient answers the health questions for an appointment staff booked.
    One app owns it; registering again replaces it."""
    global _health_form
    _health_form = provider


def register_patient_health_form(provider: PatientHealthForm) -> None:
    """Name the page where a patient the desk registered fills in the health form. One app owns it."""
    global _patient_health_form
    _patient_health_form = provider


def register_arrival_follow_up(provider: ArrivalFollowUp) -> None:
    """Name the page the desk goes on to after marking a patient arrived, when the patient still has
    something to do there (the health form on the clinic tablet). One app owns it."""
    global _arrival_follow_up
    _arrival_follow_up = provider


def register_appointment_panels(provider: PanelProvider) -> None:
    """Add panels to the appointment page. The same provider registered twice is kept once."""
    if provider not in _panel_providers:
        _panel_providers.append(provider)


def register_timed_effects(sync: TimedEffects) -> None:
    """Have `sync` schedule an app's timed effects (tasks, messages due later) whenever an appointment
    changes: bookings' own (hold expiry, completing the visit, reminders) and intake's (review
    deadlines, the check-in request). The same one registered twice is kept once."""
    if sync not in _timed_effects:
        _timed_effects.append(sync)


def appointment_timers_sync(appointment: Appointment) -> None:
    """(Re)schedule every timed effect `appointment`'s current status and time call for, and drop the
    messages it no longer calls for. Called inside the transaction that changed it, so a rollback
    schedules nothing; each effect checks the state again when it runs, so a stale one does nothing."""
    for sync in _timed_effects:
        sync(appointment)


def next_step_url(appointment: Appointment) -> str | None:
    return _next_step(appointment) if _next_step is not None else None


def health_form_url(appointment: Appointment) -> str | None:
    return _health_form(appointment) if _health_form is not None else None


def patient_health_form_url() -> str | None:
    return _patient_health_form() if _patient_health_form is not None else None


def arrival_follow_up_url(appointment: Appointment) -> str | None:
    return _arrival_follow_up(appointment) if _arrival_follow_up is not None else None


def appointment_panels(appointment: Appointment, user) -> list[AppointmentPanel]:
    return [panel for provider in _panel_providers for panel in provider(appointment, user)]
