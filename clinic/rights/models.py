from __future__ import annotations

from django.conf import settings
from django.db import models

# Closed accounts get an address here: `.invalid` is reserved (RFC 2606), so nothing can ever be sent
# to it, and the random part keeps the address unique.
ERASED_EMAIL_DOMAIN = "erased.invalid"


class ErasureRecord(models.Model):
    """That an account was closed, and when the clinical records kept from it are due for deletion.

    It holds nothing that names the person: the account it points to is anonymised in the same
    transaction, and deleted (leaving this row, with `patient` empty) when the records are purged.
    """

    patient = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="erasure"
    )
    erased_at = models.DateTimeField()
    by_clinic = models.BooleanField(
        default=False, help_text="Closed by a clinic admin (otherwise by the patient themselves)."
    )
    cancelled_appointments = models.PositiveIntegerField(
        default=0, help_text="Upcoming appointments cancelled when the account was closed."
    )
    last_contact = models.DateTimeField(
        null=True, blank=True, help_text="The last visit or health form: the retention period runs from here."
    )
    purge_after = models.DateTimeField(
        help_text="When the kept clinical records are deleted (the retention period after the last "
        "contact, as the clinic policy said when this was last checked)."
    )
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-erased_at", "-pk"]
        verbose_name = "closed account"
        verbose_name_plural = "closed accounts"
        indexes = [models.Index(fields=["purged_at", "purge_after"], name="erasure_purge_due_idx")]

    def __str__(self) -> str:
        return f"Account closed {self.erased_at:%Y-%m-%d}"
