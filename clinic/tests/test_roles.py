import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.urls import reverse

from clinic.models import User
from clinic.roles import CLINIC_ADMINS, FRONT_DESK, THERAPISTS, role_emails, users_with_role
from clinic.sessions import idle_limit

from .factories import clinic_admin_user, front_desk_user, patient, therapist_user

pytestmark = pytest.mark.django_db


def nav_items(client):
    body = client.get(reverse("home")).content.decode()
    names = (
        "staff",
        "admin",
        "login",
        "signup",
        "logout",
        "my-appointments",
        "my-data",
        "front-desk",
        "review",
    )
    return {name for name in names if f'data-nav="{name}"' in body}


def test_role_groups_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {THERAPISTS, FRONT_DESK, CLINIC_ADMINS}


def test_role_groups_carry_their_permissions():
    assert Group.objects.get(name=FRONT_DESK).permissions.filter(codename="manage_appointments").exists()
    assert Group.objects.get(name=THERAPISTS).permissions.filter(codename="review_intakes").exists()
    assert not Group.objects.get(name=THERAPISTS).permissions.filter(codename="manage_appointments").exists()
    admins = Group.objects.get(name=CLINIC_ADMINS).permissions
    assert admins.filter(codename="change_user").exists()


def test_anonymous_menu_offers_login_and_signup_only(client):
    assert nav_items(client) == {"login", "signup"}


def test_patient_menu_has_no_staff_items(client):
    client.force_login(patient())
    assert nav_items(client) == {"my-appointments", "my-data", "logout"}


def test_therapist_menu_shows_staff_pages_but_not_admin_or_front_desk(client):
    client.force_login(therapist_user())
    assert nav_items(client) == {"my-data", "review", "staff", "logout"}


def test_front_desk_menu_shows_the_day_list(client):
    client.force_login(front_desk_user())
    assert nav_items(client) == {"my-data", "staff", "front-desk", "logout"}


def test_clinic_admin_menu_shows_staff_and_admin(client):
    client.force_login(clinic_admin_user())
    assert nav_items(client) == {
        "my-data",
        "review",
        "staff",
        "front-desk",
        "admin",
        "logout",
    }


def test_staff_page_redirects_anonymous_to_login(client):
    resp = client.get(reverse("staff-dashboard"))
    assert resp.status_code == 302
    assert resp["Location"].startswith(reverse("account_login"))


def test_staff_page_is_forbidden_to_a_patient(client):
    client.force_login(patient())
    resp = client.get(reverse("staff-dashboard"))
    assert resp.status_code == 403
    assert "not allowed" in resp.content.decode()


@pytest.mark.parametrize("make_user", [therapist_user, front_desk_user, clinic_admin_user])
def test_staff_page_opens_for_each_role(client, make_user):
    client.force_login(make_user())
    assert client.get(reverse("staff-dashboard")).status_code == 200


def test_admin_is_closed_to_therapist_and_open_to_clinic_admin(client):
    client.force_login(therapist_user())
    assert client.get(reverse("admin:index")).status_code == 302
    client.force_login(clinic_admin_user())
    assert client.get(reverse("admin:index")).status_code == 200


def test_staff_session_expires_sooner_than_a_patients(settings):
    """The limits themselves are walked with a frozen clock in test_sessions.py."""
    settings.STAFF_SESSION_IDLE_SECONDS = 1800
    settings.PATIENT_SESSION_IDLE_SECONDS = 7200
    assert idle_limit(therapist_user()) == 1800
    assert idle_limit(clinic_admin_user()) == 1800
    assert idle_limit(patient()) == 7200


def test_group_names_appear_only_in_the_roles_module():
    """Code asks the roles module or a permissions predicate, never a group by name (tests and
    migrations aside)."""
    pattern = re.compile(r"groups__name|as_staff|[\"'](Therapists|Front desk|Clinic admins)[\"']")
    root = Path(django_settings.BASE_DIR)
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for app in ("clinic", "bookings", "intake", "techniques")
        for path in (root / app).rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts and path.name != "roles.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_users_with_a_role_are_its_active_members_and_superusers():
    admin = clinic_admin_user(email="admin@example.org")
    clinic_admin_user(email="gone@example.org", is_active=False)
    root = User.objects.create_superuser(email="root@example.org", password="x-long-password-1")
    front_desk_user(email="desk@example.org")
    assert set(users_with_role(CLINIC_ADMINS)) == {admin, root}
    assert role_emails(CLINIC_ADMINS) == ["admin@example.org", "root@example.org"]
    with pytest.raises(ValueError):
        users_with_role("Cleaners")
