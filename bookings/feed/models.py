from __future__ import annotations

from django.conf import settings
from django.db import models

from clinic.models import Therapist


class CalendarFeed(models.Model):
    """A therapist's private calendar address. Only a SHA-256 hash of its random token is stored, so
    the address is shown once, when it is made; a therapist has at most one (one-to-one). Turning it
    off deletes the row; making a new one replaces the hash, so the old address stops working."""

    therapist = models.OneToOneField(Therapist, on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(help_text="When this address was made.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "calendar link"

    def __str__(self) -> str:
        return f"Calendar link of {self.therapist}"
