"""Who may close which account."""

from __future__ import annotations

from ..models import Therapist
from ..roles import user_roles


def is_staff_account(user) -> bool:
    """Staff accounts (a role, admin access, a therapist profile) sign clinical records and are closed
    by deactivating them in the admin, never by erasure."""
    return bool(
        user.is_staff
        or user.is_superuser
        or user_roles(user)
        or Therapist.objects.filter(user_id=user.pk).exists()
    )


def can_close_account(by, patient) -> bool:
    """A patient closes their own account; a clinic admin (who may delete users) closes any patient's."""
    if not (by and by.is_authenticated and by.is_active):
        return False
    return by.pk == patient.pk or by.has_perm("clinic.delete_user")
