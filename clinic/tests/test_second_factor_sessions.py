"""Removing a second factor ends the person's other sessions, as "log out on other devices" does: a
phone that was lost with the authenticator app on it, or a session opened by whoever removed the factor,
stays signed in no longer. A clinic admin's reset in the admin ends every session of that person.
Regenerating recovery codes ends nothing (see clinic/sessions.py)."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from .factories import PASSWORD, UserFactory, clinic_admin_user, therapist_user
from .test_sessions import IPHONE, log_in

pytestmark = pytest.mark.django_db

SIGNED_IN_PAGE = "account"


def signed_in_at(browser) -> bool:
    return browser.get(reverse(SIGNED_IN_PAGE)).status_code == 200


def test_removing_the_authenticator_app_logs_out_the_other_devices_and_keeps_this_one():
    user = UserFactory(second_factor=True)  # a patient who opted in
    here, phone = log_in(user), log_in(user, IPHONE, step=1)
    here.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = here.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302, response.content.decode()[:500]
    assert not Authenticator.objects.filter(user=user).exists()
    assert signed_in_at(here)
    assert not signed_in_at(phone)
    user.refresh_from_db()
    assert user.session_generation == 1


def test_a_clinic_admin_resetting_someone_s_second_factor_logs_them_out_everywhere(client):
    person = therapist_user()
    desk, laptop = log_in(person), log_in(person, IPHONE, step=1)
    admin = clinic_admin_user()
    client.force_login(admin)
    totp = Authenticator.objects.get(user=person, type=Authenticator.Type.TOTP)
    response = client.post(reverse("admin:mfa_authenticator_delete", args=[totp.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not signed_in_at(desk) and not signed_in_at(laptop)
    assert signed_in_at(client)  # the admin's own session is not touched


def test_regenerating_recovery_codes_logs_nobody_out():
    user = UserFactory(second_factor=True)
    here, phone = log_in(user), log_in(user, IPHONE, step=1)
    here.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = here.post(reverse("mfa_generate_recovery_codes"))
    assert response.status_code == 302, response.content.decode()[:500]
    assert signed_in_at(here) and signed_in_at(phone)
    user.refresh_from_db()
    assert user.session_generation == 0
