"""Accounts on the change trail: who changed a person's email, names, status, admin rights, roles,
single permissions and second factors, and when. Values that name a person are masked; passwords and
second-factor secrets never reach an entry."""

from __future__ import annotations

import json

import pytest
from allauth.mfa.models import Authenticator
from auditlog.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from clinic.accounts.second_factor import totp_authenticator_add
from clinic.audit.trail import MASK, acting_as
from clinic.roles import FRONT_DESK, THERAPISTS

from .factories import TOTP_SECRET, UserFactory, clinic_admin_user, patient, therapist_user
from .test_admin_accounts import form_data

pytestmark = pytest.mark.django_db


def account_entries(user) -> list[LogEntry]:
    return list(LogEntry.objects.get_for_object(user).order_by("pk"))


def factor_entries() -> list[LogEntry]:
    return list(LogEntry.objects.get_for_model(Authenticator).order_by("pk"))


def everything_written(entries) -> str:
    return json.dumps([[e.object_repr, e.changes, e.changes_text] for e in entries])


@pytest.fixture
def root(client):
    user = UserFactory(email="root@example.org", is_superuser=True, is_staff=True)
    client.force_login(user)
    return user


def test_an_admin_s_change_of_email_names_and_status_is_recorded_masked_with_the_admin_as_actor(client, root):
    person = therapist_user(email="priya@example.org", first_name="Priya", last_name="Shah")
    response = client.post(
        reverse("admin:clinic_user_change", args=[person.pk]),
        form_data(person, email="p.shah@example.org", first_name="Priyanka", is_active="", is_staff="on"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    update = account_entries(person)[-1]
    assert update.action == LogEntry.Action.UPDATE
    assert (update.actor, update.actor_email) == (root, "root@example.org")
    changes = update.changes_dict
    assert changes["email"] == [MASK, MASK] and changes["first_name"] == [MASK, MASK]
    assert changes["is_active"] == ["True", "False"] and changes["is_staff"] == ["False", "True"]
    assert "last_name" not in changes  # unchanged
    written = everything_written(account_entries(person))
    for personal in ("priya@example.org", "p.shah@example.org", "Priya", "Shah"):
        assert personal not in written
    assert update.object_repr == f"account {person.pk}"


def test_granting_superuser_is_recorded(root):
    person = clinic_admin_user()
    with acting_as(root):
        person.is_superuser = True
        person.save()
    assert account_entries(person)[-1].changes_dict["is_superuser"] == ["False", "True"]
    assert account_entries(person)[-1].actor == root


def test_roles_given_and_taken_are_recorded_with_the_actor(root):
    person = patient()
    with acting_as(root):
        person.groups.add(Group.objects.get(name=FRONT_DESK))
        person.groups.remove(Group.objects.get(name=FRONT_DESK))
        person.groups.add(Group.objects.get(name=THERAPISTS))
    m2m = [e for e in account_entries(person) if "groups" in e.changes_dict]
    assert [(e.changes_dict["groups"]["operation"], e.changes_dict["groups"]["objects"]) for e in m2m] == [
        ("add", [FRONT_DESK]),
        ("delete", [FRONT_DESK]),
        ("add", [THERAPISTS]),
    ]
    assert {e.actor for e in m2m} == {root}


def test_single_permissions_given_are_recorded(root):
    person = patient()
    permission = Permission.objects.get(codename="access_staff_area")
    with acting_as(root):
        person.user_permissions.add(permission)
    (entry,) = [e for e in account_entries(person) if "user_permissions" in e.changes_dict]
    assert entry.changes_dict["user_permissions"]["operation"] == "add"
    assert entry.changes_dict["user_permissions"]["objects"] == [str(permission)]


def test_a_password_change_is_recorded_without_the_password_or_its_hash():
    person = patient()
    old_hash = person.password
    person.set_password("another-long-test-password-77")
    person.save()
    entries = account_entries(person)
    assert entries[-1].changes_dict == {"password": [MASK, MASK]}
    written = everything_written(entries)
    assert old_hash not in written and person.password not in written
    assert "another-long-test-password-77" not in written


def test_signing_in_writes_no_entry(client):
    person = patient()
    before = len(account_entries(person))
    client.force_login(person)  # moves last_login on
    assert len(account_entries(person)) == before


def test_a_second_factor_added_and_reset_is_recorded_without_its_secret(client):
    admin = clinic_admin_user()  # has its own factor
    person = therapist_user(second_factor=False)
    with acting_as(person):
        totp_authenticator_add(user=person, secret=TOTP_SECRET)
    added = [e for e in factor_entries() if e.action == LogEntry.Action.CREATE and e.actor == person]
    assert sorted(e.changes_dict["type"][1] for e in added) == ["recovery_codes", "totp"]
    assert all(e.changes_dict["user"] == ["None", str(person.pk)] for e in added)
    assert all("data" not in e.changes_dict and "last_used_at" not in e.changes_dict for e in added)

    client.force_login(admin)
    totp = Authenticator.objects.get(user=person, type=Authenticator.Type.TOTP)
    response = client.post(reverse("admin:mfa_authenticator_delete", args=[totp.pk]), {"post": "yes"})
    assert response.status_code == 302
    removed = [e for e in factor_entries() if e.action == LogEntry.Action.DELETE]
    assert sorted(e.changes_dict["type"][0] for e in removed) == ["recovery_codes", "totp"]
    assert {e.actor for e in removed} == {admin}
    assert all(e.object_repr == f"second factor {e.object_pk}" for e in removed)

    written = everything_written(factor_entries())
    assert TOTP_SECRET not in written and '"secret"' not in written and "encrypted" not in written


def test_using_a_second_factor_writes_no_entry():
    person = therapist_user()
    before = len(factor_entries())
    Authenticator.objects.get(user=person, type=Authenticator.Type.TOTP).record_usage()
    assert len(factor_entries()) == before
