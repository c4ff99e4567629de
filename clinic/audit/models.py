"""Access events: a staff member read a patient's health data.

Personal data held here (for the patient's export and for erasure):
- `patient`: whose record was read. An event is the patient's to see and to export; it names nothing
  else about them (no name, no health value), so anonymising the user row anonymises the event.
- `actor`, `actor_name`, `actor_role`, `ip_address`, `user_agent`: the staff member who read it and
  their connection. The staff member's personal data, kept as the clinic's evidence of who looked.
- `kind`, `object_type`, `object_id`, `path`: what was read, as fixed labels and ids (the path holds
  ids only, never a query string). No free text and no health value.

The patient's export lists their events and erasure leaves them as they are (they name nothing of the
patient); once the retention period is over they are deleted with the record (`clinic.audit.rights`).

Change history lives in django-auditlog's `auditlog.LogEntry` (see `clinic.audit.trail`). Personal
data there: `actor` / `actor_email` / `remote_addr` (who made the change, and from where),
`object_repr` (an id label for records about a patient, see `trail.track(..., private=True)`),
`additional_data["patient"]` (the id of the patient a record is about) and `changes` (old and new
values; health values and names are masked, see each app's `audit.py`). On erasure the patient's
email and address go from the entries where they acted and their identifiers are redacted from the
entries about them; the entries stay (`clinic.audit.rights`).
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class AccessKind(models.TextChoices):
    """What a staff member opened. The labels are the patient's words on "Who has seen your record"."""

    INTAKE = "intake", "Your health form"
    APPOINTMENT = "appointment", "Your appointment's page, with its health screening result"
    CASE = "case", "Your screening case (the review page)"
    LETTER = "letter", "A doctor's letter you sent"
    DAY = "day", "Your booking on the therapist's day list"
    QUEUE = "queue", "Your case in the review list"
    ALERT = "alert", "A staff alert about your booking"
    PLAN = "plan", "Your home-care plan page"
    ADMIN_LIST = "admin_list", "A list in the clinic's admin pages"
    ADMIN_VIEW = "admin_view", "A record in the clinic's admin pages"


class AccessEventQuerySet(models.QuerySet):
    def about(self, patient):
        """The events of one patient's record, newest first."""
        return self.filter(patient=patient).order_by("-at", "-pk")


class AccessEvent(models.Model):
    """One staff read of one patient's health data, written in the request that read it
    (`clinic.audit.access.record_access`). Never changed or deleted through the app."""

    at = models.DateTimeField(default=timezone.now)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="record_access_events"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(max_length=150, help_text="The staff member's name when they looked.")
    actor_role = models.CharField(max_length=80, help_text="Their role when they looked.")
    kind = models.CharField(max_length=20, choices=AccessKind.choices)
    object_type = models.CharField(max_length=100, blank=True, help_text="app_label.model of what was read.")
    object_id = models.CharField(max_length=64, blank=True)
    path = models.CharField(
        max_length=300, blank=True, help_text="The page's address, without a query string."
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "record access event"
        indexes = [
            models.Index(fields=["patient", "-at"], name="access_event_patient_at"),
            models.Index(fields=["actor", "-at"], name="access_event_actor_at"),
            models.Index(fields=["-at"], name="access_event_at"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AccessKind.values), name="access_event_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_name or self.actor_role} ({self.actor_role}): {self.kind}, patient {self.patient_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("An access event is a record: it is written once and never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("An access event is a record: it is not deleted through the app.")

    @property
    def what(self) -> str:
        """What was seen, in the patient's words; for the admin pages, which kind of record."""
        label = self.get_kind_display()
        if self.kind not in (AccessKind.ADMIN_LIST, AccessKind.ADMIN_VIEW):
            return label
        try:
            return f"{label}: {apps.get_model(self.object_type)._meta.verbose_name}"
        except (LookupError, ValueError):
            return label
