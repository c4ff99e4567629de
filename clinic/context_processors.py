from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef
from django.utils.functional import SimpleLazyObject

from .models import ClinicProfile, User
from .roles import CLINIC_ADMINS, FRONT_DESK, ROLE_NAMES, THERAPISTS, manages_appointments


def _roles_and_patient(user) -> tuple[set[str], bool]:
    """The user's roles and whether they have ever booked as a patient, in one query (the menu shows
    staff their patient items only if they are patients too)."""
    if user is None or not user.is_authenticated:
        return set(), False
    booked = User._meta.get_field("appointments").related_model  # bookings' model, not imported
    flags = {name: Exists(Group.objects.filter(user=OuterRef("pk"), name=name)) for name in ROLE_NAMES}
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            is_patient=Exists(booked.objects.filter(patient=OuterRef("pk"))),
            **{f"role_{i}": flag for i, flag in enumerate(flags.values())},
        )
        .values("is_patient", *(f"role_{i}" for i in range(len(flags))))
        .first()
    )
    if row is None:
        return set(), False
    roles = {name for i, name in enumerate(flags) if row[f"role_{i}"]}
    return roles, row["is_patient"]


def clinic(request) -> dict:
    """What the layout needs on every page: the clinic's profile (name, address, phone; read once per
    request, and only by a page that shows it), its zone and the signed-in user's roles."""
    user = getattr(request, "user", None)
    roles, is_patient = _roles_and_patient(user)
    superuser = bool(user and user.is_authenticated and user.is_superuser)
    staff_member = bool(roles) or superuser
    return {
        "clinic_profile": SimpleLazyObject(ClinicProfile.get),
        "clinic_name": SimpleLazyObject(lambda: ClinicProfile.get().display_name),
        "clinic_time_zone": settings.CLINIC_TIME_ZONE,
        "nav": {
            "is_therapist": THERAPISTS in roles or superuser,
            "is_front_desk": FRONT_DESK in roles or superuser,
            "is_clinic_admin": CLINIC_ADMINS in roles or superuser,
            "is_staff_member": staff_member,
            # A patient's own pages: everyone who is not staff, and staff who have booked as patients.
            "is_patient": is_patient or not staff_member,
            "can_manage_appointments": manages_appointments(user),
            "can_use_admin": bool(user and user.is_authenticated and user.is_staff),
        },
    }
