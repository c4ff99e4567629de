"""The sign-in backends read a signed-in user's permissions with less work, and give the same answers
as Django's ModelBackend (clinic/accounts/backends.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from clinic.accounts.backends import AuthenticationBackend, ModelBackend
from clinic.models import User
from clinic.roles import FRONT_DESK, is_staff_member, manages_appointments

from .factories import UserFactory, clinic_admin_user, front_desk_user, patient, therapist_user

pytestmark = pytest.mark.django_db

BACKENDS = [ModelBackend, AuthenticationBackend]


def djangos_answer(user: User) -> set[str]:
    return DjangoModelBackend().get_all_permissions(User.objects.get(pk=user.pk))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_patients_permissions_are_known_from_loading_them_with_no_further_query(
    backend, django_assert_num_queries
):
    someone = patient()
    with django_assert_num_queries(1):
        user = backend().get_user(someone.pk)
    with django_assert_num_queries(0):
        assert not is_staff_member(user)
        assert not manages_appointments(user)
        assert user.get_all_permissions() == set()


@pytest.mark.parametrize("make", [therapist_user, front_desk_user, clinic_admin_user])
def test_staff_permissions_are_djangos_read_in_one_query(make, django_assert_num_queries):
    staff = make()
    expected = djangos_answer(staff)
    user = ModelBackend().get_user(staff.pk)
    with django_assert_num_queries(1):
        assert is_staff_member(user)
        assert user.get_all_permissions() == expected


def test_a_single_permission_without_a_role_counts(django_assert_num_queries):
    someone = patient()
    someone.user_permissions.add(Permission.objects.get(codename="manage_appointments"))
    user = ModelBackend().get_user(someone.pk)
    assert manages_appointments(user) and not is_staff_member(user)
    assert user.get_all_permissions() == djangos_answer(someone) == {"clinic.manage_appointments"}


def test_a_superuser_holds_every_permission():
    boss = UserFactory(is_superuser=True)
    user = ModelBackend().get_user(boss.pk)
    assert user.get_all_permissions() == djangos_answer(boss)
    assert len(user.get_all_permissions()) == Permission.objects.count()


def test_an_inactive_user_is_not_loaded_and_holds_nothing():
    staff = front_desk_user(is_active=False)
    assert ModelBackend().get_user(staff.pk) is None
    assert ModelBackend().get_all_permissions(staff) == set()


def test_a_missing_user_is_not_loaded():
    assert ModelBackend().get_user(10**9) is None


def test_a_role_given_counts_from_the_next_request(client):
    someone = patient()
    client.force_login(someone)
    assert client.get(reverse("staff-dashboard")).status_code in (302, 403)
    someone.groups.add(Group.objects.get(name=FRONT_DESK))
    user = ModelBackend().get_user(someone.pk)
    assert is_staff_member(user) and manages_appointments(user)


def test_a_role_taken_away_counts_from_the_next_load():
    staff = front_desk_user()
    staff.groups.clear()
    user = ModelBackend().get_user(staff.pk)
    assert not is_staff_member(user) and user.get_all_permissions() == set()


def test_signing_in_stores_the_clinics_backend(client):
    client.force_login(patient())
    assert client.session["_auth_user_backend"] == "clinic.accounts.backends.ModelBackend"
