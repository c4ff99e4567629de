"""Messages due before a visit: the patient's reminder, and the machinery other apps use for theirs
(intake's check-in request).

A notice is an outbox row with `due_at`, queued in the transaction that confirms or moves the
appointment and sent by the outbox's task at that time. `appointment_notice_sync` keeps exactly one
pending notice of a kind per appointment, for its current time: a move skips the pending one and
queues one for the new time, a cancellation (or any end) skips it. When it falls due, the kind's
"still wanted?" check (`clinic.outbox.wanted`) skips it if the appointment is no longer in a state
that wants it or has moved since it was queued.

"N hours before" is counted on the clinic's wall clock, so a reminder 24 hours before a 10:00 visit
goes out at 10:00 the day before, also across a daylight-saving change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from clinic.models import ClinicPolicy
from clinic.outbox.emails import absolute_url, email_subject, render_email
from clinic.outbox.models import OutboxMessage
from clinic.outbox.services import outbox_enqueue, outbox_skip

from .models import ACTIVE_STATUSES, Appointment, Status
from .selectors import clinic_zone

REMINDER = "appointment.reminder"


def wall_clock_before(moment: datetime, hours: int) -> datetime:
    """`hours` before `moment` on the clinic's wall clock (arithmetic on an aware datetime keeps its
    zone's local time): 24 hours before 10:00 on the day after a clock change is 10:00 the day before."""
    return moment.astimezone(clinic_zone()) - timedelta(hours=hours)


def appointment_notice_sync(
    appointment: Appointment,
    *,
    kind: str,
    due: datetime | None,
    queue: Callable[[Appointment, datetime], Iterable[OutboxMessage]],
) -> None:
    """Keep one pending `kind` notice for `appointment` as it is now, in the caller's transaction.

    With `due` (in the future) `queue(appointment, due)` queues it (returning the row already queued
    while nothing changed, since the outbox's key includes the calendar sequence) and any other pending
    notice of that kind is skipped. Without, nothing new is queued: pending ones are skipped once the
    appointment is no longer active or has moved, and otherwise left to the check at send time (a visit
    back in review may be confirmed again before its reminder is due)."""
    if appointment.status == Status.HELD:
        return  # nothing is queued for a hold, and no appointment goes back to being held
    pending = OutboxMessage.objects.pending().filter(appointment=appointment, kind=kind)
    if due is not None and due > timezone.now():
        keep = [message.pk for message in queue(appointment, due)]
        outbox_skip(messages=pending.exclude(pk__in=keep), reason="Replaced: the appointment changed.")
    elif appointment.status in ACTIVE_STATUSES:
        outbox_skip(
            messages=pending.exclude(appointment_start=appointment.start), reason="The appointment moved."
        )
    else:
        outbox_skip(
            messages=pending, reason=f"The appointment is {appointment.get_status_display().lower()}."
        )


def appointment_unchanged(message: OutboxMessage, *, statuses: Iterable[str] = (Status.CONFIRMED,)) -> str:
    """A "still wanted?" check for notices about an appointment: "" while the appointment is in one of
    `statuses` and starts when it did when the notice was queued, else why not."""
    appointment = message.appointment
    if appointment is None:
        return "The appointment no longer exists."
    if appointment.status not in statuses or appointment.hold_lapsed:
        return f"The appointment is {appointment.status_label.lower()}."
    if message.appointment_start is not None and appointment.start != message.appointment_start:
        return "The appointment moved since this was queued."
    return ""


def reminder_due(appointment: Appointment) -> datetime | None:
    """When a confirmed appointment's reminder goes out (None: no reminder, by policy or state)."""
    if appointment.status != Status.CONFIRMED:
        return None
    hours = ClinicPolicy.get().reminder_hours
    return wall_clock_before(appointment.start, hours) if hours else None


def _change_online_until(appointment: Appointment, due: datetime) -> datetime | None:
    """Until when the patient may still cancel or move online, if that is after the reminder arrives."""
    until = appointment.start - timedelta(hours=ClinicPolicy.get().cancellation_window_hours)
    return until.astimezone(clinic_zone()) if until > due else None


def queue_reminder(appointment: Appointment, due: datetime) -> list[OutboxMessage]:
    appointment = Appointment.objects.select_related("patient", "therapist", "service").get(pk=appointment.pk)
    tz = clinic_zone()
    local_start = appointment.start.astimezone(tz)
    body_text, body_html = render_email(
        "bookings/email/reminder",
        {
            "appointment": appointment,
            "local_start": local_start,
            "local_end": appointment.end.astimezone(tz),
            "time_zone": tz.key,
            "greeting_name": appointment.patient.first_name or appointment.patient.email,
            "change_online_until": _change_online_until(appointment, due),
            "appointment_url": absolute_url(reverse("bookings:appointment-detail", args=[appointment.pk])),
        },
    )
    return outbox_enqueue(
        kind=REMINDER,
        appointment=appointment,
        due_at=due,
        event=f"{due.isoformat()}|sequence-{appointment.sequence}",
        to=appointment.patient.email,
        subject=email_subject(
            f"Reminder: your appointment on {local_start:%A} {local_start.day} {local_start:%B} at "
            f"{local_start:%H:%M}"
        ),
        body_text=body_text,
        body_html=body_html,
    )


def reminders_sync(appointment: Appointment) -> None:
    """The patient's reminder for the appointment as it is now (a timed effect, registered in
    `bookings.extensions`)."""
    appointment_notice_sync(appointment, kind=REMINDER, due=reminder_due(appointment), queue=queue_reminder)


def reminder_still_wanted(message: OutboxMessage) -> str:
    return appointment_unchanged(message)
