"""Bookings' share of a patient's rights (`clinic.rights`): their appointments in the export; on
erasure the upcoming ones cancelled (therapist and front desk told) and what the patient typed removed;
after the retention period, the appointments deleted. Registered from `BookingsConfig.ready()`."""

from __future__ import annotations

from django.db.models import Max
from django.utils import timezone

from clinic.rights import registry
from clinic.rights.registry import Erasure, ExportSection, RightsPart, utc_iso

from . import notifications, services
from .models import ACTIVE_STATUSES, Appointment, Status
from .selectors import clinic_zone

ACCOUNT_CLOSED_REASON = "The patient closed their account."


def export(patient) -> list[ExportSection]:
    appointments = list(
        Appointment.objects.filter(patient=patient)
        .select_related("therapist", "service")
        .order_by("start", "pk")
    )
    data = [
        {
            "id": appointment.pk,
            "service": appointment.service.name,
            "therapist": appointment.therapist.display_name,
            "start": utc_iso(appointment.start),
            "end": utc_iso(appointment.end),
            "status": appointment.status,
            "status_label": appointment.status_label,
            "booked_at": utc_iso(appointment.created_at),
            "booked_by_clinic": appointment.booked_by_id not in (None, patient.pk),
            "cancel_reason": appointment.cancel_reason,
        }
        for appointment in appointments
    ]
    return [
        ExportSection(
            key="appointments",
            title="Appointments",
            position=20,
            data=data,
            template="bookings/rights/export_appointments.html",
            context={"appointments": appointments},
        )
    ]


def last_contact(patient):
    """The end of the latest appointment that has started (any status: a refusal is a record too)."""
    return Appointment.objects.filter(patient=patient, start__lte=timezone.now()).aggregate(last=Max("end"))[
        "last"
    ]


def erase(erasure: Erasure) -> None:
    patient = erasure.patient
    mine = Appointment.objects.filter(patient=patient)
    # What the patient typed: the reason they gave when cancelling, and the API's retry keys.
    mine.filter(cancelled_by=patient).exclude(cancel_reason="").update(cancel_reason="")
    mine.exclude(idempotency_key="").update(idempotency_key="")
    for appointment in mine.exclude(cancel_reason="").only("pk", "cancel_reason"):
        redacted = erasure.redactor.text(appointment.cancel_reason)
        if redacted != appointment.cancel_reason:
            Appointment.objects.filter(pk=appointment.pk).update(cancel_reason=redacted)
    # A hold that ran out is expired, not cancelled; every other upcoming visit is cancelled.
    services.appointments_expire_stale_holds(now=erasure.now)
    upcoming = mine.filter(status__in=ACTIVE_STATUSES, start__gt=erasure.now).order_by("start")
    for appointment in upcoming.select_for_update():
        services.appointment_transition(
            appointment=appointment, to=Status.CANCELLED, by=erasure.by, reason=ACCOUNT_CLOSED_REASON
        )
        notifications.queue_account_closed_notice(appointment.pk)
        erasure.cancelled_appointments += 1


def closing_summary(patient) -> list[str]:
    upcoming = list(
        Appointment.objects.filter(patient=patient, status__in=ACTIVE_STATUSES, start__gt=timezone.now())
        .select_related("service", "therapist")
        .order_by("start")
    )
    upcoming = [appointment for appointment in upcoming if not appointment.hold_lapsed]
    if not upcoming:
        return ["You have no upcoming appointments."]
    tz = clinic_zone()
    times = "; ".join(
        f"{appointment.service.name} with {appointment.therapist.display_name} on {_local(appointment.start, tz)}"
        for appointment in upcoming
    )
    count = (
        "Your upcoming appointment is"
        if len(upcoming) == 1
        else f"Your {len(upcoming)} upcoming appointments are"
    )
    return [f"{count} cancelled and the clinic is told: {times}."]


def _local(moment, tz) -> str:
    local = moment.astimezone(tz)
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M}"


def purge(patient) -> None:
    mine = Appointment.objects.filter(patient=patient)
    # An account that once booked or cancelled for someone else (a former staff member): unlink those.
    Appointment.objects.exclude(patient=patient).filter(booked_by=patient).update(booked_by=None)
    Appointment.objects.exclude(patient=patient).filter(cancelled_by=patient).update(cancelled_by=None)
    mine.delete()


def register() -> None:
    registry.register(
        RightsPart(
            name="bookings",
            layer=20,
            export=export,
            last_contact=last_contact,
            erase=erase,
            purge=purge,
            closing_summary=closing_summary,
        )
    )
