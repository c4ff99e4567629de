"""Account emails (address confirmation, password reset) are outbox rows sent by the worker, like every
other email: their links work, and sign-up succeeds while the mail server refuses, its confirmation
arriving once when the server is back."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from clinic.outbox.models import OutboxMessage, Status
from clinic.tests.emails import SITE_URL, assert_clean_email, email_setup
from clinic.tests.factories import UserFactory, clinic_admin_user

from .smtp import run_db_worker, smtp_sink, use_smtp_and_database_tasks

PASSWORD = "a-long-sign-up-password-57"
SIGNUP = {
    "first_name": "Noor",
    "last_name": "Haddad",
    "email": "noor@example.org",
    "password1": PASSWORD,
    "password2": PASSWORD,
}
LINK = re.compile(r"http://127.0.0.1:8000(/accounts/\S+/)")  # SITE_URL in the tests


def link_in(body: str) -> str:
    match = LINK.search(body)
    assert match, body
    return match.group(1)


@pytest.mark.django_db
def test_the_sign_up_confirmation_is_an_outbox_row_and_its_link_confirms_the_address(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    (row,) = OutboxMessage.objects.filter(recipient="noor@example.org")
    assert row.kind == "account.email_confirmation_signup"
    assert row.status == Status.SENT  # the tests' task backend runs the send task at once
    (sent,) = mail.outbox
    assert sent.to == ["noor@example.org"]
    assert sent.extra_headers["X-Clinic-Outbox-Id"] == str(row.pk)

    confirm = link_in(sent.body)
    assert client.post(confirm).status_code == 302
    assert EmailAddress.objects.get(email="noor@example.org").verified


@pytest.mark.django_db
def test_a_password_reset_from_the_outbox_email_sets_the_new_password(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory(email="sam@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "sam@example.org"})
    assert response.status_code == 302
    (row,) = OutboxMessage.objects.filter(recipient="sam@example.org")
    assert row.kind == "account.password_reset_key"
    (sent,) = mail.outbox
    form = client.get(link_in(sent.body), follow=True)
    assert form.status_code == 200
    new = "another-long-password-64"
    done = client.post(form.redirect_chain[-1][0], {"password1": new, "password2": new})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


@pytest.mark.django_db
def test_two_reset_requests_are_two_emails_even_in_the_same_instant(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="sam@example.org")
    with (
        time_machine.travel("2026-06-01 08:00Z", tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(reverse("account_reset_password"), {"email": "sam@example.org"})
        client.post(reverse("account_reset_password"), {"email": "sam@example.org"})
    assert OutboxMessage.objects.filter(kind="account.password_reset_key").count() == 2
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_the_admin_does_not_show_the_text_of_an_account_email(client):
    UserFactory(email="sam@example.org")
    client.post(reverse("account_reset_password"), {"email": "sam@example.org"})
    (row,) = OutboxMessage.objects.filter(kind="account.password_reset_key")
    client.force_login(clinic_admin_user())
    page = client.get(reverse("admin:clinic_outboxmessage_change", args=[row.pk])).content.decode()
    assert "account.password_reset_key" in page
    assert "/accounts/password/reset/key/" not in page  # a reset link is a key to the account


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sign_up_succeeds_while_smtp_refuses_and_the_confirmation_arrives_once_later(client, settings):
    port = use_smtp_and_database_tasks(settings)  # nothing listens: connection refused
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    run_db_worker()
    (row,) = OutboxMessage.objects.filter(recipient="noor@example.org")
    assert row.status == Status.PENDING
    assert row.attempts == 1

    with smtp_sink(port) as sink, time_machine.travel(row.next_attempt_at + timedelta(seconds=1)):
        run_db_worker()
        run_db_worker()
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert sink.outbox_ids() == {str(row.pk): 1}
    assert sink.messages[0]["To"] == "noor@example.org"


@pytest.mark.django_db
def test_account_emails_are_on_the_clinic_base_and_link_from_site_url_not_the_request_host(client, settings):
    email_setup(settings)
    settings.ALLOWED_HOSTS = ["internal.local"]
    UserFactory(email="sam@example.org")
    client.post(reverse("account_reset_password"), {"email": "sam@example.org"}, HTTP_HOST="internal.local")
    client.post(reverse("account_signup"), SIGNUP, HTTP_HOST="internal.local")
    rows = OutboxMessage.objects.filter(
        kind__in=["account.password_reset_key", "account.email_confirmation_signup"]
    )
    assert rows.count() == 2
    for row in rows:
        assert row.subject.endswith(" - Riverside Manual Therapy")
        assert_clean_email(row, zone=False)  # text and HTML, the clinic's address and phone, SITE_URL links
        assert "internal.local" not in row.body_text + row.body_html
        assert f"{SITE_URL}/accounts/" in row.body_text
