"""Who may manage which account: clinic admins run the clinic's accounts but can never give anyone,
themselves included, more power than they hold.

- Superusers may do anything.
- A clinic admin (anyone with `clinic.change_user` who is not a superuser) manages only accounts with
  no more power than their own: never a superuser, never an account holding a permission they lack
  (through a role or on its own). Others are not shown to them at all.
- On other people's accounts they may give and take the roles in ASSIGNABLE_ROLES (Therapists, Front
  desk); never the Clinic admins role, superuser or admin-site (`is_staff`) status, or a single
  permission. On their own account they change no role and cannot deactivate themselves.
- They set no password but their own: an account they create starts without one, and the person sets
  it through "Forgot your password?".

The admin shows only what these rules allow, and `check_account_change` checks every save against
them, so a crafted request cannot do what the form does not offer.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from .roles import FRONT_DESK, THERAPISTS

ASSIGNABLE_ROLES = (THERAPISTS, FRONT_DESK)
MANAGE_USERS_PERMISSION = "clinic.change_user"


def _held_permission_ids(user) -> set[int]:
    """The permissions `user` holds through their roles and on their own (the rows, not the backend's
    view, which counts nothing for an inactive account)."""
    direct = Permission.objects.filter(user=user).values_list("pk", flat=True)
    through_roles = Permission.objects.filter(group__user=user).values_list("pk", flat=True)
    return set(direct) | set(through_roles)


def manageable_users(actor, queryset: QuerySet | None = None) -> QuerySet:
    """The accounts `actor` may see and change in the admin."""
    queryset = get_user_model().objects.all() if queryset is None else queryset
    if actor.is_superuser:
        return queryset
    if not (actor.is_authenticated and actor.is_active and actor.has_perm(MANAGE_USERS_PERMISSION)):
        return queryset.none()
    foreign = Permission.objects.exclude(pk__in=_held_permission_ids(actor))
    return (
        queryset.filter(is_superuser=False)
        .exclude(user_permissions__in=foreign)
        .exclude(groups__permissions__in=foreign)
    )


def can_manage_user(actor, target) -> bool:
    return manageable_users(actor).filter(pk=target.pk).exists()


def can_set_password(actor, target) -> bool:
    """Through the admin a clinic admin sets only their own password; superusers anyone's."""
    return bool(actor.is_superuser or (actor.is_authenticated and actor.pk == target.pk))


def assignable_groups(actor, target=None) -> QuerySet[Group]:
    """The roles `actor` may give `target` (None: a new account) or take away."""
    if actor.is_superuser:
        return Group.objects.all()
    if target is not None and target.pk == actor.pk:
        return Group.objects.none()
    return Group.objects.filter(name__in=ASSIGNABLE_ROLES)


@dataclass(frozen=True)
class Privileges:
    """What an account can do, as stored: compared before and after every admin save."""

    is_superuser: bool = False
    is_staff: bool = False
    is_active: bool = True
    groups: frozenset[int] = frozenset()
    own_permissions: frozenset[int] = frozenset()
    all_permissions: frozenset[int] = frozenset()


def privileges_of(user_pk: int | None) -> Privileges | None:
    """The account's privileges as the database holds them; None for an account not yet saved."""
    if user_pk is None:
        return None
    user = get_user_model().objects.filter(pk=user_pk).first()
    if user is None:
        return None
    own = frozenset(Permission.objects.filter(user=user).values_list("pk", flat=True))
    return Privileges(
        is_superuser=user.is_superuser,
        is_staff=user.is_staff,
        is_active=user.is_active,
        groups=frozenset(user.groups.values_list("pk", flat=True)),
        own_permissions=own,
        all_permissions=frozenset(_held_permission_ids(user)),
    )


def check_account_change(*, by, target_pk: int, before: Privileges | None, after: Privileges) -> None:
    """Refuse (PermissionDenied) any change to an account that the rules above do not allow `by`.

    `before` is the account as it was (None when `by` created it), `after` as it is now, inside the
    same transaction, so raising undoes the whole save.
    """
    if by.is_superuser:
        return
    if not (by.is_active and by.has_perm(MANAGE_USERS_PERMISSION)):
        raise PermissionDenied("You may not change accounts.")
    held = _held_permission_ids(by)
    if before is not None and (before.is_superuser or not before.all_permissions <= held):
        raise PermissionDenied("You may not change an account with more rights than yours.")
    before = before or Privileges(is_active=after.is_active)
    if after.is_superuser != before.is_superuser or after.is_staff != before.is_staff:
        raise PermissionDenied("Only a superuser can change superuser or admin-site status.")
    if after.own_permissions != before.own_permissions:
        raise PermissionDenied("Only a superuser can give or take single permissions.")
    changed_groups = before.groups ^ after.groups
    if target_pk == by.pk and (changed_groups or after.is_active != before.is_active):
        raise PermissionDenied("You cannot change your own roles or deactivate your own account.")
    assignable = set(Group.objects.filter(name__in=ASSIGNABLE_ROLES).values_list("pk", flat=True))
    if changed_groups - assignable:
        raise PermissionDenied("Only a superuser can give or take the Clinic admins role.")
    if not after.all_permissions <= held:
        raise PermissionDenied("You may not give an account more rights than yours.")
