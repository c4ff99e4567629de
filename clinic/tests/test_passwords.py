"""Passwords: at least 12 characters, Django's validators, and zxcvbn's offline guessability estimate,
each refusal with a message that says what to do."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from clinic.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from clinic.models import User

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def sign_up(client, password: str, **names):
    data = {"first_name": "Sam", "last_name": "Taylor", "email": "sam.taylor@example.org", **names}
    return client.post(reverse("account_signup"), {**data, "password1": password, "password2": password})


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-pass1", "at least 12 characters"),
        ("password1234", "too easy to guess"),
        ("aaaaaaaaaaaaaaaa", "are easy to guess"),  # zxcvbn's hint: repeats like "aaa"
        ("qwertyuiop12", "too easy to guess"),
        ("sam.taylor@example.org", "too easy to guess"),  # strong but for being the person's own address
    ],
)
def test_a_weak_password_is_refused_at_sign_up_with_a_reason(client, password, message):
    response = sign_up(client, password)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()


def test_the_refusal_suggests_what_works(client):
    body = sign_up(client, "password1234").content.decode()
    assert "A few unrelated words together make a strong password" in body


def test_a_long_unguessable_password_is_accepted(client):
    assert sign_up(client, "lantern orbit gravel tulip").status_code == 302
    assert User.objects.get().check_password("lantern orbit gravel tulip")


def test_a_very_long_strong_password_is_accepted_without_an_error():
    validate_password("lantern orbit gravel tulip " * 400, UserFactory.build())  # zxcvbn stops at 72


def test_a_very_long_weak_password_is_refused_without_an_error():
    with pytest.raises(ValidationError):
        validate_password("a" * 10_000, UserFactory.build())


def test_a_weak_new_password_is_refused_on_the_change_page(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "password1234", "password2": "password1234"},
    )
    assert response.status_code == 200
    assert "too easy to guess" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize(("email", "first", "last", "role", "is_staff"), DEMO_ACCOUNTS)
def test_the_demo_password_passes_every_validator_for_every_demo_account(email, first, last, role, is_staff):
    validate_password(DEMO_PASSWORD, User(email=email, first_name=first, last_name=last))


def test_the_test_password_passes_every_validator():
    validate_password(PASSWORD, UserFactory.build())


def test_every_validator_refuses_with_a_code():
    with pytest.raises(ValidationError) as refused:
        validate_password("password1234", UserFactory.build())
    assert "password_too_guessable" in {error.code for error in refused.value.error_list}
