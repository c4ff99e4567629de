"""Demo accounts for `seed_demo`. Each app may have a `demo.py` with `seed(out)`; the command runs them."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group

from .accounts.second_factor import has_second_factor, totp_authenticator_add
from .models import ClinicProfile, User
from .roles import CLINIC_ADMINS, FRONT_DESK, THERAPISTS

DEMO_PASSWORD = "psoas-demo-2026"  # noqa: S105 - printed on purpose: demo data only, refused in prod.
# Every staff account needs a second factor; the demo's staff share this authenticator-app secret
# (base32, in the README). `manage.py demo_code` prints its current code. Demo data only.
DEMO_TOTP_SECRET = "PSOASRELEASEDEMOSTAFFSECRETCODE2"  # noqa: S105

# email, first name, last name, role (None = patient), is_staff (Django admin access)
DEMO_ACCOUNTS: list[tuple[str, str, str, str | None, bool]] = [
    ("admin@clinic.example", "Alex", "Morgan", CLINIC_ADMINS, True),
    ("frontdesk@clinic.example", "Jamie", "Reed", FRONT_DESK, False),
    ("therapist@clinic.example", "Priya", "Shah", THERAPISTS, False),
    ("patient@clinic.example", "Sam", "Taylor", None, False),
]


# A made-up address, and a number from the range Ofcom keeps for drama (it rings nobody).
DEMO_PROFILE = {
    "address": "14 Riverside Walk\nLondon\nSE1 9ZZ",
    "phone": "020 7946 0321",
    "email": "hello@clinic.example",
    "opening_hours": "Monday to Friday 08:00 to 19:00\nSaturday 09:00 to 13:00\nClosed on Sundays and public holidays",
    "directions": (
        "Five minutes' walk from the station: leave by the river exit and follow the towpath east. "
        "Bicycle racks by the door; no parking on site. The treatment rooms are on the ground floor, "
        "with step-free access."
    ),
    "about": (
        "A small clinic of licensed therapists for Psoas Release Treatment: hands-on care for stiffness "
        "in the lower back, hips and pelvis, with a home plan to keep it that way."
    ),
}


def ensure_profile() -> bool:
    """Fill in the clinic's profile once; an existing one (an admin's edits) is left as it is."""
    if ClinicProfile.objects.filter(pk=1).exists():
        return False
    ClinicProfile(name=settings.CLINIC_NAME, **DEMO_PROFILE).save()
    return True


def ensure_user(
    email: str, first_name: str, last_name: str, role: str | None = None, is_staff: bool = False
) -> tuple[User, bool]:
    """Create the demo user once; a second run leaves an existing account exactly as it is."""
    user, created = User.objects.get_or_create(
        email=email,
        defaults={"first_name": first_name, "last_name": last_name, "is_staff": is_staff},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        if role:
            user.groups.add(Group.objects.get(name=role))
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
    # Also for staff seeded before second factors were required, so their demo sign-in works.
    if (role or is_staff) and not has_second_factor(user):
        totp_authenticator_add(user=user, secret=DEMO_TOTP_SECRET)
    return user, created


def seed(out) -> None:
    out(f"{'created' if ensure_profile() else 'exists '}  clinic profile (name, address, phone)")
    for email, first, last, role, is_staff in DEMO_ACCOUNTS:
        _, created = ensure_user(email, first, last, role, is_staff)
        out(f"{'created' if created else 'exists '}  {role or 'Patient':<14} {email}")
    out(f"Demo password for every account above: {DEMO_PASSWORD}")
    out(
        f"Staff also type a code: add the secret {DEMO_TOTP_SECRET} to an authenticator app, "
        "or run `python manage.py demo_code` for the current one."
    )
