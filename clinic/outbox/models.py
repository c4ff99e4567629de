from __future__ import annotations

from django.db import models


class Status(models.TextChoices):
    PENDING = "pending", "pending"
    SENT = "sent", "sent"
    FAILED = "failed", "failed"
    SKIPPED = "skipped", "skipped"


# The allowed moves, written once: a pending message is sent, gives up after its last retry, or is no
# longer wanted (skipped); an admin's "resend" puts a failed one back in the queue.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.PENDING: frozenset({Status.SENT, Status.FAILED, Status.SKIPPED}),
    Status.FAILED: frozenset({Status.PENDING}),
    Status.SENT: frozenset(),
    Status.SKIPPED: frozenset(),
}


# The kinds of django-allauth's account emails (clinic.adapters): "account.password_reset_key", ...
ACCOUNT_KIND_PREFIX = "account."


class OutboxMessageQuerySet(models.QuerySet):
    def pending(self) -> OutboxMessageQuerySet:
        return self.filter(status=Status.PENDING)

    def unclaimed(self, now) -> OutboxMessageQuerySet:
        return self.filter(models.Q(claimed_until__isnull=True) | models.Q(claimed_until__lt=now))


class OutboxMessage(models.Model):
    """One email to one recipient. `dedupe_key` (kind, appointment, due time or event, recipient) is
    unique, so the same message is never queued twice. The rendered text, HTML and attachments are
    stored as they were when the event happened; they never carry health details."""

    kind = models.CharField(max_length=64, help_text="What the message is about, e.g. appointment.confirmed.")
    appointment = models.ForeignKey(
        "bookings.Appointment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox_messages",
    )
    appointment_start = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The appointment's start when the message was queued: a reminder of an appointment "
        "that has moved since is not sent.",
    )
    recipient = models.EmailField()
    from_email = models.CharField(max_length=254, blank=True, help_text="Blank: DEFAULT_FROM_EMAIL.")
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    # [{"filename": ..., "mimetype": ..., "content": <base64>}]
    attachments = models.JSONField(default=list, blank=True)
    dedupe_key = models.CharField(max_length=400, unique=True)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    due_at = models.DateTimeField(help_text="The earliest the message may be sent.")
    next_attempt_at = models.DateTimeField(help_text="When the task that sends it next is due to run.")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # A worker's claim while it talks to the mail server (no database transaction is held open meanwhile).
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "outbox message"
        permissions = [("resend_outboxmessage", "Can resend a failed outbox message")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_status_next_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=Status.values), name="outbox_status_valid"),
            models.CheckConstraint(
                condition=~models.Q(status=Status.SENT) | models.Q(sent_at__isnull=False),
                name="outbox_sent_has_sent_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient} ({self.status})"
