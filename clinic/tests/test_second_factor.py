"""Every staff account signs in with a second factor; patients may (issue 13)."""

import json

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic.accounts.second_factor import SESSION_KEY
from clinic.middleware import SecondFactorRequiredMiddleware
from clinic.models import User
from clinic.roles import FRONT_DESK
from clinic.tests.factories import (
    TOTP_SECRET,
    UserFactory,
    clinic_admin_user,
    front_desk_user,
    patient,
    therapist_user,
    totp_code,
)
from clinic.tests.signin import code_step, password_step, signed_in_user_id

pytestmark = pytest.mark.django_db

STAFF_WITHOUT_FACTOR = {
    "therapist": lambda: therapist_user(second_factor=False),
    "front desk": lambda: front_desk_user(second_factor=False),
    "clinic admin": lambda: clinic_admin_user(second_factor=False),
    "superuser": lambda: UserFactory(is_superuser=True, is_staff=True, second_factor=False),
    "admin access only": lambda: UserFactory(is_staff=True, second_factor=False),
}
STAFF_PAGES = [
    "staff-dashboard",
    "bookings:front-desk-day",
    "bookings:front-desk-book",
    "intake:review-queue",
    "intake:therapist-day",
    "admin:index",
    "admin:clinic_user_changelist",
    "home",
    "account",
]


@pytest.mark.parametrize("role", STAFF_WITHOUT_FACTOR)
@pytest.mark.parametrize("page", STAFF_PAGES)
def test_staff_without_a_second_factor_reach_no_page_but_its_setup(client, role, page):
    client.force_login(STAFF_WITHOUT_FACTOR[role]())
    resp = client.get(reverse(page))
    assert resp.status_code == 302
    assert resp["Location"] == reverse("mfa_activate_totp")


@pytest.mark.parametrize("role", STAFF_WITHOUT_FACTOR)
def test_staff_without_a_second_factor_get_a_json_refusal_from_the_api(client, role):
    client.force_login(STAFF_WITHOUT_FACTOR[role]())
    resp = client.get("/api/v1/appointments")
    assert resp.status_code == 403
    body = resp.json()
    assert body["code"] == "second_factor_required"
    assert "two-step sign-in" in body["message"]


def test_a_post_from_staff_without_a_second_factor_changes_nothing(client):
    staff = front_desk_user(second_factor=False)
    client.force_login(staff)
    resp = client.post(reverse("bookings:front-desk-book"), {"patient": "x"})
    assert resp.status_code == 302
    assert resp["Location"] == reverse("mfa_activate_totp")


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/2fa/",
        "/accounts/reauthenticate/",
        "/accounts/email/",
        "/static/css/clinic.css",
    ],
)
def test_the_setup_pages_email_and_static_files_stay_open_to_staff_without_a_second_factor(client, path):
    client.force_login(therapist_user(second_factor=False))
    resp = client.get(path)
    resp.close()  # a static file is streamed
    assert resp.status_code == 200


def test_staff_without_a_second_factor_can_log_out(client):
    client.force_login(therapist_user(second_factor=False))
    resp = client.post(reverse("account_logout"))
    assert resp.status_code == 302
    assert signed_in_user_id(client) is None


@pytest.mark.parametrize("page", ["staff-dashboard", "admin:index", "intake:review-queue"])
def test_staff_with_a_second_factor_reach_their_pages(client, page):
    client.force_login(clinic_admin_user())
    assert client.get(reverse(page)).status_code == 200


def test_a_patient_is_never_asked_for_a_second_factor(client):
    client.force_login(patient())
    for page in ("home", "bookings:appointment-list", "account", "mfa_index"):
        assert client.get(reverse(page)).status_code == 200


def test_a_patient_promoted_while_signed_in_is_sent_to_set_one_up_at_once(client):
    person = patient()
    client.force_login(person)
    assert client.get(reverse("home")).status_code == 200
    person.groups.add(Group.objects.get(name=FRONT_DESK))
    resp = client.get(reverse("bookings:front-desk-day"))
    assert resp["Location"] == reverse("mfa_activate_totp")


def test_a_checked_session_asks_the_database_nothing_more_per_request(client):
    client.force_login(front_desk_user())
    assert client.session[SESSION_KEY] is not None
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("staff-dashboard")).status_code == 200
    assert not any("mfa_authenticator" in q["sql"] for q in queries.captured_queries)


# Committed for real: allauth announces a new factor once its transaction commits.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_staff_member_sets_up_an_app_and_returns_to_the_page_they_asked_for(client):
    staff = front_desk_user(email="desk@example.org", second_factor=False)
    password_step(client, "desk@example.org")
    assert signed_in_user_id(client) == str(staff.pk)
    resp = client.get(reverse("bookings:front-desk-day") + "?date=2026-06-02")
    assert resp["Location"] == reverse("mfa_activate_totp")

    page = client.get(reverse("mfa_activate_totp"))  # no second password: signed in a moment ago
    assert page.status_code == 200
    body = page.content.decode()
    assert "Set up two-step sign-in" in body
    assert 'src="data:image/svg+xml;base64,' in body
    secret = page.context["form"].secret
    assert secret in body

    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "That code is not correct" in wrong.content.decode()
    assert not Authenticator.objects.filter(user=staff).exists()

    done = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert done["Location"] == reverse("mfa_view_recovery_codes")
    assert set(Authenticator.objects.filter(user=staff).values_list("type", flat=True)) == {
        "totp",
        "recovery_codes",
    }
    codes = client.get(done["Location"])
    assert codes.status_code == 200
    assert 'href="/staff/appointments/?date=2026-06-02"' in codes.content.decode()
    assert client.get(reverse("bookings:front-desk-day")).status_code == 200


def test_a_staff_member_with_an_app_needs_the_code_to_sign_in(client):
    staff = therapist_user(email="pri@example.org")
    resp = password_step(client, "pri@example.org", next_url="/staff/")
    assert resp["Location"] == reverse("mfa_authenticate")
    assert signed_in_user_id(client) is None
    page = client.get(reverse("mfa_authenticate"))
    assert "Enter your sign-in code" in page.content.decode()
    assert client.get(reverse("staff-dashboard"))["Location"].startswith(reverse("account_login"))

    wrong = code_step(client, "000000")
    assert wrong.status_code == 200
    assert "That code is not correct" in wrong.content.decode()
    assert signed_in_user_id(client) is None

    resp = code_step(client, totp_code())
    assert resp["Location"] == "/staff/"
    assert signed_in_user_id(client) == str(staff.pk)
    assert client.get(reverse("staff-dashboard")).status_code == 200


def test_a_recovery_code_signs_in_once(client):
    staff = therapist_user(email="pri@example.org")
    code = Authenticator.objects.get(user=staff, type="recovery_codes").wrap().get_unused_codes()[0]
    password_step(client, "pri@example.org")
    code_step(client, code)
    assert signed_in_user_id(client) == str(staff.pk)
    client.post(reverse("account_logout"))
    password_step(client, "pri@example.org")
    again = code_step(client, code)
    assert again.status_code == 200
    assert signed_in_user_id(client) is None


def test_a_used_code_cannot_sign_in_a_second_time(client):
    therapist_user(email="pri@example.org")
    with time_machine.travel("2026-06-01 08:00:05Z", tick=False):
        password_step(client, "pri@example.org")
        code_step(client, totp_code())
        client.post(reverse("account_logout"))
        password_step(client, "pri@example.org")
        assert code_step(client, totp_code()).status_code == 200
    assert signed_in_user_id(client) is None


def test_turning_the_app_off_sends_staff_back_to_set_one_up(client):
    therapist_user(email="pri@example.org")
    password_step(client, "pri@example.org")
    code_step(client, totp_code())
    client.post(reverse("account_reauthenticate"), {"password": "a-long-test-password-42"})
    resp = client.post(reverse("mfa_deactivate_totp"))
    assert resp.status_code == 302
    assert not Authenticator.objects.filter(type="totp").exists()
    assert client.get(reverse("staff-dashboard"))["Location"] == reverse("mfa_activate_totp")


# Committed for real: allauth announces a new factor once its transaction commits.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_patient_can_turn_two_step_sign_in_on_from_their_account_page(client):
    person = patient(email="sam@example.org")
    password_step(client, "sam@example.org")
    account = client.get(reverse("account")).content.decode()
    assert f'href="{reverse("mfa_index")}"' in account
    assert "off (optional" in account
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert Authenticator.objects.filter(user=person, type="totp").exists()
    assert "Two-step sign-in</a>:\n        on" in client.get(reverse("account")).content.decode()
    client.post(reverse("account_logout"))
    assert password_step(client, "sam@example.org")["Location"] == reverse("mfa_authenticate")


def test_the_app_secret_is_stored_encrypted(client):
    staff = therapist_user()
    stored = Authenticator.objects.get(user=staff, type="totp").data["secret"]
    assert TOTP_SECRET not in json.dumps(stored)
    assert Authenticator.objects.get(user=staff, type="totp").wrap().validate_code(totp_code())


def test_the_secret_still_works_after_the_secret_key_is_rotated(settings):
    staff = therapist_user()
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    assert Authenticator.objects.get(user=staff, type="totp").wrap().validate_code(totp_code())


def test_factories_give_staff_a_second_factor_and_patients_none():
    assert Authenticator.objects.filter(user=therapist_user(), type="totp").exists()
    assert not Authenticator.objects.filter(user=patient()).exists()
    assert not Authenticator.objects.filter(
        user=User.objects.create_superuser(email="r@example.org")
    ).exists()


def test_open_paths_need_no_static_manifest(settings):
    """Production keeps static files in a manifest (whitenoise), which holds no entry for '': the
    middleware's open paths must not ask it for one, or every request fails with a 500."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    open_paths = SecondFactorRequiredMiddleware(lambda request: None).open_paths()
    assert "/static/" in open_paths
