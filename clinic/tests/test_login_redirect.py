"""Issue 14: after signing in, staff land on their dashboard and patients on the home page; a safe
`next` (a page of this site) wins for everyone, an outside address never does."""

from __future__ import annotations

import pytest
from django.urls import reverse

from .factories import clinic_admin_user, front_desk_user, patient, therapist_user, totp_code
from .signin import code_step, password_step, signed_in_user_id

pytestmark = pytest.mark.django_db


def test_a_patient_lands_on_the_home_page(client):
    user = patient()
    resp = password_step(client, user.email)
    assert resp.status_code == 302 and resp["Location"] == "/"
    assert signed_in_user_id(client) == str(user.pk)


@pytest.mark.parametrize("make_staff", [therapist_user, front_desk_user, clinic_admin_user])
def test_staff_land_on_their_dashboard_after_the_second_step(client, make_staff):
    user = make_staff()
    password_step(client, user.email)
    resp = code_step(client, totp_code())
    assert resp.status_code == 302
    assert resp["Location"] == reverse("staff-dashboard")
    assert signed_in_user_id(client) == str(user.pk)


def test_a_safe_next_wins_over_the_staff_dashboard(client):
    user = therapist_user()
    password_step(client, user.email, next_url="/techniques/")
    resp = code_step(client, totp_code())
    assert resp["Location"] == "/techniques/"


def test_a_safe_next_wins_for_a_patient_too(client):
    user = patient()
    resp = password_step(client, user.email, next_url="/appointments/")
    assert resp["Location"] == "/appointments/"


@pytest.mark.parametrize("outside", ["https://evil.example/", "//evil.example/steal"])
def test_a_next_on_another_site_is_ignored(client, outside):
    user = therapist_user()
    password_step(client, user.email, next_url=outside)
    resp = code_step(client, totp_code())
    assert resp["Location"] == reverse("staff-dashboard")
