"""The front desk finds a patient from one search box and registers a new one, who is invited by one
email to choose a password and fill in the health form."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import reverse

from bookings.desk import search, services
from bookings.errors import BookingError
from clinic.outbox.models import OutboxMessage
from clinic.rights.services import patient_erase
from clinic.tests.emails import assert_clean_email, email_setup, only
from clinic.tests.factories import UserFactory, clinic_admin_user, front_desk_user, therapist_user

from .factories import AppointmentFactory
from .fixtures import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

SEARCH = reverse("bookings:patient-search")
REGISTER = reverse("bookings:patient-register")


@pytest.fixture(autouse=True)
def _emails(settings):
    email_setup(settings)


@pytest.fixture
def desk(client):
    client.force_login(front_desk_user())
    return client


@pytest.fixture
def people():
    return {
        "sam": UserFactory(
            first_name="Sam",
            last_name="Taylor",
            email="sam.t@example.org",
            phone="07700 900123",
            date_of_birth=date(1979, 11, 23),
        ),
        "sara": UserFactory(
            first_name="Sara", last_name="Tayler", email="sara@example.org", phone="+44 20 7946 0555"
        ),
        "kim": UserFactory(first_name="Kim", last_name="Lee", email="kim.lee@example.org"),
    }


def found(client, text: str) -> list[str]:
    body = client.get(SEARCH, {"q": text}).content.decode()
    section = (
        body.split('id="patient-results"', 1)[1].split("</ul>", 1)[0]
        if 'id="patient-results"' in body
        else ""
    )
    return re.findall(r"<strong>([^<]+)</strong>", section)


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("23/11/1979", "date_of_birth", date(1979, 11, 23)),
        ("3/6/1980", "date_of_birth", date(1980, 6, 3)),
        ("03.06.1980", "date_of_birth", date(1980, 6, 3)),
        ("1980-06-03", "date_of_birth", date(1980, 6, 3)),
        (" Sam.T@Example.org ", "email", "sam.t@example.org"),
        ("07700 900123", "phone", "07700900123"),
        ("+44 (20) 7946-0555", "phone", "442079460555"),
        ("sam  taylor", "name", "sam taylor"),
    ],
)
def test_the_search_box_reads_what_was_typed(text, kind, value):
    query = search.parse_query(text)
    assert (query.kind, query.value) == (kind, value)


@pytest.mark.parametrize("text", ["", "   ", "a", "31/02/1980", "01/01/0001"])
def test_an_empty_or_unreadable_search_looks_for_nothing_or_a_name(text):
    query = search.parse_query(text)
    assert query is None or query.kind == "name"


def test_the_desk_finds_a_patient_by_name_in_any_order_and_case(desk, people):
    assert found(desk, "taylor sam") == ["Sam Taylor"]
    assert found(desk, "TAY") == ["Sara Tayler", "Sam Taylor"]  # by last name


def test_the_desk_finds_a_patient_by_email(desk, people):
    assert found(desk, "kim.lee@example.org") == ["Kim Lee"]


@pytest.mark.parametrize("typed", ["07700 900123", "07700900123", "+44 7700 900123", "900123"])
def test_the_desk_finds_a_patient_by_phone_however_it_is_written(desk, people, typed):
    assert found(desk, typed) == ["Sam Taylor"]


def test_a_number_stored_with_the_country_code_is_found_from_the_local_number(desk, people):
    assert found(desk, "020 7946 0555") == ["Sara Tayler"]


@pytest.mark.parametrize("typed", ["23/11/1979", "1979-11-23", "23.11.1979"])
def test_the_desk_finds_a_patient_by_date_of_birth_british_or_iso(desk, people, typed):
    assert found(desk, typed) == ["Sam Taylor"]


def test_a_date_is_never_read_as_month_first(desk, people):
    assert found(desk, "11/23/1979") == []  # no 23rd month: a name search that finds nobody


def test_staff_and_closed_accounts_are_not_patients(desk, people):
    therapist_user(first_name="Sam", last_name="Therapist")
    clinic_admin_user(first_name="Sam", last_name="Admin")
    patient_erase(patient=people["sam"], by=clinic_admin_user())
    assert found(desk, "sam") == []


def test_nobody_found_offers_to_register_with_what_was_typed(desk, people):
    body = desk.get(SEARCH, {"q": "Robin Hart"}).content.decode()
    assert "Nobody found by name" in body
    assert f"{REGISTER}?q=Robin%20Hart" in body
    form = desk.get(REGISTER, {"q": "Robin Hart"}).content.decode()
    assert 'value="Robin"' in form and 'value="Hart"' in form


def test_a_search_too_long_says_so_and_keeps_the_text(desk):
    response = desk.get(SEARCH, {"q": "x" * 101})
    body = response.content.decode()
    assert response.status_code == 200
    assert "too long" in body
    assert "x" * 101 in body


def test_the_search_runs_in_a_fixed_number_of_queries(
    desk, people, service, therapist, django_assert_num_queries
):
    desk.get(SEARCH, {"q": "ta"})
    with django_assert_num_queries(6):  # sign-in, permissions, roles, the search, the footer
        body = desk.get(SEARCH, {"q": "ta"}).content.decode()
    assert body.count("list-group-item d-flex") == 2
    for n in range(6):
        patient = UserFactory(first_name="Tam", last_name=f"Tapper{n}")
        AppointmentFactory(patient=patient, therapist=therapist, service=service, start=at(3 + n, 10))
    with django_assert_num_queries(6):  # sign-in, permissions, roles, the search, the footer
        body = desk.get(SEARCH, {"q": "ta"}).content.decode()
    assert body.count("list-group-item d-flex") == 8


def test_more_results_than_shown_are_counted_and_cut(desk):
    for n in range(search.MAX_RESULTS + 2):
        UserFactory(first_name="Alex", last_name=f"Many{n:02d}")
    body = desk.get(SEARCH, {"q": "many"}).content.decode()
    assert body.count("list-group-item d-flex") == search.MAX_RESULTS
    assert f"Showing the first {search.MAX_RESULTS}" in body


@pytest.mark.parametrize("who", ["patient", "therapist"])
def test_patients_and_therapists_cannot_search_or_register(client, who):
    client.force_login(UserFactory() if who == "patient" else therapist_user())
    assert client.get(SEARCH, {"q": "sam"}).status_code == 403
    assert client.post(REGISTER, {"email": "x@example.org"}).status_code == 403
    assert not OutboxMessage.objects.exists()


def register(client, **changes):
    data = {
        "first_name": "Robin",
        "last_name": "Hart",
        "email": "Robin.Hart@Example.org",
        "phone": "07700 900456",
        "date_of_birth": "02/03/1990",
        **changes,
    }
    return client.post(REGISTER, data)


def test_the_desk_registers_a_patient_and_one_invitation_is_queued(desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        response = register(desk)
    assert response.status_code == 302
    assert response["Location"] == f"{SEARCH}?q=robin.hart%40example.org"
    patient = get_user_model().objects.get(email="robin.hart@example.org")
    assert (patient.first_name, patient.last_name, patient.phone) == ("Robin", "Hart", "07700 900456")
    assert patient.date_of_birth == date(1990, 3, 2)  # day first
    assert not patient.has_usable_password()
    assert EmailAddress.objects.get(user=patient).primary
    message = only(services.INVITATION_KIND)
    assert OutboxMessage.objects.count() == 1
    assert message.recipient == "robin.hart@example.org"
    assert "choose a password" in message.subject
    assert_clean_email(message, zone=False)
    assert "/intake/" in message.body_text  # then the health form
    assert "1990" not in message.body_text  # the email repeats nothing the desk recorded
    follow = desk.get(response["Location"]).content.decode()
    assert "Robin Hart is registered" in follow and "Robin Hart</strong>" in follow


def test_the_invitation_link_sets_a_password_once(client, desk):
    register(desk)
    patient = get_user_model().objects.get(email="robin.hart@example.org")
    link = re.search(
        r"https://clinic\.example(/accounts/password/reset/key/\S+/)",
        only(services.INVITATION_KIND).body_text,
    )
    client.logout()
    page = client.get(link.group(1), follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link.group(1)
    password = "a-brand-new-long-passphrase-77"
    done = client.post(form_url, {"password1": password, "password2": password})
    assert done.status_code == 302
    patient.refresh_from_db()
    assert patient.check_password(password)
    client.logout()
    again = client.get(link.group(1), follow=True).content.decode()
    assert 'name="password1"' not in again
    assert "already been used" in again


def test_the_invitation_expires(client, desk, settings, frozen_now):
    register(desk)
    link = re.search(
        r"https://clinic\.example(/accounts/password/reset/key/\S+/)",
        only(services.INVITATION_KIND).body_text,
    )
    assert f"for {services.invitation_days()} day" in only(services.INVITATION_KIND).body_text
    client.logout()
    later = frozen_now + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    with time_machine.travel(later, tick=False):
        page = client.get(link.group(1), follow=True).content.decode()
    assert 'name="password1"' not in page


def test_a_duplicate_email_is_refused_with_a_clear_message_and_keeps_what_was_typed(desk, people):
    response = register(desk, email="SAM.T@example.org")
    body = response.content.decode()
    assert response.status_code == 400
    assert "There is already an account for sam.t@example.org" in body
    assert 'value="Robin"' in body and 'value="02/03/1990"' in body
    assert get_user_model().objects.filter(email__iexact="sam.t@example.org").count() == 1
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"date_of_birth": "31/02/1990"}, "Enter a valid date"),
        ({"date_of_birth": "02/03/2030"}, "in the future"),
        ({"date_of_birth": "01/01/0001"}, "between 1900 and 2100"),
        ({"date_of_birth": "01/01/1850"}, "between 1900 and 2100"),
        ({"phone": "call me"}, "phone number of digits"),
        ({"first_name": "<b>"}, "cannot contain"),
        ({"email": "not-an-email"}, "valid email"),
    ],
)
def test_bad_input_is_refused_on_the_page(desk, changes, message):
    response = register(desk, **changes)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not OutboxMessage.objects.exists()


def test_the_service_refuses_a_duplicate_found_only_by_the_database(monkeypatch):
    """Two desks registering one address at once: the unique index decides, and the loser gets the
    clear message, not an error page (the check before the insert is simulated to miss it)."""
    desk_user = front_desk_user()
    UserFactory(email="twice@example.org")
    real_filter = get_user_model().objects.filter

    class Blind:
        def exists(self):
            return False

    monkeypatch.setattr(
        get_user_model().objects,
        "filter",
        lambda *a, **k: Blind() if "email__iexact" in k else real_filter(*a, **k),
    )
    with pytest.raises(BookingError) as refused:
        services.patient_register(
            first_name="T", last_name="Wice", email="twice@example.org", date_of_birth=None, by=desk_user
        )
    assert refused.value.code == services.DUPLICATE_EMAIL
    assert not OutboxMessage.objects.exists()


def test_only_staff_who_manage_appointments_may_register():
    with pytest.raises(BookingError) as refused:
        services.patient_register(
            first_name="A", last_name="B", email="ab@example.org", date_of_birth=None, by=therapist_user()
        )
    assert refused.value.code == "not_allowed"


def test_the_date_of_birth_goes_when_the_account_closes(people):
    sam = people["sam"]
    patient_erase(patient=sam, by=clinic_admin_user())
    sam.refresh_from_db()
    assert sam.date_of_birth is None
