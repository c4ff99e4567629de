"""The audit trail in the admin: clinic admins search the change trail and the access log; nobody adds,
changes or deletes an entry there, superusers included. `RecordsAccessAdmin` records every admin read
of a record about a patient."""

from __future__ import annotations

import auditlog.admin  # noqa: F401 - registers auditlog's own admin first, which is replaced below
from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin

from .access import record_access
from .models import AccessEvent, AccessKind


class ReadOnlyTrailAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class ChangeEntryAdmin(ReadOnlyTrailAdmin, LogEntryAdmin):
    """auditlog's entry admin, read-only even where auditlog would let a cascade delete entries. A
    search for a number also finds the entries about the patient with that id."""

    search_fields = ["object_repr", "actor_email", "actor__first_name", "actor__last_name", "remote_addr"]
    actions = None

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term.isdigit() and len(term) < 19:
            found |= queryset.filter(additional_data__patient=int(term))
        return found, may_have_duplicates


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyTrailAdmin):
    """Who read which patient's health data, what, when and from where."""

    list_display = [
        "at",
        "actor_name",
        "actor_role",
        "patient",
        "kind",
        "object_type",
        "object_id",
        "ip_address",
    ]
    list_filter = ["kind", "actor_role"]
    search_fields = ["patient__email", "patient__last_name", "actor__email", "actor_name", "ip_address"]
    list_select_related = ["patient"]
    date_hierarchy = "at"
    actions = None
    fields = [
        "at",
        "actor",
        "actor_name",
        "actor_role",
        "patient",
        "kind",
        "object_type",
        "object_id",
        "path",
        "ip_address",
        "user_agent",
    ]
    readonly_fields = fields


class RecordsAccessAdmin(admin.ModelAdmin):
    """The admin of a model about a patient (`get_additional_data()["patient"]`): its list page records
    one access event for each patient on the page, its record, history and delete pages one for the
    record's patient."""

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            record_access(request, kind=AccessKind.ADMIN_LIST, records=changelist.result_list)
        return response

    def _record_one(self, request, response):
        original = (getattr(response, "context_data", None) or {}).get("original") or (
            getattr(response, "context_data", None) or {}
        ).get("object")
        if isinstance(original, self.model):
            record_access(request, kind=AccessKind.ADMIN_VIEW, records=[original])
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self._record_one(request, super().change_view(request, object_id, form_url, extra_context))

    def history_view(self, request, object_id, extra_context=None):
        return self._record_one(request, super().history_view(request, object_id, extra_context))

    def delete_view(self, request, object_id, extra_context=None):
        return self._record_one(request, super().delete_view(request, object_id, extra_context))
