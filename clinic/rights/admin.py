from __future__ import annotations

from django.contrib import admin

from .models import ErasureRecord


@admin.register(ErasureRecord)
class ErasureRecordAdmin(admin.ModelAdmin):
    """Read-only: which accounts were closed, and when their kept clinical records are deleted. Nothing
    here names anyone; an account is closed from its own page (Delete)."""

    list_display = [
        "erased_at",
        "by_clinic",
        "cancelled_appointments",
        "last_contact",
        "purge_after",
        "purged_at",
    ]
    list_filter = ["by_clinic", ("purged_at", admin.EmptyFieldListFilter)]
    date_hierarchy = "erased_at"
    fields = ["patient", *list_display]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
