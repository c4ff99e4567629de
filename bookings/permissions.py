"""Who may see and change which appointment: one place for the views, templates, admin, API and services.

Patients see their own appointments and may cancel or move them up to the clinic's cancellation window
before the start. Therapists see the appointments they give and change none of them. Front desk and
clinic admins (`clinic.roles.manages_appointments`) see every appointment, book for patients, and
cancel or move any active appointment at any time.

An appointment's page shows its health screening result, so a staff member's read of it is recorded (an
access event, clinic.audit): the page gets it through `read_appointment_or_404`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils import timezone

from clinic import roles
from clinic.audit.access import get_record_or_404
from clinic.audit.models import AccessKind
from clinic.models import ClinicPolicy

if TYPE_CHECKING:
    from .models import Appointment


def can_manage_appointments(user) -> bool:
    """Front desk and clinic admins: every appointment, booking for patients, changes at any time."""
    return roles.manages_appointments(user)


def visible_appointments_q(user) -> Q:
    """The filter behind `Appointment.objects.visible_to(user)`: own appointments as patient or as
    therapist, every appointment for those who manage them, none for anonymous visitors."""
    if not (user and user.is_authenticated):
        return Q(pk__in=[])
    if can_manage_appointments(user):
        return Q()
    return Q(patient=user) | Q(therapist__user=user)


def read_appointment_or_404(request, queryset, pk: int) -> Appointment:
    """The appointment `pk` of `queryset` (`Appointment.objects.visible_to(request.user)`), or 404;
    a staff member's read of another person's appointment page is recorded."""
    return get_record_or_404(request, queryset, kind=AccessKind.APPOINTMENT, pk=pk)


def is_own_appointment(user, appointment: Appointment) -> bool:
    return bool(user and user.is_authenticated and appointment.patient_id == user.pk)


def within_change_window(appointment: Appointment, *, now: datetime | None = None) -> bool:
    """Whether the appointment starts at least the policy's cancellation window from now."""
    now = now or timezone.now()
    window = timedelta(hours=ClinicPolicy.get().cancellation_window_hours)
    return appointment.start - now >= window


def can_request_change(user, appointment: Appointment) -> bool:
    """The people for whom changing this appointment is a question at all: its patient, and staff who
    manage appointments. Anyone else who can see it (its therapist) is shown no change page (404)."""
    return is_own_appointment(user, appointment) or can_manage_appointments(user)


def can_change_appointment(user, appointment: Appointment, *, now: datetime | None = None) -> bool:
    """Cancel or move it now: only while it is active; its patient up to the cancellation window
    before the start, staff who manage appointments at any time. A staff member's own appointment
    follows the patient's rule."""
    if not appointment.is_active:
        return False
    if is_own_appointment(user, appointment):
        return within_change_window(appointment, now=now)
    return can_manage_appointments(user)


def can_mark_appointment(user, appointment: Appointment) -> bool:
    """Completed or no-show is recorded by the appointment's own therapist."""
    return bool(user and user.is_authenticated and appointment.therapist.user_id == user.pk)


def can_book_for(user, patient) -> bool:
    """Patients book for themselves; front desk and clinic admins for anyone."""
    if not (user and user.is_authenticated):
        return False
    return user.pk == patient.pk or can_manage_appointments(user)


def can_manage_calendar_feed(user, therapist) -> bool:
    """Make, replace or turn off a therapist's calendar link: the therapist themselves, and clinic
    admins (who hold `bookings.change_calendarfeed`). Front desk and other therapists may not."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return therapist.user_id == user.pk or user.has_perm("bookings.change_calendarfeed")
