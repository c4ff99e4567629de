"""The therapist's feed as an iCalendar file (RFC 5545, built with `icalendar`).

What a subscribed calendar shows, and what it must not:
- the sessions of the last `DAYS_BACK` days up to the policy's booking horizon: waiting for review
  (TENTATIVE), confirmed, completed and no-show (CONFIRMED). Cancelled, declined, refused and expired
  bookings are left out rather than sent as STATUS:CANCELLED: a subscribed calendar drops an event
  that leaves the feed, and a cancelled visit has no business staying on a phone. Unfinished holds
  (minutes long) are left out too, as on the therapist's day page;
- the patient as "First L." (first name, initial of the last name); no email address, phone, health
  answer or screening outcome: a review is only "waiting for review";
- times in UTC; the UID the appointment's emails use; SEQUENCE rising with each change; DTSTAMP and
  LAST-MODIFIED the time the appointment last changed, so an unchanged feed is byte-for-byte the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from icalendar import Calendar, Event, vDuration

from clinic.models import ClinicPolicy, ClinicProfile, Therapist

from ..ics import ICS_STATUS, PRODID, appointment_uid
from ..models import Appointment, Status

DAYS_BACK = 30
FEED_STATUSES = (Status.PENDING_REVIEW, Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW)
# How often a calendar app should fetch the feed again (most choose their own interval anyway).
REFRESH_INTERVAL = timedelta(minutes=30)

STATUS_NOTES = {
    Status.PENDING_REVIEW: "Not confirmed yet: waiting for review.",
    Status.CONFIRMED: "Confirmed.",
    Status.COMPLETED: "Completed.",
    Status.NO_SHOW: "Marked as a no-show.",
}


def feed_appointments(therapist: Therapist, *, now: datetime) -> QuerySet[Appointment]:
    """The therapist's sessions in the feed's window, with what the feed shows (one query)."""
    since = now - timedelta(days=DAYS_BACK)
    until = now + timedelta(days=ClinicPolicy.get().horizon_days + 1)
    return (
        Appointment.objects.for_therapist(therapist)
        .filter(status__in=FEED_STATUSES, start__lt=until, end__gt=since)
        .select_related("patient", "service")
        .order_by("start", "pk")
    )


def patient_short_name(patient) -> str:
    """ "Anna K.": the first name and the first letter of the last name; never the email address."""
    first = " ".join(patient.first_name.split())
    initial = next((ch.upper() for ch in patient.last_name if ch.isalnum()), "")
    if first and initial:
        return f"{first} {initial}."
    if first:
        return first
    return f"Patient {initial}." if initial else "Patient"


def therapist_feed_ics(therapist: Therapist, appointments: Iterable[Appointment], *, location: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.calendar_name = f"{ClinicProfile.get().display_name}: {therapist.display_name}"
    cal.add("refresh-interval", vDuration(REFRESH_INTERVAL), parameters={"VALUE": "DURATION"})  # RFC 7986
    cal.add("x-published-ttl", vDuration(REFRESH_INTERVAL))  # the same hint, for Outlook and older clients
    for appointment in appointments:
        cal.add_component(_event(appointment, location=location))
    return cal.to_ical()


def _event(appointment: Appointment, *, location: str) -> Event:
    changed = appointment.updated_at.astimezone(UTC)
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("sequence", appointment.sequence)
    # Without a METHOD, DTSTAMP is when the event last changed in the calendar store (RFC 5545 3.8.7.2).
    event.add("dtstamp", changed)
    event.add("created", appointment.created_at.astimezone(UTC))
    event.add("last-modified", changed)
    event.add("dtstart", appointment.start.astimezone(UTC))
    event.add("dtend", appointment.end.astimezone(UTC))
    event.add("summary", f"{patient_short_name(appointment.patient)}: {appointment.service.name}")
    event.add("description", STATUS_NOTES[appointment.status])
    event.add("location", location)
    event.add("url", f"{settings.SITE_URL.rstrip('/')}{appointment.get_absolute_url()}")
    event.add("status", ICS_STATUS[appointment.status])
    event.add("class", "PRIVATE")
    event.add("transp", "OPAQUE")
    return event
