"""Second factors in the admin: clinic admins see who has set one up and, when someone has lost their
phone and their recovery codes, reset it (the person then sets up a new one at their next sign-in).
Nobody reads a secret here, and a clinic admin sees and resets only the factors of accounts they may
manage (`clinic.permissions.manageable_users`): never a superuser's."""

from __future__ import annotations

import allauth.mfa.admin  # noqa: F401 - registers allauth's own admin first, so ours can replace it
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import transaction

from .. import permissions
from ..sessions import sessions_end_every


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

    def get_queryset(self, request):
        """Only the factors of accounts this admin may manage (never a superuser's for a clinic admin,
        nor one of an account holding rights they lack): the list, the reset page and the bulk reset
        all start here, so a crafted id is "does not exist"."""
        manageable = permissions.manageable_users(request.user).values("pk")
        return super().get_queryset(request).filter(user__in=manageable)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or permissions.can_manage_user(request.user, obj.user))

    def delete_model(self, request, obj):
        # A reset removes all of the person's factors: recovery codes left alone would still be asked
        # for at sign-in, by someone who has just said they lost them.
        self._reset([obj.user_id])

    def delete_queryset(self, request, queryset):
        manageable = permissions.manageable_users(request.user).values("pk")
        self._reset(list(queryset.filter(user__in=manageable).values_list("user_id", flat=True)))

    def _reset(self, user_ids) -> None:
        """Remove every factor of these people and end all their sessions: whoever holds the lost
        phone, or got in with it, is logged out, and the person signs in afresh and sets up a new one."""
        with transaction.atomic():
            Authenticator.objects.filter(user_id__in=user_ids).delete()
            for user in get_user_model().objects.filter(pk__in=user_ids):
                sessions_end_every(user)


admin.site.unregister(Authenticator)
admin.site.register(Authenticator, AuthenticatorAdmin)
