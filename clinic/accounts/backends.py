"""The sign-in backends (Django's and allauth's, unchanged in how they sign anyone in), reading a
signed-in user's permissions with less work on each request.

Every request asks about permissions (is this staff? must they have a second factor?), and Django's
`ModelBackend` answers the first question with two queries (the user's own permissions, their groups'),
kept on the user object for the rest of that request only. Here:

- loading the session's user also asks whether they hold any permission of their own or any group
  (two EXISTS in the same query); a patient holds neither, so their permissions are known to be none
  and no permission query runs in their requests at all;
- anyone else's permissions are read in one query (their own and their groups' together), once per
  request, as before.

Nothing is kept beyond the request: a role given or taken away counts from the next request on.
"""

from __future__ import annotations

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q


class PermissionsOnceMixin:
    def get_user(self, user_id):
        model = get_user_model()
        try:
            user = model._default_manager.annotate(
                holds_own_permissions=Exists(
                    model.user_permissions.through.objects.filter(user_id=OuterRef("pk"))
                ),
                is_in_a_group=Exists(model.groups.through.objects.filter(user_id=OuterRef("pk"))),
            ).get(pk=user_id)
        except model.DoesNotExist:
            return None
        if not (user.is_superuser or user.holds_own_permissions or user.is_in_a_group):
            # What ModelBackend would work out on the first permission check: nothing.
            user._user_perm_cache = set()
            user._group_perm_cache = set()
            user._perm_cache = set()
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        """ModelBackend's answer (its own and its groups' permissions; every one for a superuser; none
        for an inactive user or an object), read in one query instead of two."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                perms = Permission.objects.all()
            else:
                perms = Permission.objects.filter(Q(user=user_obj) | Q(group__user=user_obj))
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in perms.values_list("content_type__app_label", "codename").order_by()
            }
        return user_obj._perm_cache


class ModelBackend(PermissionsOnceMixin, django_backends.ModelBackend):
    """Django's ModelBackend: signs in with the email address and password."""


class AuthenticationBackend(PermissionsOnceMixin, allauth_backends.AuthenticationBackend):
    """allauth's backend: signs in by its rules (email login, login by code)."""
