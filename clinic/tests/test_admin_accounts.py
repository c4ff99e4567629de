"""Clinic admins cannot escalate: no superuser, no password but their own, no role or right beyond
what `clinic.permissions` allows. Every test sends the request a hostile admin would craft by hand."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from auditlog.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from clinic import permissions
from clinic.admin import UserAdmin
from clinic.audit.trail import acting_as
from clinic.models import User
from clinic.roles import CLINIC_ADMINS, FRONT_DESK, THERAPISTS

from .factories import PASSWORD, UserFactory, clinic_admin_user, therapist_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic_admin():
    return clinic_admin_user(email="admin@example.org")


@pytest.fixture
def root():
    return UserFactory(email="root@example.org", is_superuser=True, is_staff=True)  # with a second factor


@pytest.fixture
def staff(client, clinic_admin):
    client.force_login(clinic_admin)
    return client


def change_url(user) -> str:
    return reverse("admin:clinic_user_change", args=[user.pk])


def form_data(user, **changes) -> dict:
    """What the change form posts for `user`, with `changes` on top (a list for a many-to-many)."""
    data = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        "is_active": "on" if user.is_active else "",
        "groups": [str(pk) for pk in user.groups.values_list("pk", flat=True)],
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "_save": "Save",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value not in ("", None)}


def group(name: str) -> Group:
    return Group.objects.get(name=name)


# --- superusers are out of reach ----------------------------------------------------------------------


def test_a_clinic_admin_does_not_see_superusers_in_the_user_list(staff, root):
    page = staff.get(reverse("admin:clinic_user_changelist"))
    assert page.status_code == 200
    assert root.email not in page.content.decode()


def test_a_clinic_admin_cannot_open_or_change_a_superuser(staff, root):
    assert staff.get(change_url(root)).status_code == 302  # "does not exist": back to the admin index
    staff.post(change_url(root), form_data(root, first_name="Hacked", is_active=""))
    root.refresh_from_db()
    assert root.first_name != "Hacked" and root.is_active


def test_a_clinic_admin_cannot_delete_a_superuser(staff, root):
    staff.post(reverse("admin:clinic_user_delete", args=[root.pk]), {"post": "yes"})
    staff.post(
        reverse("admin:clinic_user_changelist"),
        {"action": "delete_selected", "_selected_action": [str(root.pk)], "post": "yes"},
    )
    assert User.objects.filter(pk=root.pk).exists()


def test_a_clinic_admin_cannot_change_an_account_holding_a_right_they_lack(staff):
    powerful = UserFactory(email="powerful@example.org")
    powerful.user_permissions.add(Permission.objects.get(codename="change_group"))
    assert staff.get(change_url(powerful)).status_code == 302
    staff.post(change_url(powerful), form_data(powerful, email="mine@example.org"))
    powerful.refresh_from_db()
    assert powerful.email == "powerful@example.org"


def test_a_clinic_admin_cannot_add_an_email_address_to_a_superusers_account(staff, root):
    response = staff.post(
        reverse("admin:account_emailaddress_add"),
        {"user": str(root.pk), "email": "attacker@example.org", "verified": "on", "primary": "on"},
    )
    assert response.status_code == 200  # the form refuses the account
    assert not EmailAddress.objects.filter(email="attacker@example.org").exists()


def test_a_clinic_admin_does_not_see_a_superusers_email_addresses(staff, root):
    address = EmailAddress.objects.create(user=root, email=root.email, primary=True, verified=True)
    assert root.email not in staff.get(reverse("admin:account_emailaddress_changelist")).content.decode()
    staff.post(
        reverse("admin:account_emailaddress_change", args=[address.pk]),
        {"user": str(root.pk), "email": "attacker@example.org", "verified": "on", "primary": "on"},
    )
    address.refresh_from_db()
    assert address.email == root.email


# --- passwords ----------------------------------------------------------------------------------------


def test_a_clinic_admin_cannot_set_another_persons_password(staff):
    patient = UserFactory()
    url = reverse("admin:auth_user_password_change", args=[patient.pk])
    assert staff.get(url).status_code == 403
    response = staff.post(url, {"password1": "a-new-long-password-77", "password2": "a-new-long-password-77"})
    assert response.status_code == 403
    patient.refresh_from_db()
    assert patient.check_password(PASSWORD)


def test_the_change_page_of_another_person_has_no_password_link(staff):
    patient = UserFactory()
    body = staff.get(change_url(patient)).content.decode()
    assert "password/" not in body
    assert "Forgot your password?" in body


def test_a_clinic_admin_sets_their_own_password_in_the_admin(staff, clinic_admin):
    new = "my-own-new-passphrase-9"
    response = staff.post(
        reverse("admin:auth_user_password_change", args=[clinic_admin.pk]),
        {"password1": new, "password2": new, "usable_password": "true"},
    )
    assert response.status_code == 302
    clinic_admin.refresh_from_db()
    assert clinic_admin.check_password(new)


def test_an_account_made_by_a_clinic_admin_has_no_password_even_when_one_is_posted(staff):
    response = staff.post(
        reverse("admin:clinic_user_add"),
        {
            "email": "New.Person@example.org",
            "first_name": "New",
            "last_name": "Person",
            "password1": "chosen-by-the-admin-42",
            "password2": "chosen-by-the-admin-42",
            "is_superuser": "on",
            "is_staff": "on",
            "groups": [str(group(CLINIC_ADMINS).pk)],
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.org")
    assert not user.has_usable_password()
    assert not user.is_superuser and not user.is_staff and not user.groups.exists()


# --- rights and roles ---------------------------------------------------------------------------------


def test_a_clinic_admin_cannot_make_anyone_superuser_staff_or_give_single_permissions(staff):
    therapist = therapist_user()
    perm = Permission.objects.get(codename="change_group")
    response = staff.post(
        change_url(therapist),
        form_data(therapist, is_superuser="on", is_staff="on", user_permissions=[str(perm.pk)]),
    )
    assert response.status_code == 302  # the rest of the form saves; the flags are not the form's
    therapist.refresh_from_db()
    assert not therapist.is_superuser and not therapist.is_staff
    assert not therapist.user_permissions.exists()


def test_a_clinic_admin_cannot_make_themselves_superuser(staff, clinic_admin):
    staff.post(change_url(clinic_admin), form_data(clinic_admin, is_superuser="on"))
    clinic_admin.refresh_from_db()
    assert not clinic_admin.is_superuser


def test_a_clinic_admin_changes_no_role_of_their_own(staff, clinic_admin):
    wanted = [str(group(CLINIC_ADMINS).pk), str(group(THERAPISTS).pk)]
    staff.post(change_url(clinic_admin), form_data(clinic_admin, groups=wanted, first_name="Ann"))
    clinic_admin.refresh_from_db()
    assert clinic_admin.first_name == "Ann"
    assert set(clinic_admin.groups.values_list("name", flat=True)) == {CLINIC_ADMINS}


def test_a_clinic_admin_cannot_give_anyone_the_clinic_admins_role(staff):
    patient = UserFactory()
    response = staff.post(change_url(patient), form_data(patient, groups=[str(group(CLINIC_ADMINS).pk)]))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not patient.groups.exists()


def test_a_clinic_admin_gives_and_takes_the_therapist_and_front_desk_roles(staff):
    person = UserFactory()
    wanted = [str(group(THERAPISTS).pk), str(group(FRONT_DESK).pk)]
    assert staff.post(change_url(person), form_data(person, groups=wanted)).status_code == 302
    assert set(person.groups.values_list("name", flat=True)) == {THERAPISTS, FRONT_DESK}
    assert staff.post(change_url(person), form_data(person, groups=[])).status_code == 302
    assert not person.groups.exists()


def test_editing_another_clinic_admins_name_keeps_their_role(staff):
    peer = clinic_admin_user()
    assert staff.post(change_url(peer), form_data(peer, first_name="Renamed", groups=[])).status_code == 302
    peer.refresh_from_db()
    assert peer.first_name == "Renamed"
    assert set(peer.groups.values_list("name", flat=True)) == {CLINIC_ADMINS}


def test_the_save_check_refuses_what_a_careless_form_would_let_through(staff, monkeypatch):
    """Were the form to offer every field, the save-level check still refuses and rolls back."""
    monkeypatch.setattr(UserAdmin, "get_readonly_fields", lambda self, request, obj=None: ())
    monkeypatch.setattr(UserAdmin, "formfield_for_manytomany", UserAdmin.__mro__[1].formfield_for_manytomany)
    patient = UserFactory(first_name="Kept")
    response = staff.post(
        change_url(patient),
        form_data(patient, is_superuser="on", first_name="Changed", groups=[str(group(CLINIC_ADMINS).pk)]),
    )
    assert response.status_code == 403
    patient.refresh_from_db()
    assert not patient.is_superuser and patient.first_name == "Kept" and not patient.groups.exists()


# --- the rules themselves -----------------------------------------------------------------------------


def test_the_rules_refuse_each_escalation(clinic_admin):
    base = permissions.Privileges()
    clinic_admins = frozenset({group(CLINIC_ADMINS).pk})
    refused = [
        (None, permissions.Privileges(is_superuser=True)),
        (None, permissions.Privileges(is_staff=True)),
        (None, permissions.Privileges(groups=clinic_admins)),
        (base, permissions.Privileges(own_permissions=frozenset({1}))),
        (permissions.Privileges(is_superuser=True), permissions.Privileges(is_superuser=True)),
    ]
    for before, after in refused:
        with pytest.raises(PermissionDenied):
            permissions.check_account_change(by=clinic_admin, target_pk=-1, before=before, after=after)
    with pytest.raises(PermissionDenied):  # a role of their own
        permissions.check_account_change(
            by=clinic_admin,
            target_pk=clinic_admin.pk,
            before=base,
            after=permissions.Privileges(groups=frozenset({group(THERAPISTS).pk})),
        )


def test_superusers_may_do_all_of_it(client, root):
    client.force_login(root)
    patient = UserFactory()
    response = client.post(
        change_url(patient),
        form_data(patient, is_superuser="on", is_staff="on", groups=[str(group(CLINIC_ADMINS).pk)]),
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.is_superuser and patient.is_staff
    assert set(patient.groups.values_list("name", flat=True)) == {CLINIC_ADMINS}


def test_manageable_users_and_the_per_account_check_agree(clinic_admin, root):
    powerful = UserFactory()
    powerful.user_permissions.add(Permission.objects.get(codename="change_group"))
    people = [clinic_admin, root, powerful, UserFactory(), therapist_user(), clinic_admin_user()]
    listed = set(permissions.manageable_users(clinic_admin).values_list("pk", flat=True))
    assert {p.pk for p in people if permissions.can_manage_user(clinic_admin, p)} == listed & {
        p.pk for p in people
    }
    assert root.pk not in listed and powerful.pk not in listed


# --- the change trail keeps its authors ---------------------------------------------------------------


def test_a_staff_account_that_made_changes_is_not_deleted_but_the_page_says_why(client, root):
    """The trail is append-only (`clinic.audit.guard`): deleting its author would empty their entries'
    actor, so the delete page lists the entries as what stops it instead of failing."""
    author = therapist_user(email="leaver@example.org")
    with acting_as(author):
        author.first_name = "Lee"
        author.save()
    client.force_login(root)
    url = reverse("admin:clinic_user_delete", args=[author.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "change trail" in page.content.decode()
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 200  # the page again, nothing deleted
    assert User.objects.filter(pk=author.pk).exists()
    assert LogEntry.objects.filter(actor=author).exists()
