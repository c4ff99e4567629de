"""Writing, sending and re-sending outbox messages.

The row is the truth; a task is only a nudge to send it. `outbox_enqueue` writes the row inside the
caller's transaction and enqueues the send task once that transaction commits. If the task is lost
(a crash between commit and enqueue, a purged queue), `outbox_sweep` enqueues it again.

Sending claims the row in a short transaction (`select_for_update(skip_locked=True)` on PostgreSQL;
SQLite's `IMMEDIATE` transactions serialise writers), then talks to the mail server with no
transaction open, so a slow server never blocks the clinic's other writes. A claim lasts
`CLAIM_SECONDS`; only a worker that dies in mid-send leaves one behind, and it lapses.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from clinic.scheduling import enqueue_at

from . import tasks, wanted
from .models import TRANSITIONS, OutboxMessage, Status

log = logging.getLogger(__name__)

# Longer than any one SMTP conversation can last with EMAIL_TIMEOUT on each socket operation.
CLAIM_SECONDS = 5 * 60
# A pending message whose task should have run this long ago, and has not, gets a new task.
SWEEP_GRACE = timedelta(minutes=2)
ERROR_MAX_CHARS = 2000


class Attachment(NamedTuple):
    filename: str
    content: bytes
    mimetype: str


def outbox_enqueue(
    *,
    kind: str,
    to: str | Iterable[str],
    subject: str,
    body_text: str,
    body_html: str = "",
    attachments: Sequence[Attachment | tuple[str, bytes, str]] = (),
    appointment=None,
    due_at: datetime | None = None,
    event: str = "",
    from_email: str = "",
) -> list[OutboxMessage]:
    """Queue one email per recipient, in the caller's transaction, to be sent by a task at `due_at`
    (default now). Call it inside the transaction that makes the change the email is about: if that
    rolls back, nothing is sent.

    The same message is never queued twice: a row is unique per (kind, appointment, due time,
    recipient). For an immediate message that may happen more than once per appointment, `event`
    names the occurrence (an appointment's sequence, a decision's id) and stands in for the due time;
    enqueuing it again returns the row already queued.
    """
    recipients = [to] if isinstance(to, str) else list(to)
    recipients = sorted({address.strip() for address in recipients if address and address.strip()})
    now = timezone.now()
    due = due_at or now
    stored_attachments = [
        {"filename": name, "mimetype": mimetype, "content": base64.b64encode(content).decode("ascii")}
        for name, content, mimetype in attachments
    ]
    messages: list[OutboxMessage] = []
    for recipient in recipients:
        key = "|".join(
            [
                kind,
                str(appointment.pk) if appointment is not None else "-",
                event or due.isoformat(),
                recipient.lower(),
            ]
        )
        try:
            with transaction.atomic():
                message = OutboxMessage.objects.create(
                    kind=kind,
                    appointment=appointment,
                    recipient=recipient,
                    from_email=from_email,
                    subject=subject,
                    body_text=body_text,
                    body_html=body_html,
                    attachments=stored_attachments,
                    dedupe_key=key,
                    due_at=due,
                    next_attempt_at=due,
                    appointment_start=appointment.start if appointment is not None else None,
                )
        except IntegrityError:
            # Already queued (the key is unique): keep the first and send nothing more.
            messages.append(OutboxMessage.objects.get(dedupe_key=key))
            continue
        messages.append(message)
        transaction.on_commit(lambda pk=message.pk, when=due: schedule_send(pk, when))
    return messages


def outbox_resend(*, messages: Iterable[OutboxMessage]) -> int:
    """Put failed messages back in the queue with a fresh set of retries; other rows are left alone.
    Returns how many were re-queued."""
    now = timezone.now()
    pks = [message.pk for message in messages]
    requeued = 0
    with transaction.atomic():
        for message in OutboxMessage.objects.select_for_update().filter(pk__in=pks, status=Status.FAILED):
            _check_move(message.status, Status.PENDING)
            message.status = Status.PENDING
            message.attempts = 0
            message.next_attempt_at = now
            message.claimed_until = None
            message.save(update_fields=["status", "attempts", "next_attempt_at", "claimed_until"])
            transaction.on_commit(lambda pk=message.pk: schedule_send(pk, now))
            requeued += 1
    return requeued


def outbox_sweep(*, now: datetime | None = None) -> int:
    """Enqueue a new send task for every pending message whose task is overdue by more than
    SWEEP_GRACE (lost, or its worker died mid-send). Run it every few minutes (`manage.py
    outbox_sweep`); a duplicate task is harmless, since sending checks the row first."""
    now = now or timezone.now()
    overdue = OutboxMessage.objects.pending().unclaimed(now).filter(next_attempt_at__lte=now - SWEEP_GRACE)
    with transaction.atomic():
        pks = list(overdue.select_for_update(skip_locked=True).values_list("pk", flat=True))
        # The new task's due time; the next sweep leaves the row alone for another SWEEP_GRACE.
        OutboxMessage.objects.filter(pk__in=pks).update(next_attempt_at=now)
        for pk in pks:
            transaction.on_commit(lambda pk=pk: schedule_send(pk, now))
    return len(pks)


def schedule_send(message_id: int, when: datetime) -> None:
    """Enqueue the task that sends one message at `when`. Called after commit; if enqueuing fails the
    row is still pending and the sweep will enqueue it again. A backend that cannot wait (the tests'
    immediate one) leaves a future message to the sweep, which sends it when due."""
    enqueue_at(tasks.send_outbox_message, message_id, at=when)


def outbox_skip(*, messages: QuerySet[OutboxMessage], reason: str) -> int:
    """Mark the pending ones of `messages` as no longer wanted (`skipped`, with `reason` kept as their
    last error), in the caller's transaction and one query: a reminder of an appointment that was moved
    or cancelled. Rows already sent, failed or skipped are left alone. Returns how many were skipped."""
    _check_move(Status.PENDING, Status.SKIPPED)
    return messages.filter(status=Status.PENDING).update(
        status=Status.SKIPPED, last_error=reason[:ERROR_MAX_CHARS], claimed_until=None
    )


def outbox_deliver(message_id: int) -> str:
    """Send one message if it is pending, due and unclaimed; returns what happened ("sent", "retry",
    "failed", "unwanted" when the kind's owner says it is no longer wanted (`wanted.register`; the row
    becomes `skipped`), or "skipped" when there was nothing to do). Two workers never send one row at once: the
    first claims it; the second finds it locked, claimed or no longer pending."""
    now = timezone.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .pending()
            .unclaimed(now)
            .filter(pk=message_id, next_attempt_at__lte=now)
            .first()
        )
        if message is None:
            return "skipped"
        reason = wanted.reason_not_wanted(message)
        if reason:
            # Due, but no longer about anything real (the appointment was cancelled or moved): not sent.
            _check_move(Status.PENDING, Status.SKIPPED)
            OutboxMessage.objects.filter(pk=message.pk).update(
                status=Status.SKIPPED, last_error=reason[:ERROR_MAX_CHARS], claimed_until=None
            )
            log.info("Outbox message %s not sent: %s", message.pk, reason)
            return "unwanted"
        claim = now + timedelta(seconds=CLAIM_SECONDS)
        message.claimed_until = claim
        message.save(update_fields=["claimed_until"])

    try:
        _build_email(message).send()
    except Exception as exc:  # any failure to hand over the message is retried
        return _record_failure(message, exc)

    with transaction.atomic():
        _check_move(Status.PENDING, Status.SENT)
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=Status.SENT,
            sent_at=timezone.now(),
            attempts=message.attempts + 1,
            last_error="",
            claimed_until=None,
        )
    return "sent"


def _record_failure(message: OutboxMessage, exc: Exception) -> str:
    delays = settings.OUTBOX_RETRY_DELAYS
    attempts = message.attempts + 1
    error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX_CHARS]
    now = timezone.now()
    with transaction.atomic():
        if attempts > len(delays):
            _check_move(Status.PENDING, Status.FAILED)
            OutboxMessage.objects.filter(pk=message.pk).update(
                status=Status.FAILED, attempts=attempts, last_error=error, claimed_until=None
            )
            log.error("Outbox message %s failed for good after %s attempts: %s", message.pk, attempts, error)
            return "failed"
        retry_at = now + timedelta(seconds=delays[attempts - 1])
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=attempts, last_error=error, claimed_until=None, next_attempt_at=retry_at
        )
        transaction.on_commit(lambda: schedule_send(message.pk, retry_at))
    log.warning(
        "Outbox message %s not sent (attempt %s), retry at %s: %s", message.pk, attempts, retry_at, error
    )
    return "retry"


def _build_email(message: OutboxMessage) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers={"X-Clinic-Outbox-Id": str(message.pk)},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for attachment in message.attachments:
        email.attach(attachment["filename"], base64.b64decode(attachment["content"]), attachment["mimetype"])
    return email


def _check_move(old: str, new: str) -> None:
    if new not in TRANSITIONS[old]:
        raise ValueError(f"An outbox message cannot go from {old} to {new}.")
