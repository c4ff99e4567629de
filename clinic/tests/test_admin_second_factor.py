"""The second-factor admin lists and resets only the factors of accounts the signed-in admin may manage
(`clinic.permissions.manageable_users`): a clinic admin never sees or resets a superuser's, nor that
of an account holding rights they lack. Every request is the one a hostile admin would craft."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Permission
from django.urls import reverse

from .factories import UserFactory, clinic_admin_user, therapist_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def root():
    return UserFactory(email="root@example.org", is_superuser=True, is_staff=True)


@pytest.fixture
def mightier():
    """A clinic admin with one permission the other clinic admins lack."""
    user = clinic_admin_user(email="mighty@example.org")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="auditlog", codename="delete_logentry")
    )
    return user


@pytest.fixture
def staff(client):
    client.force_login(clinic_admin_user(email="admin@example.org"))
    return client


def totp_of(user) -> Authenticator:
    return Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)


def test_a_clinic_admin_lists_only_factors_of_accounts_they_may_manage(staff, root, mightier):
    therapist = therapist_user(email="pri@example.org")
    page = staff.get(reverse("admin:mfa_authenticator_changelist"))
    assert page.status_code == 200
    listed = {a.user.email for a in page.context["cl"].result_list}
    assert therapist.email in listed and "admin@example.org" in listed
    assert root.email not in listed and mightier.email not in listed


@pytest.mark.parametrize("target", ["root", "mightier"])
def test_a_clinic_admin_cannot_open_or_reset_a_factor_beyond_their_reach(staff, target, request):
    user = request.getfixturevalue(target)
    url = reverse("admin:mfa_authenticator_delete", args=[totp_of(user).pk])
    assert staff.get(url).status_code == 302  # "does not exist": back to the admin index
    staff.post(url, {"post": "yes"})
    assert Authenticator.objects.filter(user=user).count() == 2  # the app and the recovery codes


def test_a_clinic_admin_s_bulk_reset_skips_factors_beyond_their_reach(staff, root, mightier):
    therapist = therapist_user()
    chosen = [totp_of(user).pk for user in (therapist, root, mightier)]
    staff.post(
        reverse("admin:mfa_authenticator_changelist"),
        {"action": "delete_selected", "_selected_action": [str(pk) for pk in chosen], "post": "yes"},
    )
    assert Authenticator.objects.filter(user=root).count() == 2
    assert Authenticator.objects.filter(user=mightier).count() == 2
    assert not Authenticator.objects.filter(user=therapist).exists()


def test_a_superuser_resets_a_superuser_s_factor(client, root):
    other = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(root)
    url = reverse("admin:mfa_authenticator_delete", args=[totp_of(other).pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Authenticator.objects.filter(user=other).exists()
