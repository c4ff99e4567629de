"""The Django admin signs staff in through allauth: its rate limits and the second factor apply
(issue 13: /admin/login/ accepted 30 wrong passwords and then the right one)."""

import pytest
from django.urls import reverse

from clinic.settings import base
from clinic.tests.factories import clinic_admin_user, patient, totp_code
from clinic.tests.signin import code_step, password_step, signed_in_user_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def rate_limits(settings):
    settings.ACCOUNT_RATE_LIMITS = base.ACCOUNT_RATE_LIMITS


def test_the_admin_login_page_hands_over_to_allauth_keeping_where_to_go(client):
    resp = client.get("/admin/login/?next=/admin/clinic/user/")
    assert resp.status_code == 302
    assert resp["Location"] == "/accounts/login/?next=%2Fadmin%2Fclinic%2Fuser%2F"


def test_the_admin_sends_a_stranger_to_allauths_login(client):
    first = client.get(reverse("admin:index"))
    assert first["Location"] == "/admin/login/?next=/admin/"
    assert client.get(first["Location"])["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_a_post_to_the_admin_login_checks_no_password(client):
    clinic_admin_user(email="boss@example.org")
    resp = client.post(
        "/admin/login/", {"username": "boss@example.org", "password": "a-long-test-password-42"}
    )
    assert resp.status_code == 302
    assert signed_in_user_id(client) is None


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/admin/", "javascript:alert(1)"])
def test_the_admin_login_never_forwards_to_another_site(client, target):
    resp = client.get("/admin/login/", {"next": target})
    assert resp["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_a_signed_in_patient_at_the_admin_login_is_refused_not_looped(client):
    client.force_login(patient())
    assert client.get(reverse("admin:index"))["Location"] == "/admin/login/?next=/admin/"
    resp = client.get("/admin/login/?next=/admin/")
    assert resp.status_code == 403


def test_thirty_wrong_admin_passwords_then_the_right_one_give_no_session(client, rate_limits):
    clinic_admin_user(email="boss@example.org")
    login = client.get("/admin/login/?next=/admin/")["Location"]

    def attempt(password):
        return client.post(
            login, {"login": "boss@example.org", "password": password}, REMOTE_ADDR="203.0.113.5"
        )

    refused = ["Too many failed login attempts" in attempt(f"wrong-{i}").content.decode() for i in range(30)]
    assert refused == [False] * 5 + [True] * 25  # five guesses at one account from one client, then refused
    right = attempt("a-long-test-password-42")
    assert right.status_code == 429  # the 31st sign-in attempt from one address within a minute
    assert "Too many attempts in a short time" in right.content.decode()  # the site's page, not a bare one
    assert signed_in_user_id(client) is None
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_admin_needs_the_second_factor_as_well_as_the_password(client):
    admin = clinic_admin_user(email="boss@example.org")
    resp = password_step(client, "boss@example.org", next_url="/admin/")
    assert resp["Location"] == reverse("mfa_authenticate")
    assert signed_in_user_id(client) is None
    assert client.get(reverse("admin:index"))["Location"].startswith("/admin/login/")
    resp = code_step(client, totp_code())
    assert resp["Location"] == "/admin/"
    assert signed_in_user_id(client) == str(admin.pk)
    assert client.get(reverse("admin:index")).status_code == 200


def test_an_admin_without_a_second_factor_is_sent_to_set_one_up_not_into_the_admin(client):
    clinic_admin_user(email="boss@example.org", second_factor=False)
    password_step(client, "boss@example.org", next_url="/admin/")
    resp = client.get(reverse("admin:index"))
    assert resp["Location"] == reverse("mfa_activate_totp")
