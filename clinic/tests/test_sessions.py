"""Sessions end: when the browser closes, after idling (staff 30 minutes, patients 2 hours), 12 hours
after login, on a password change or reset, and on "log out everywhere". The clock is frozen
(time-machine) and moved by hand."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse

from clinic.sessions import SEEN_EVERY, SEEN_KEY, browser_name

from .factories import PASSWORD, UserFactory, therapist_user, totp_code
from .signin import code_step

pytestmark = pytest.mark.django_db

START = datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("Europe/London"))
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def log_in(user, user_agent: str = FIREFOX, *, step: int = 0, **extra) -> Client:
    """A browser that logged in through the login page, as a person does (so allauth tracks it), with
    the code from the authenticator app when the account has one (every staff account): the code of
    `step` 30-second steps later, as a code is accepted only once."""
    browser = Client(HTTP_USER_AGENT=user_agent)
    response = browser.post(reverse("account_login"), {"login": user.email, "password": PASSWORD, **extra})
    if response.status_code == 302 and response["Location"] == reverse("mfa_authenticate"):
        response = code_step(browser, totp_code(step=step))
    assert response.status_code == 302, response.content[:300]
    assert signed_in(browser)
    return browser


def signed_in(browser: Client) -> bool:
    return "_auth_user_id" in browser.session


def session_cookie(response) -> str:
    return response.cookies["sessionid"].output()


# --- the cookie ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("remember", [{}, {"remember": "on"}])
def test_the_session_cookie_ends_when_the_browser_closes(remember, clock):
    browser = Client()
    response = browser.post(
        reverse("account_login"), {"login": UserFactory().email, "password": PASSWORD, **remember}
    )
    cookie = session_cookie(response)
    assert "expires" not in cookie.lower() and "max-age" not in cookie.lower()
    clock.shift(timedelta(seconds=SEEN_EVERY))
    response = browser.get(reverse("bookings:appointment-list"))  # a minute later: the session is saved
    assert response.status_code == 200
    cookie = session_cookie(response)
    assert "expires" not in cookie.lower() and "max-age" not in cookie.lower()


# --- idle and absolute limits -------------------------------------------------------------------------


def test_a_patient_idle_for_two_hours_is_logged_out_with_a_message_on_the_login_page(clock):
    browser = log_in(UserFactory())
    clock.shift(timedelta(hours=2, seconds=1))
    response = browser.get(reverse("bookings:appointment-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=/appointments/")
    assert not signed_in(browser)
    page = browser.get(response["Location"])
    assert "For your privacy you were logged out after 2 hours without activity." in page.content.decode()


def test_a_patient_active_within_two_hours_stays_logged_in(clock):
    browser = log_in(UserFactory())
    for _ in range(3):
        clock.shift(timedelta(hours=1, minutes=59))
        assert browser.get(reverse("bookings:appointment-list")).status_code == 200


def test_staff_idle_for_thirty_minutes_are_logged_out(clock):
    browser = log_in(therapist_user())
    clock.shift(timedelta(minutes=29))
    assert browser.get(reverse("staff-dashboard")).status_code == 200
    clock.shift(timedelta(minutes=30, seconds=1))
    response = browser.get(reverse("staff-dashboard"))
    assert response.status_code == 302 and not signed_in(browser)
    assert "after 30 minutes without activity" in browser.get(response["Location"]).content.decode()


def test_a_session_ends_twelve_hours_after_login_however_active(clock):
    browser = log_in(UserFactory())
    for _ in range(12):
        clock.shift(timedelta(hours=1))
        assert browser.get(reverse("bookings:appointment-list")).status_code == 200
    clock.shift(timedelta(minutes=1))
    response = browser.get(reverse("bookings:appointment-list"))
    assert response.status_code == 302 and not signed_in(browser)
    assert "logged out 12 hours after logging in" in browser.get(response["Location"]).content.decode()


def test_a_request_within_a_minute_of_the_stored_time_does_not_save_the_session(clock):
    browser = log_in(UserFactory())
    seen = browser.session[SEEN_KEY]
    clock.shift(timedelta(seconds=SEEN_EVERY - 1))
    response = browser.get(reverse("bookings:appointment-list"))
    assert response.status_code == 200
    assert "sessionid" not in response.cookies  # the session was not saved
    assert browser.session[SEEN_KEY] == seen


def test_a_request_a_minute_or_more_after_the_stored_time_saves_the_session(clock):
    browser = log_in(UserFactory())
    seen = browser.session[SEEN_KEY]
    clock.shift(timedelta(seconds=SEEN_EVERY))
    response = browser.get(reverse("bookings:appointment-list"))
    assert response.status_code == 200 and "sessionid" in response.cookies
    assert browser.session[SEEN_KEY] == seen + SEEN_EVERY


def test_requests_more_often_than_a_minute_keep_an_active_session_alive(clock, settings):
    settings.PATIENT_SESSION_IDLE_SECONDS = 120
    browser = log_in(UserFactory())
    for _ in range(12):  # ten minutes, a request every 50 seconds: some saved, some not
        clock.shift(timedelta(seconds=50))
        assert browser.get(reverse("bookings:appointment-list")).status_code == 200
    clock.shift(timedelta(seconds=121))
    assert browser.get(reverse("bookings:appointment-list")).status_code == 302
    assert not signed_in(browser)


def test_the_idle_limit_ends_a_session_no_later_than_the_limit_after_its_last_request(clock):
    # The last request came 59 s after the stored time and left the session unsaved: the session ends
    # up to that minute early, never late.
    browser = log_in(UserFactory())
    clock.shift(timedelta(seconds=SEEN_EVERY - 1))
    assert browser.get(reverse("bookings:appointment-list")).status_code == 200
    clock.shift(timedelta(hours=2) - timedelta(seconds=SEEN_EVERY - 1) + timedelta(seconds=1))
    response = browser.get(reverse("bookings:appointment-list"))
    assert response.status_code == 302 and not signed_in(browser)
    assert "after 2 hours without activity" in browser.get(response["Location"]).content.decode()


def test_staff_idle_between_thirty_minutes_and_two_hours_are_logged_out_and_patients_are_not(clock):
    staff, patient = log_in(therapist_user()), log_in(UserFactory())
    clock.shift(timedelta(minutes=45))
    assert staff.get(reverse("staff-dashboard")).status_code == 302 and not signed_in(staff)
    assert patient.get(reverse("bookings:appointment-list")).status_code == 200 and signed_in(patient)


def test_the_api_answers_an_idle_session_with_401(clock):
    browser = log_in(UserFactory())
    clock.shift(timedelta(hours=3))
    response = browser.get("/api/v1/appointments")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- password change and reset ------------------------------------------------------------------------


def test_a_password_change_ends_every_other_session_and_keeps_this_one():
    user = UserFactory()
    here, elsewhere = log_in(user), log_in(user, IPHONE)
    new = "a-brand-new-passphrase-31"
    response = here.post(
        reverse("account_change_password"), {"oldpassword": PASSWORD, "password1": new, "password2": new}
    )
    assert response.status_code == 302
    assert here.get(reverse("bookings:appointment-list")).status_code == 200
    assert elsewhere.get(reverse("bookings:appointment-list")).status_code == 302
    assert not signed_in(elsewhere)
    assert UserSession.objects.filter(user=user).count() == 1


def test_a_password_reset_ends_every_session():
    user = UserFactory()
    browsers = [log_in(user), log_in(user, IPHONE)]
    stranger = Client()
    user.refresh_from_db()  # the token covers the last login
    key = default_token_generator.make_token(user)
    url = reverse("account_reset_password_from_key", args=[user_pk_to_url_str(user), key])
    set_password_url = stranger.get(url)["Location"]  # allauth swaps the key for a session token
    new = "a-brand-new-passphrase-31"
    response = stranger.post(set_password_url, {"password1": new, "password2": new})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    for browser in browsers:
        assert browser.get(reverse("bookings:appointment-list")).status_code == 302
    assert not UserSession.objects.filter(user=user).exists()


# --- the account page ---------------------------------------------------------------------------------


def test_log_out_everywhere_ends_every_session_including_this_one_and_untracked_ones(client):
    user = UserFactory()
    here, phone = log_in(user), log_in(user, IPHONE)
    client.force_login(user)  # a session allauth never tracked
    response = here.post(reverse("account-logout-everywhere"), {"password": PASSWORD})
    assert response["Location"] == reverse("account_login")
    assert "You are logged out everywhere" in here.get(response["Location"]).content.decode()
    for browser in (here, phone, client):
        assert browser.get(reverse("bookings:appointment-list")).status_code == 302
    assert not UserSession.objects.filter(user=user).exists()


def test_log_out_on_other_devices_keeps_this_browser():
    user = UserFactory()
    here, phone = log_in(user), log_in(user, IPHONE)
    response = here.post(reverse("account-logout-elsewhere"), {"password": PASSWORD}, follow=True)
    assert "You are still logged in here" in response.content.decode()
    assert here.get(reverse("bookings:appointment-list")).status_code == 200
    assert phone.get(reverse("bookings:appointment-list")).status_code == 302
    assert UserSession.objects.filter(user=user).count() == 1


@pytest.mark.parametrize("route", ["account-logout-elsewhere", "account-logout-everywhere"])
@pytest.mark.parametrize(
    ("password", "message"),
    [("not-my-password", "That is not your password."), ("", "Type your password to go on.")],
)
def test_logging_out_elsewhere_or_everywhere_asks_for_the_password_and_a_wrong_one_ends_nothing(
    route, password, message
):
    user = UserFactory()
    here, phone = log_in(user), log_in(user, IPHONE)
    response = here.post(reverse(route), {"password": password})
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and "Nothing was logged out." in body
    assert 'data-session="current"' in body  # the account page again, with its list
    for browser in (here, phone):
        assert browser.get(reverse("bookings:appointment-list")).status_code == 200
    assert UserSession.objects.filter(user=user).count() == 2
    user.refresh_from_db()
    assert user.session_generation == 0


def test_the_account_page_asks_for_the_password_next_to_the_log_out_buttons(client):
    client.force_login(UserFactory())
    body = client.get(reverse("account")).content.decode()
    assert 'autocomplete="current-password"' in body
    assert body.count('name="password"') == 1


def test_guessing_the_password_on_the_log_out_form_is_limited(settings):
    settings.ACCOUNT_RATE_LIMITS = {"reauthenticate": "3/m/user"}
    user = UserFactory()
    here = log_in(user)
    for _ in range(3):
        assert here.post(reverse("account-logout-everywhere"), {"password": "guess"}).status_code == 400
    response = here.post(reverse("account-logout-everywhere"), {"password": PASSWORD})
    assert response.status_code == 429
    assert "Too many tries" in response.content.decode()
    assert signed_in(here)


def test_the_account_page_lists_each_browser_with_this_one_first(clock):
    user = UserFactory()
    log_in(user, IPHONE)
    clock.shift(timedelta(minutes=5))
    here = log_in(user)
    body = here.get(reverse("account")).content.decode()
    assert body.index("Firefox on Windows") < body.index("This browser") < body.index("Safari on iPhone")
    assert body.count('data-session="current"') == 1 and body.count('data-session="other"') == 1
    assert "Logged in 1 June 2026, 09:00" in body and "Logged in 1 June 2026, 09:05" in body


def test_the_account_page_leaves_out_ended_sessions(clock):
    user = UserFactory()
    log_in(user, IPHONE)
    clock.shift(timedelta(hours=3))  # the phone has been idle past the patient limit
    here = log_in(user)
    body = here.get(reverse("account")).content.decode()
    assert "iPhone" not in body and body.count("data-session=") == 1


def test_the_account_page_lists_sessions_kept_in_the_cache_too(settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    user = UserFactory()
    phone = log_in(user, IPHONE)
    here = log_in(user)
    assert here.get(reverse("account")).content.decode().count("data-session=") == 2
    here.post(reverse("account-logout-elsewhere"), {"password": PASSWORD})
    assert phone.get(reverse("bookings:appointment-list")).status_code == 302
    assert here.get(reverse("account")).content.decode().count("data-session=") == 1


def test_the_account_page_reads_the_same_number_of_queries_for_one_or_five_sessions(
    django_assert_num_queries,
):
    def queries_with(count: int) -> int:
        user = UserFactory()
        browsers = [log_in(user) for _ in range(count)]
        browsers[0].get(reverse("account"))  # warm: the first page view of a session saves it
        with django_assert_num_queries(NUM_QUERIES) as captured:
            page = browsers[0].get(reverse("account"))
        assert page.content.decode().count("data-session=") == count
        return len(captured)

    assert queries_with(1) == queries_with(5) == NUM_QUERIES


# The session, the user (and whether they hold any permission: a patient holds none, so no permission
# query follows), the tracked sessions, those sessions' rows (one query for all), whether they have an
# authenticator app, the user's role names (the nav), the clinic profile (the footer). The session is not
# saved: its last request's time was stored less than a minute ago.
NUM_QUERIES = 7


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        (FIREFOX, "Firefox on Windows"),
        (IPHONE, "Safari on iPhone"),
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36", "Chrome on Linux"),
        (
            "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/126.0 Safari/537.36 Edg/126.0",
            "Edge on Windows",
        ),
        ("curl/8.5.0", "Unknown browser"),
        ("", "Unknown browser"),
    ],
)
def test_browser_names_are_readable(agent, name):
    assert browser_name(agent) == name
