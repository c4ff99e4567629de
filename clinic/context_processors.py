from __future__ import annotations

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .models import ClinicProfile
from .roles import CLINIC_ADMINS, FRONT_DESK, THERAPISTS, manages_appointments, user_roles


def clinic(request) -> dict:
    """What the layout needs on every page: the clinic's profile (name, address, phone; read once per
    request, and only by a page that shows it), its zone and the signed-in user's roles."""
    user = getattr(request, "user", None)
    roles = user_roles(user) if user is not None else set()
    superuser = bool(user and user.is_authenticated and user.is_superuser)
    return {
        "clinic_profile": SimpleLazyObject(ClinicProfile.get),
        "clinic_name": SimpleLazyObject(lambda: ClinicProfile.get().display_name),
        "clinic_time_zone": settings.CLINIC_TIME_ZONE,
        "nav": {
            "is_therapist": THERAPISTS in roles or superuser,
            "is_front_desk": FRONT_DESK in roles or superuser,
            "is_clinic_admin": CLINIC_ADMINS in roles or superuser,
            "is_staff_member": bool(roles) or superuser,
            "can_manage_appointments": manages_appointments(user),
            "can_use_admin": bool(user and user.is_authenticated and user.is_staff),
        },
    }
