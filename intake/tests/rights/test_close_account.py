"""The patient's closing page and the admin's delete for patients: both go through the erasure service,
say what is kept and for how long, and never fail with a raw error."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.messages import get_messages
from django.urls import reverse

from bookings.models import Appointment, Status
from clinic.models import ClinicPolicy, User
from clinic.rights.models import ErasureRecord
from clinic.tests.factories import PASSWORD, clinic_admin_user, therapist_user

from .records import ZEBEDEE, found, full_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

CLOSE = reverse("rights:close-account")


@pytest.fixture
def admin():
    return clinic_admin_user()


@pytest.fixture
def zebedee(service, therapist, admin):
    return full_record(ZEBEDEE, service=service, therapist=therapist, admin=admin)


@pytest.fixture
def signed_in(client, zebedee):
    client.force_login(zebedee["patient"])
    return client


def close(client, password=PASSWORD, understood="on"):
    data = {"password": password}
    if understood:
        data["understood"] = understood
    return client.post(CLOSE, data)


def test_the_page_says_what_goes_what_is_kept_and_for_how_long(signed_in):
    policy = ClinicPolicy.get()
    policy.clinical_retention_years = 10
    policy.save()
    body = signed_in.get(CLOSE).content.decode()
    assert "date of birth are removed" in body
    assert "<strong>10 years after your last visit</strong>" in body
    assert "Your 3 upcoming appointments are cancelled and the clinic is told" in body
    assert "Wednesday 3 June 2026 at 09:00" in body  # clinic time
    assert "doctor&#x27;s letter you sent us is deleted at once" in body
    assert "cannot be undone" in body


def test_the_right_password_closes_the_account_and_signs_out(
    signed_in, zebedee, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = close(signed_in)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert SESSION_KEY not in signed_in.session
    assert "Your account is closed" in [str(m) for m in get_messages(response.wsgi_request)][0]
    assert found(ZEBEDEE) == []
    assert ErasureRecord.objects.get().patient_id == zebedee["patient"].pk


def test_a_wrong_password_changes_nothing(signed_in, zebedee):
    response = close(signed_in, password="not-my-password")
    assert response.status_code == 400
    assert "That is not your password." in response.content.decode()
    assert User.objects.get(pk=zebedee["patient"].pk).first_name == "Zebedee"
    assert Appointment.objects.filter(patient=zebedee["patient"], status=Status.CONFIRMED).exists()


def test_closing_needs_the_box_ticked(signed_in, zebedee):
    response = close(signed_in, understood=None)
    assert response.status_code == 400
    assert not ErasureRecord.objects.exists()


def test_hostile_input_is_a_wrong_password_not_an_error(signed_in):
    for password in ("a\x00b", "9" * 10_000, ""):
        assert close(signed_in, password=password).status_code == 400
    assert not ErasureRecord.objects.exists()


def test_guessing_the_password_is_stopped_after_five_tries(signed_in):
    statuses = [close(signed_in, password=f"guess-{n}").status_code for n in range(6)]
    assert statuses == [400] * 5 + [429]
    # Even the right password waits out the window.
    assert close(signed_in).status_code == 429
    assert not ErasureRecord.objects.exists()


def test_a_staff_account_is_not_closed_from_the_page(client):
    staff = therapist_user()
    client.force_login(staff)
    assert "Staff accounts are not closed here" in client.get(CLOSE).content.decode()
    response = client.post(CLOSE, {"password": PASSWORD, "understood": "on"})
    assert response.status_code == 200
    staff.refresh_from_db()
    assert staff.is_active and not staff.is_erased


def test_a_signed_out_visitor_is_sent_to_log_in(client):
    assert client.post(CLOSE, {"password": PASSWORD}).status_code == 302


def test_the_admins_delete_for_a_patient_asks_then_closes_the_account(
    client, admin, zebedee, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    url = reverse("admin:clinic_user_delete", args=[zebedee["patient"].pk])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Close and anonymise this account" in body
    assert "protected" not in body.lower()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:clinic_user_changelist")
    message = [str(m) for m in get_messages(response.wsgi_request)][0]
    assert "3 upcoming appointment(s) were cancelled" in message
    assert "kept until 01 June 2034" in message
    assert found(ZEBEDEE) == []
    assert ErasureRecord.objects.get().by_clinic
    assert Appointment.objects.filter(patient=zebedee["patient"]).count() == 10


def test_the_admins_delete_of_a_closed_account_says_so(
    client, admin, zebedee, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    url = reverse("admin:clinic_user_delete", args=[zebedee["patient"].pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"post": "yes"})
    assert "already closed" in client.get(url).content.decode()
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert "already closed" in [str(m) for m in get_messages(response.wsgi_request)][0]


def test_the_admin_has_no_bulk_delete_for_accounts(client, admin, zebedee):
    client.force_login(admin)
    body = client.get(reverse("admin:clinic_user_changelist")).content.decode()
    assert 'value="delete_selected"' not in body


def test_staff_without_the_delete_permission_cannot_reach_the_admins_close_page(client, zebedee):
    client.force_login(therapist_user(is_staff=True))
    response = client.get(reverse("admin:clinic_user_delete", args=[zebedee["patient"].pk]))
    assert response.status_code == 403
