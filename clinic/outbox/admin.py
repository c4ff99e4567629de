from __future__ import annotations

from django.contrib import admin, messages

from .models import ACCOUNT_KIND_PREFIX, OutboxMessage
from .services import outbox_resend


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: what was sent, what is waiting and what failed (with the error), and a "resend"
    action for failed messages."""

    list_display = [
        "created_at",
        "kind",
        "recipient",
        "status",
        "attempts",
        "due_at",
        "sent_at",
        "short_error",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["recipient"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    fields = [
        "kind",
        "appointment",
        "appointment_start",
        "recipient",
        "subject",
        "status",
        "attempts",
        "last_error",
        "due_at",
        "next_attempt_at",
        "created_at",
        "sent_at",
        "body_text",
        "attachment_names",
    ]
    readonly_fields = fields

    def get_fields(self, request, obj=None):
        # An address-confirmation or password-reset email carries a key to the account: not shown.
        if obj is not None and obj.kind.startswith(ACCOUNT_KIND_PREFIX):
            return [field for field in self.fields if field != "body_text"]
        return self.fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_resend_permission(self, request):
        return request.user.has_perm("clinic.resend_outboxmessage")

    @admin.display(description="last error")
    def short_error(self, obj: OutboxMessage) -> str:
        return obj.last_error[:80]

    @admin.display(description="attachments")
    def attachment_names(self, obj: OutboxMessage) -> str:
        return ", ".join(attachment["filename"] for attachment in obj.attachments)

    @admin.action(description="Resend the selected failed messages", permissions=["resend"])
    def resend(self, request, queryset):
        requeued = outbox_resend(messages=queryset)
        skipped = queryset.count() - requeued
        self.message_user(request, f"{requeued} message(s) queued again.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"{skipped} message(s) were not failed and were left alone.", messages.WARNING
            )
