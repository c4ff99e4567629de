import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from clinic.models import User

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_signup_creates_account_with_email_login_and_name(client):
    resp = client.post(
        reverse("account_signup"),
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "Ada@Example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert resp.status_code == 302
    user = User.objects.get()
    assert user.email == "ada@example.org"
    assert user.get_full_name() == "Ada Lovelace"
    assert user.is_authenticated
    assert "_auth_user_id" in client.session


def test_signup_with_bad_input_shows_messages_and_keeps_typed_values(client):
    resp = client.post(
        reverse("account_signup"),
        {
            "first_name": "",
            "last_name": "x" * 200,
            "email": "not-an-email",
            "password1": "a",
            "password2": "b",
        },
    )
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "This field is required" in body
    assert "Ensure this value has at most 150 characters" in body
    assert "Enter a valid email address" in body
    assert 'value="not-an-email"' in body
    assert User.objects.count() == 0


def test_signup_with_taken_email_is_refused(client):
    UserFactory(email="taken@example.org")
    resp = client.post(
        reverse("account_signup"),
        {
            "first_name": "A",
            "last_name": "B",
            "email": "TAKEN@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert resp.status_code == 200
    assert "already registered" in resp.content.decode()
    assert User.objects.count() == 1


def test_login_by_email_and_logout(client):
    UserFactory(email="sam@example.org")
    resp = client.post(reverse("account_login"), {"login": "sam@example.org", "password": PASSWORD})
    assert resp.status_code == 302
    assert "_auth_user_id" in client.session
    resp = client.post(reverse("account_logout"))
    assert resp.status_code == 302
    assert "_auth_user_id" not in client.session


def test_login_with_wrong_password_keeps_email_and_says_why(client):
    UserFactory(email="sam@example.org")
    resp = client.post(reverse("account_login"), {"login": "sam@example.org", "password": "wrong"})
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "not correct" in body
    assert 'value="sam@example.org"' in body


def test_password_reset_sends_an_email_with_a_link(client, django_capture_on_commit_callbacks):
    UserFactory(email="sam@example.org")
    with django_capture_on_commit_callbacks(execute=True):  # sent from the outbox once the request commits
        resp = client.post(reverse("account_reset_password"), {"email": "sam@example.org"})
    assert resp.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_createsuperuser_account_has_every_staff_permission():
    admin = User.objects.create_superuser(email="root@example.org", password=PASSWORD)
    assert admin.is_staff
    assert admin.has_perm("clinic.access_staff_area")
    assert admin.has_perm("clinic.manage_appointments")
    assert admin.has_perm("clinic.review_intakes")


def test_email_is_unique_regardless_of_case_in_the_database():
    UserFactory(email="one@example.org")
    other = UserFactory(email="two@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        # .update() skips save()'s lower-casing: the constraint is the final word.
        User.objects.filter(pk=other.pk).update(email="ONE@example.org")
