"""Second factors in the admin: clinic admins see who has set one up and, when someone has lost their
phone and their recovery codes, reset it (the person then sets up a new one at their next sign-in).
Nobody reads a secret here, and only a superuser resets a superuser's."""

from __future__ import annotations

import allauth.mfa.admin  # noqa: F401 - registers allauth's own admin first, so ours can replace it
from allauth.mfa.models import Authenticator
from django.contrib import admin


class AuthenticatorAdmin(admin.ModelAdmin):
    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__last_name"]
    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or request.user.is_superuser or not obj.user.is_superuser)

    def delete_model(self, request, obj):
        # A reset removes all of the person's factors: recovery codes left alone would still be asked
        # for at sign-in, by someone who has just said they lost them.
        Authenticator.objects.filter(user_id=obj.user_id).delete()

    def delete_queryset(self, request, queryset):
        users = queryset.values_list("user_id", flat=True)
        if not request.user.is_superuser:
            users = users.exclude(user__is_superuser=True)
        Authenticator.objects.filter(user_id__in=list(users)).delete()


admin.site.unregister(Authenticator)
admin.site.register(Authenticator, AuthenticatorAdmin)
