"""Calendar files for appointments (RFC 5545, built with the `icalendar` library).

The UID is stable per appointment and SEQUENCE rises with every change, so calendar programs update
the one entry; times are in UTC; a cancelled appointment is sent with METHOD:CANCEL, and one not yet
confirmed is TENTATIVE.
"""

from __future__ import annotations

from datetime import UTC

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from clinic.models import ClinicProfile

from .models import Appointment, Status

PRODID = "-//Riverside Manual Therapy//Clinic booking//EN"


def appointment_uid(appointment: Appointment) -> str:
    return f"appointment-{appointment.pk}@clinic-booking"


# The calendar STATUS of each appointment status: an appointment still held or waiting for review is
# only pencilled in (TENTATIVE); one that will not happen is CANCELLED and sent with METHOD:CANCEL.
ICS_STATUS: dict[str, str] = {
    Status.HELD: "TENTATIVE",
    Status.PENDING_REVIEW: "TENTATIVE",
    Status.CONFIRMED: "CONFIRMED",
    Status.COMPLETED: "CONFIRMED",
    Status.NO_SHOW: "CONFIRMED",
    Status.CANCELLED: "CANCELLED",
    Status.DECLINED: "CANCELLED",
    Status.REFUSED: "CANCELLED",
    Status.EXPIRED: "CANCELLED",
}


def appointment_location(clinic: ClinicProfile) -> str:
    """Where the appointment is: the clinic's name and address on one line, as calendars show it."""
    return ", ".join(part for part in (clinic.display_name, clinic.address_one_line) if part)


def appointment_ics(appointment: Appointment) -> bytes:
    clinic = ClinicProfile.get()
    status = ICS_STATUS[appointment.status]
    cancelled = status == "CANCELLED"
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", appointment.start.astimezone(tz=UTC))
    event.add("dtend", appointment.end.astimezone(tz=UTC))
    event.add("summary", f"{appointment.service.name} with {appointment.therapist.display_name}")
    event.add("location", vText(appointment_location(clinic)))
    event.add("status", status)
    organizer = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL.split('<')[-1].rstrip('>')}")
    organizer.params["cn"] = vText(clinic.display_name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{appointment.patient.email}")
    attendee.params["cn"] = vText(appointment.patient.get_full_name() or appointment.patient.email)
    event.add("attendee", attendee)
    cal.add_component(event)
    return cal.to_ical()
