"""Every write to an appointment that carries a rule. Views, forms, the admin and the API call these.

The rule that matters most: no two active appointments of one therapist (including the service's
buffer) or of one patient overlap. The availability engine checks it first (for a friendly message);
the database has the final word: an exclusion constraint on PostgreSQL, and on SQLite an IMMEDIATE
transaction (the write lock is taken before the check, so check-then-insert cannot interleave).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from clinic.audit.trail import acted_by, acting_as, record_bulk_update
from clinic.inputs import clean_text, date_in_range
from clinic.models import ClinicPolicy, ClinicProfile, Therapist

from . import extensions, notifications, permissions, schedule_locks, selectors
from .errors import BookingError as BookingError  # re-exported: callers import it from here
from .errors import busy_error, constraint_error, is_contention
from .models import ACTIVE_STATUSES, Appointment, Service, Status

# The appointment's life (DESIGN.md). Anything not listed here is refused.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.HELD: frozenset(
        {Status.PENDING_REVIEW, Status.CONFIRMED, Status.REFUSED, Status.EXPIRED, Status.CANCELLED}
    ),
    # Screening again (a check-in, a changed form) can find an urgent sign or a new flag at any time
    # before the visit: refused from every active state, and a confirmed visit goes back to review.
    Status.PENDING_REVIEW: frozenset({Status.CONFIRMED, Status.DECLINED, Status.REFUSED, Status.CANCELLED}),
    Status.CONFIRMED: frozenset(
        {Status.COMPLETED, Status.NO_SHOW, Status.CANCELLED, Status.REFUSED, Status.PENDING_REVIEW}
    ),
    # A visit completed automatically after its end (bookings.tasks.complete_visit) may turn out a no-show.
    Status.COMPLETED: frozenset({Status.NO_SHOW}),
}

# A patient can be marked arrived for a booked visit (confirmed, or still waiting for review: the
# therapist then decides before the session), on the visit's day, once.
ARRIVAL_STATUSES = frozenset({Status.CONFIRMED, Status.PENDING_REVIEW})


def appointment_transition(*, appointment: Appointment, to: str, by=None, reason: str = "") -> Appointment:
    """Move an appointment to status `to`, if the table of allowed moves permits it.

    The row is locked and re-read, so two concurrent moves cannot both succeed from the same state.
    The change trail names `by` as the actor (else the request's user, or the system).
    """
    with transaction.atomic(), acted_by(by):
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        lapsed = (
            current.status == Status.HELD
            and current.hold_expires_at
            and current.hold_expires_at <= timezone.now()
        )
        # Refusing a lapsed hold only frees what is free already, and an urgent answer must never be lost.
        if lapsed and to not in (Status.EXPIRED, Status.CANCELLED, Status.REFUSED):
            raise BookingError(
                "This booking was held too long and has lapsed; please book again.", code="expired"
            )
        if to not in ALLOWED_TRANSITIONS.get(current.status, frozenset()):
            raise BookingError(
                f"An appointment that is {current.get_status_display().lower()} cannot become "
                f"{Status(to).label.lower()}.",
                code="invalid_transition",
            )
        current.status = to
        fields = ["status", "updated_at"]
        if to == Status.CANCELLED:
            current.cancelled_by = by
            current.cancel_reason = clean_text(reason)[:300]
            current.sequence += 1
            fields += ["cancelled_by", "cancel_reason", "sequence"]
        elif to in (Status.DECLINED, Status.REFUSED, Status.EXPIRED):
            current.cancel_reason = clean_text(reason)[:300]
            current.sequence += 1
            fields += ["cancel_reason", "sequence"]
        elif to in (Status.CONFIRMED, Status.PENDING_REVIEW):
            current.hold_expires_at = None
            fields.append("hold_expires_at")
        current.save(update_fields=fields)
        extensions.appointment_timers_sync(current)
    appointment.refresh_from_db()
    return appointment


def appointments_expire_stale_holds(*, now: datetime | None = None) -> int:
    """Mark holds whose time ran out as expired. A constraint cannot read the clock, so the booking
    transaction calls this before it inserts. The rows are locked (in one order) before the update,
    so the change trail, which names the system as the actor, records each expiry once."""
    now = now or timezone.now()
    # No savepoint: inside the booking transaction this is part of it; on its own (the worker), its own.
    with transaction.atomic(savepoint=False), acting_as(None):
        stale = list(
            Appointment.objects.select_for_update()
            .filter(status=Status.HELD, hold_expires_at__lte=now)
            .only("pk", "patient_id", "status")
            .order_by("pk")
        )
        if not stale:
            return 0
        expired = Appointment.objects.filter(pk__in=[a.pk for a in stale], status=Status.HELD).update(
            status=Status.EXPIRED, updated_at=now
        )
        record_bulk_update(stale, status=Status.EXPIRED)
    return expired


SLOT_TAKEN = "Sorry, this time was just taken. Please pick another slot."


def _is_taken(*, service: Service, therapist: Therapist, start: datetime, exclude_id: int | None) -> bool:
    """Whether an active appointment of `therapist` overlaps this one with its buffer (one indexed query)."""
    end = start + service.duration + service.buffer
    return (
        selectors.busy_appointments(therapist_ids=[therapist.pk], start=start, end=end)
        .exclude(pk=exclude_id)
        .exists()
    )


def _check_free(
    *, service: Service, therapist: Therapist, patient, start: datetime, exclude_id: int | None
) -> None:
    end = start + service.duration
    if not selectors.slot_is_bookable(
        service=service, therapist=therapist, start=start, exclude_appointment_id=exclude_id
    ):
        if _is_taken(service=service, therapist=therapist, start=start, exclude_id=exclude_id):
            raise BookingError(SLOT_TAKEN, code="slot_taken")
        raise BookingError(
            "This time cannot be booked: it is outside the therapist's hours, too soon, or too far ahead.",
            code="slot_unavailable",
        )
    patient_busy = (
        selectors.blocking_appointments()
        .filter(patient=patient, start__lt=end, end__gt=start)
        .exclude(pk=exclude_id)
        .exists()
    )
    if patient_busy:
        raise BookingError("You already have an appointment at this time.", code="patient_busy")


def _check_live_holds(*, patient, policy: ClinicPolicy, now: datetime) -> None:
    live = Appointment.objects.filter(patient=patient, status=Status.HELD, hold_expires_at__gt=now).count()
    if live >= policy.max_live_holds:
        raise BookingError(
            f"You already hold {live} times that are not booked yet. Finish the health questions for "
            "one of them, or cancel one under My appointments, before holding another.",
            code="too_many_holds",
        )


def _validate_request(*, service: Service, therapist: Therapist, start: datetime) -> None:
    if timezone.is_naive(start):
        raise BookingError("The start time needs a time zone offset.", code="invalid_start")
    if not date_in_range(start):
        raise BookingError("That time cannot be booked: the date is out of range.", code="invalid_start")
    if not service.active:
        raise BookingError("This service cannot be booked.", code="unknown_service")
    if not therapist.active or not service.therapists.filter(pk=therapist.pk).exists():
        raise BookingError("This therapist does not offer this service.", code="unknown_therapist")


def appointment_book(
    *,
    patient,
    service: Service,
    therapist: Therapist,
    start: datetime,
    booked_by=None,
    idempotency_key: str = "",
) -> Appointment:
    """Hold a slot for `patient`: a `held` appointment that blocks the time until the hold expires.

    Refused (BookingError) when the slot is not one the availability engine offers, is taken, the
    patient is busy then, or the patient already holds the policy's `max_live_holds` unfinished
    bookings (a hold they make themselves; staff booking for them are not capped). The same
    `idempotency_key` from the same patient returns the first result.
    `booked_by` someone other than the patient must manage appointments (code `not_allowed`).
    """
    if booked_by is not None and not permissions.can_book_for(booked_by, patient):
        raise BookingError("You may not book for another patient.", code="not_allowed")
    _validate_request(service=service, therapist=therapist, start=start)
    idempotency_key = (idempotency_key or "")[:100]
    if idempotency_key:
        existing = Appointment.objects.filter(patient=patient, idempotency_key=idempotency_key).first()
        if existing:
            return existing
    # A time already taken is refused at once, after one indexed query and outside the transaction,
    # so a crowd racing for one slot does not queue for the booking transaction (on SQLite, the
    # database's write lock) only to be refused there. A time found free here is checked again inside
    # it, under the lock, exactly as before: this only answers sooner what that check would answer.
    if _is_taken(service=service, therapist=therapist, start=start, exclude_id=None):
        raise BookingError(SLOT_TAKEN, code="slot_taken")
    policy = ClinicPolicy.get()
    try:
        with transaction.atomic(), acted_by(booked_by or patient):
            schedule_locks.lock_for_booking(therapist.pk)  # a closure saved meanwhile waits, or is seen
            now = timezone.now()
            # One patient's bookings queue on their user row, so concurrent holds cannot all count
            # the same live holds and pass the cap together (SQLite's IMMEDIATE lock already does).
            # Closing the account locks the same row: a booking after it finds the account closed.
            account = (
                get_user_model().objects.select_for_update().only("pk", "is_active").filter(pk=patient.pk)
            )
            if not any(row.is_active for row in account):
                raise BookingError(
                    "This account is closed, so nothing can be booked for it.", code="account_closed"
                )
            appointments_expire_stale_holds(now=now)
            if idempotency_key:
                existing = Appointment.objects.filter(
                    patient=patient, idempotency_key=idempotency_key
                ).first()
                if existing:
                    return existing
            if booked_by is None or booked_by.pk == patient.pk:
                _check_live_holds(patient=patient, policy=policy, now=now)
            _check_free(service=service, therapist=therapist, patient=patient, start=start, exclude_id=None)
            end = start + service.duration
            appointment = Appointment.objects.create(
                patient=patient,
                therapist=therapist,
                service=service,
                start=start,
                end=end,
                blocks_until=end + service.buffer,
                status=Status.HELD,
                hold_expires_at=now + timedelta(minutes=policy.hold_minutes),
                booked_by=booked_by or patient,
                idempotency_key=idempotency_key,
            )
            extensions.appointment_timers_sync(appointment)
    except IntegrityError as exc:
        if idempotency_key:
            existing = Appointment.objects.filter(patient=patient, idempotency_key=idempotency_key).first()
            if existing:
                return existing
        raise constraint_error(exc) from exc
    except OperationalError as exc:
        if is_contention(exc):
            raise busy_error() from exc
        raise
    return appointment


# A try that fails for one of these passes the turn to the next free therapist; any other refusal
# (the patient is busy then, holds too many times) is the patient's and ends the search.
_TAKEN_CODES = frozenset({"slot_taken", "slot_unavailable", "busy"})


def _first_free(candidates, attempt):
    """`attempt(therapist)` for each candidate in turn until one takes; a try refused because the time
    went meanwhile passes the turn, any other refusal ends the search."""
    for therapist in candidates:
        try:
            return attempt(therapist)
        except BookingError as exc:
            if exc.code not in _TAKEN_CODES:
                raise
    raise BookingError("Sorry, this time was just taken. Please pick another slot.", code="slot_taken")


def _check_start(start: datetime) -> None:
    if timezone.is_naive(start) or not date_in_range(start):
        raise BookingError("That time cannot be booked: the date is out of range.", code="invalid_start")


def appointment_book_any(*, patient, service: Service, start: datetime, booked_by=None) -> Appointment:
    """Hold `start` with whichever therapist of `service` is free then: the patient chose "any
    therapist". The least booked that day goes first (then by name), so the choice is fair and
    repeatable. Each try is `appointment_book`, with its transaction and the database's no-overlap
    rule as the final word: a therapist taken meanwhile passes the turn to the next, and only when none
    is left is the time "just taken"."""
    _check_start(start)
    return _first_free(
        selectors.therapists_free_at(service=service, start=start),
        lambda therapist: appointment_book(
            patient=patient, service=service, therapist=therapist, start=start, booked_by=booked_by
        ),
    )


def appointment_reschedule_any(*, appointment: Appointment, start: datetime, by) -> Appointment:
    """Move to `start` with "any therapist": the appointment's own therapist when free then, else the
    fair choice of `appointment_book_any`, each try `appointment_reschedule`'s own."""
    _check_start(start)
    others = selectors.therapists_free_at(service=appointment.service, start=start)
    candidates = [appointment.therapist, *(t for t in others if t.pk != appointment.therapist_id)]
    return _first_free(
        candidates,
        lambda therapist: appointment_reschedule(
            appointment=appointment, start=start, therapist=therapist, by=by
        ),
    )


def appointment_book_choice(
    *, patient, service: Service, start: datetime, therapist_id: int | None, booked_by=None
) -> Appointment:
    """Hold what a slot button posted: `start` with the therapist `therapist_id`, or with any free
    therapist (`appointment_book_any`) when it is None."""
    if therapist_id is None:
        return appointment_book_any(patient=patient, service=service, start=start, booked_by=booked_by)
    therapist = Therapist.objects.filter(pk=therapist_id).first()
    if therapist is None:
        raise BookingError(
            "That therapist could not be found; please pick a slot again.", code="unknown_therapist"
        )
    return appointment_book(
        patient=patient, service=service, therapist=therapist, start=start, booked_by=booked_by
    )


def appointment_book_for_review(
    *, patient, service: Service, therapist: Therapist | None, start: datetime, by
) -> Appointment:
    """Front desk books for a patient who has not answered the health questions yet: the slot is held
    and set to wait for review in one transaction, so a failure half-way leaves no stray held row. The
    patient is emailed a link to the health form in the same transaction.

    `therapist=None` is the slot picker's "any therapist": the fair choice of `appointment_book_any`.
    Only staff who manage appointments book this way (code `not_allowed`)."""
    if not permissions.can_manage_appointments(by):
        raise BookingError("Only the front desk can book for a patient.", code="not_allowed")
    with transaction.atomic():
        if therapist is None:
            appointment = appointment_book_any(patient=patient, service=service, start=start, booked_by=by)
        else:
            appointment = appointment_book(
                patient=patient, service=service, therapist=therapist, start=start, booked_by=by
            )
        appointment = appointment_hold_for_review(appointment=appointment, by=by)
        notifications.queue_booked_for_you_email(appointment.pk)
    return appointment


def appointment_confirm(*, appointment: Appointment, by=None, notify: bool = True) -> Appointment:
    """Confirm a held (or reviewed) appointment and send the patient the confirmation with its .ics.

    `notify=False` is for a caller that tells the patient itself, in one email of its own carrying the
    calendar entry (a review decision): the patient gets one email per event, not two."""
    with transaction.atomic():
        appointment = appointment_transition(appointment=appointment, to=Status.CONFIRMED, by=by)
        if notify:
            notifications.queue_appointment_email(appointment.pk, kind=notifications.CONFIRMED)
    return appointment


def appointment_decline(
    *, appointment: Appointment, by=None, reason: str = "", notify: bool = True
) -> Appointment:
    """Decline an appointment waiting for review: the slot is freed and the patient told.

    `notify=False` is for a caller that tells the patient itself, in one email of its own carrying the
    calendar cancellation (`ics.appointment_ics`): the patient gets one email per event, not two."""
    with transaction.atomic():
        appointment = appointment_transition(
            appointment=appointment, to=Status.DECLINED, by=by, reason=reason
        )
        if notify:
            notifications.queue_appointment_email(appointment.pk, kind=notifications.CANCELLED)
    return appointment


def _check_may_change(*, appointment: Appointment, by, verb: str) -> None:
    """Refuse a cancel or move `by` may not make (`permissions.can_change_appointment`): its patient
    outside the cancellation window, or anyone who is neither its patient nor manages appointments.
    A move the appointment's status forbids is left to the status check, which says why."""
    if permissions.can_change_appointment(by, appointment):
        return
    if not permissions.can_request_change(by, appointment):
        raise BookingError("You may not change this appointment.", code="not_allowed")
    if appointment.is_active and permissions.is_own_appointment(by, appointment):
        hours = ClinicPolicy.get().cancellation_window_hours
        raise BookingError(
            f"Appointments can be {verb} online up to {hours} hours before they start. "
            f"{ClinicProfile.get().phone_the_clinic}",
            code="outside_window",
        )


def appointment_cancel(
    *, appointment: Appointment, by, reason: str = "", notice: str = notifications.CANCELLED
) -> Appointment:
    """Cancel an active appointment `by` its patient inside the cancellation window, or by staff who
    manage appointments at any time; anyone else is refused (code `not_allowed`). The patient's email
    (with the calendar cancellation) is `notice`: a plain cancellation, or one the clinic makes for a
    closure or a therapist's time off (`absences`)."""
    if notice not in notifications.CANCELLATIONS:
        raise ValueError(f"Not a cancellation email: {notice}")
    _check_may_change(appointment=appointment, by=by, verb="cancelled")
    with transaction.atomic():
        appointment = appointment_transition(
            appointment=appointment, to=Status.CANCELLED, by=by, reason=reason
        )
        notifications.queue_appointment_email(appointment.pk, kind=notice)
    return appointment


def appointment_reschedule(
    *,
    appointment: Appointment,
    start: datetime,
    therapist: Therapist | None = None,
    by,
) -> Appointment:
    """Move an appointment to a new start (and optionally therapist) in one step, `by` whoever may
    cancel it (`appointment_cancel`'s rule).

    The same row is updated, so the old time is freed only if the new one is taken, and the calendar
    entry keeps its UID with a higher SEQUENCE.
    """
    therapist = therapist or appointment.therapist
    service = appointment.service
    _validate_request(service=service, therapist=therapist, start=start)
    _check_may_change(appointment=appointment, by=by, verb="moved")
    try:
        with transaction.atomic(), acted_by(by):
            schedule_locks.lock_for_booking(therapist.pk)
            # The old therapist's name goes into the patient's email; only the appointment row is locked.
            current = (
                Appointment.objects.select_for_update(of=("self",))
                .select_related("therapist")
                .get(pk=appointment.pk)
            )
            if current.status not in ACTIVE_STATUSES:
                raise BookingError("Only an upcoming appointment can be moved.", code="invalid_transition")
            appointments_expire_stale_holds()
            _check_free(
                service=service,
                therapist=therapist,
                patient=current.patient,
                start=start,
                exclude_id=current.pk,
            )
            previous = {"start": current.start, "therapist": current.therapist.display_name}
            current.start = start
            current.end = start + service.duration
            current.blocks_until = current.end + service.buffer
            current.therapist = therapist
            current.sequence += 1
            current.save(
                update_fields=["start", "end", "blocks_until", "therapist", "sequence", "updated_at"]
            )
            extensions.appointment_timers_sync(current)
            notifications.queue_appointment_email(
                appointment.pk, kind=notifications.CHANGED, previous=previous
            )
    except IntegrityError as exc:
        raise constraint_error(exc) from exc
    except OperationalError as exc:
        if is_contention(exc):
            raise busy_error() from exc
        raise
    appointment.refresh_from_db()
    return appointment


def appointment_mark(*, appointment: Appointment, to: str, by) -> Appointment:
    """After the session: completed or no-show (even once completed on its own), by its own therapist."""
    if not permissions.can_mark_appointment(by, appointment):
        raise BookingError("Only the appointment's own therapist can record this.", code="not_allowed")
    if to not in (Status.COMPLETED, Status.NO_SHOW):
        raise BookingError("Only completed or no-show can be recorded here.", code="invalid_transition")
    if appointment.start > timezone.now():
        raise BookingError("An appointment cannot be marked before it starts.", code="too_early")
    return appointment_transition(appointment=appointment, to=to, by=by)


def appointment_mark_arrived(*, appointment: Appointment, by, now: datetime | None = None) -> Appointment:
    """The front desk records that the patient is here: when and by whom, on the change trail.

    Only staff who manage appointments (code `not_allowed`); only a confirmed visit or one waiting for
    review (`invalid_transition`), on its own day in the clinic's time zone (`not_today`), and once
    (`already_arrived`, naming when and by whom). The row is locked, so two desks marking at once record
    one arrival."""
    if not permissions.can_manage_appointments(by):
        raise BookingError("Only the front desk can mark a patient arrived.", code="not_allowed")
    now = now or timezone.now()
    tz = selectors.clinic_zone()
    with transaction.atomic(), acted_by(by):
        # No join: on PostgreSQL a row re-read after the lock waits keeps a joined row's old values.
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if current.arrived_at is not None:
            who = current.arrived_by.get_full_name() or current.arrived_by.email
            raise BookingError(
                f"Already marked arrived at {current.arrived_at.astimezone(tz):%H:%M} by {who}.",
                code="already_arrived",
            )
        if current.status not in ARRIVAL_STATUSES:
            raise BookingError(
                f"An appointment that is {current.get_status_display().lower()} cannot be marked arrived.",
                code="invalid_transition",
            )
        if current.start.astimezone(tz).date() != now.astimezone(tz).date():
            raise BookingError(
                "A patient can be marked arrived only on the day of their appointment.", code="not_today"
            )
        current.arrived_at = now
        current.arrived_by = by
        current.save(update_fields=["arrived_at", "arrived_by", "updated_at"])
    appointment.refresh_from_db()
    return appointment


def appointment_extend_hold(*, appointment: Appointment) -> bool:
    """Keep a patient's held slot while they work through the intake: each saved step renews the hold
    for the policy's hold time. A hold that has already lapsed is not revived. Returns whether it holds."""
    now = timezone.now()
    until = now + timedelta(minutes=ClinicPolicy.get().hold_minutes)
    live = Appointment.objects.filter(pk=appointment.pk, status=Status.HELD, hold_expires_at__gt=now)
    held = live.only("pk", "patient_id", "hold_expires_at").first()
    if held is None or not live.update(hold_expires_at=until, updated_at=now):
        return False
    record_bulk_update([held], hold_expires_at=until)
    appointment.status, appointment.hold_expires_at = Status.HELD, until  # as the row now is
    extensions.appointment_timers_sync(appointment)
    return True


def appointment_hold_for_review(*, appointment: Appointment, by=None) -> Appointment:
    """Screening found something a clinician must look at: the slot stays blocked, waiting for review
    (from a hold, or from a confirmed visit when screening again finds a new flag); a hold no longer
    lapses (`appointment_transition` clears its expiry)."""
    return appointment_transition(appointment=appointment, to=Status.PENDING_REVIEW, by=by)


def appointment_refuse(*, appointment: Appointment, by=None, reason: str = "") -> Appointment:
    """Screening found an urgent warning sign: the booking is refused and the slot freed at once, from
    any active state. A visit that was confirmed is in the patient's calendar: it gets a cancellation."""
    was_confirmed = appointment.status == Status.CONFIRMED
    with transaction.atomic():
        appointment = appointment_transition(appointment=appointment, to=Status.REFUSED, by=by, reason=reason)
        if was_confirmed:
            notifications.queue_appointment_email(appointment.pk, kind=notifications.CANCELLED)
    return appointment
