"""The clinic's roles are Django groups; this module is the one place that says what each may do.

Groups are created by a migration; their permissions are re-synced after every `migrate`, because
the permission rows of later apps only exist once those apps have migrated.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db.models import Q, QuerySet

THERAPISTS = "Therapists"
FRONT_DESK = "Front desk"
CLINIC_ADMINS = "Clinic admins"
ROLE_NAMES = (THERAPISTS, FRONT_DESK, CLINIC_ADMINS)

# "app_label.codename", or "app_label.*" for every permission of an app.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    THERAPISTS: (
        "clinic.access_staff_area",
        "clinic.review_intakes",
        "clinic.view_therapist",
        "bookings.view_appointment",
        "techniques.view_technique",
    ),
    FRONT_DESK: (
        "clinic.access_staff_area",
        "clinic.manage_appointments",
        "clinic.view_user",
        "clinic.view_therapist",
        "bookings.view_appointment",
        "bookings.view_service",
    ),
    CLINIC_ADMINS: (
        "clinic.*",
        "bookings.*",
        "intake.*",
        "techniques.*",
        "account.*",
        "auth.view_group",
        # Second factors: see who has one, reset a lost one (clinic.accounts.admin).
        "mfa.view_authenticator",
        "mfa.delete_authenticator",
        # The background task queue (read-only in the admin; its rows hold only ids, never health data).
        "django_tasks_database.view_dbtaskresult",
        # The change trail (django-auditlog), searched in the admin.
        "auditlog.view_logentry",
    ),
}

# The audit trail is written by the app alone: no role may add, change or delete its rows, whatever
# wildcard above would include them (and the admin refuses those actions even to superusers).
NEVER_GRANTED = frozenset(
    {
        "clinic.add_accessevent",
        "clinic.change_accessevent",
        "clinic.delete_accessevent",
        "auditlog.add_logentry",
        "auditlog.change_logentry",
        "auditlog.delete_logentry",
    }
)
ROLE_LABELS = {THERAPISTS: "Therapist", FRONT_DESK: "Front desk", CLINIC_ADMINS: "Clinic admin"}


def _permissions_for(specs: tuple[str, ...]) -> list[Permission]:
    perms: list[Permission] = []
    for spec in specs:
        app_label, codename = spec.split(".", 1)
        qs = Permission.objects.filter(content_type__app_label=app_label)
        if codename != "*":
            qs = qs.filter(codename=codename)
        perms.extend(perm for perm in qs if f"{app_label}.{perm.codename}" not in NEVER_GRANTED)
    return perms


def sync_role_permissions(sender=None, **kwargs) -> None:
    """Give each role group exactly the permissions ROLE_PERMISSIONS lists.

    Runs once per `migrate`, on the last app's signal, after making sure every app's permission rows
    exist (this receiver may run before contrib.auth's own for that app).
    """
    using = kwargs.get("using", "default")
    configs = list(apps.get_app_configs())
    if using != "default" or (sender is not None and sender is not configs[-1]):
        return
    for config in configs:
        create_permissions(config, verbosity=0, using=using)
    for name, specs in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = {p.pk for p in _permissions_for(specs)}
        have = set(group.permissions.values_list("pk", flat=True))
        if wanted != have:
            group.permissions.set(wanted)


def user_roles(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(user.groups.filter(name__in=ROLE_NAMES).values_list("name", flat=True))


def role_label(user) -> str:
    """The user's roles in words ("Therapist", "Front desk, Clinic admin"), for the access log; a
    superuser without a role is a clinic admin."""
    held = user_roles(user)
    names = [ROLE_LABELS[name] for name in ROLE_NAMES if name in held]
    if not names and user.is_authenticated and user.is_superuser:
        names = [ROLE_LABELS[CLINIC_ADMINS]]
    return ", ".join(names) or "Staff"


def is_staff_member(user) -> bool:
    return user.is_authenticated and user.has_perm("clinic.access_staff_area")


def requires_second_factor(user) -> bool:
    """Every staff account (any role, Django admin access, superusers) must sign in with a second factor."""
    return bool(
        user.is_authenticated
        and (user.is_staff or user.is_superuser or user.has_perm("clinic.access_staff_area"))
    )


def manages_appointments(user) -> bool:
    """Front desk and clinic admins (and superusers) hold the clinic's `manage_appointments`."""
    return bool(user and user.is_authenticated and user.has_perm("clinic.manage_appointments"))


def users_with_role(role: str) -> QuerySet:
    """Active users who hold `role`; superusers hold every role."""
    if role not in ROLE_NAMES:
        raise ValueError(f"Unknown role: {role!r}")
    return (
        get_user_model()
        .objects.filter(Q(groups__name=role) | Q(is_superuser=True), is_active=True)
        .distinct()
    )


def patient_accounts() -> QuerySet:
    """Active accounts with no staff role, admin access or superuser status: the clinic's patients."""
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=False, is_superuser=False)
        .exclude(groups__name__in=ROLE_NAMES)
    )


def role_emails(role: str) -> list[str]:
    """The addresses of everyone who holds `role`, sorted, without blanks or repeats."""
    return sorted(set(users_with_role(role).exclude(email="").values_list("email", flat=True)))
