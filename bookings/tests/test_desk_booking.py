"""Front desk books for a patient with the patients' slot picker (the same engine): choose the patient
and the service, a therapist or anyone and a day, then click a free time. Moving keeps the therapist
and the day and speaks of the patient."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils.http import urlencode

from bookings import services
from bookings.models import Appointment, Status
from clinic.outbox.models import OutboxMessage
from clinic.tests.factories import UserFactory, clinic_admin_user, front_desk_user, therapist_user

from .factories import AppointmentFactory, bookable_therapist
from .fixtures import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

BOOK = "bookings:front-desk-book"


@pytest.fixture
def anna(db):
    return UserFactory(email="anna.k@example.org", first_name="Anna", last_name="Kowalska")


def book_url(**params) -> str:
    return f"{reverse(BOOK)}?{urlencode(params)}" if params else reverse(BOOK)


def starts(body: str) -> list[str]:
    return re.findall(r'class="btn slot-button [^"]*">(\d\d:\d\d)</button>', body)


def slot_actions(body: str) -> list[str]:
    return re.findall(
        r'<form method="post" action="([^"]*)">\s*<input type="hidden" name="csrfmiddlewaretoken"[^>]*>\s*<input type="hidden" name="start"',
        body,
    )


def test_the_desk_picks_a_time_from_the_same_slot_picker_as_patients(client, anna, service, therapist):
    client.force_login(front_desk_user())
    body = client.get(
        book_url(patient=anna.email, service=service.slug, therapist=therapist.pk, date="2026-06-03")
    ).content.decode()
    assert "Book for Anna K." in body
    assert 'id="slot-picker"' in body
    assert starts(body)[:3] == ["09:00", "09:15", "09:30"]
    # Every slot button posts back here with the patient, service, therapist and day it was shown with.
    action = slot_actions(body)[0].replace("&amp;", "&")
    assert action.startswith(reverse(BOOK) + "?")
    for part in ("patient=anna.k%40example.org", f"service={service.slug}", f"therapist={therapist.pk}"):
        assert part in action
    assert "date=2026-06-03" in action


def test_clicking_a_free_time_books_it_for_the_patient_to_wait_for_their_health_form(
    client, anna, service, therapist
):
    desk = front_desk_user()
    client.force_login(desk)
    url = book_url(patient=anna.email, service=service.slug, therapist=therapist.pk, date="2026-06-03")
    resp = client.post(url, {"start": at(3, 13).isoformat(), "therapist": therapist.pk})
    booked = Appointment.objects.get(patient=anna)
    assert resp.status_code == 302
    assert resp["Location"] == booked.get_absolute_url()
    assert (booked.start, booked.therapist, booked.status) == (at(3, 13), therapist, Status.PENDING_REVIEW)
    assert booked.booked_by == desk
    assert OutboxMessage.objects.filter(kind="appointment.booked_for_you", recipient=anna.email).count() == 1


def test_any_therapist_books_whoever_is_free_then(client, anna, service, therapist, other_therapist):
    AppointmentFactory(therapist=therapist, service=service, start=at(3, 13))
    client.force_login(front_desk_user())
    url = book_url(patient=anna.email, service=service.slug, date="2026-06-03")
    body = client.get(url).content.decode()
    assert 'name="therapist" value=""' in body  # the picker offers "any therapist"
    resp = client.post(url, {"start": at(3, 13).isoformat(), "therapist": ""})
    assert resp.status_code == 302
    assert Appointment.objects.get(patient=anna).therapist == other_therapist


def test_a_time_taken_meanwhile_says_so_and_keeps_every_choice(client, anna, service, therapist):
    client.force_login(front_desk_user())
    url = book_url(patient=anna.email, service=service.slug, therapist=therapist.pk, date="2026-06-03")
    AppointmentFactory(therapist=therapist, service=service, start=at(3, 10))  # taken meanwhile
    resp = client.post(url, {"start": at(3, 10).isoformat(), "therapist": therapist.pk})
    assert resp.status_code == 409
    body = resp.content.decode()
    assert "just taken" in body
    assert "Book for Anna K." in body
    assert f'<option value="{service.slug}" selected>' in body
    assert f'<option value="{therapist.pk}" selected>' in body
    assert "Wednesday 3 June 2026 with Priya Shah" in body  # the same day and therapist, fresh times
    assert "10:00" not in starts(body)
    assert not Appointment.objects.filter(patient=anna).exists()


def test_a_patient_busy_then_is_named_not_addressed(client, anna, service, therapist, other_therapist):
    AppointmentFactory(patient=anna, therapist=other_therapist, service=service, start=at(3, 13))
    client.force_login(front_desk_user())
    url = book_url(patient=anna.email, service=service.slug, therapist=therapist.pk, date="2026-06-03")
    resp = client.post(url, {"start": at(3, 13).isoformat(), "therapist": therapist.pk})
    assert resp.status_code == 409
    body = resp.content.decode()
    assert "Anna Kowalska already has an appointment at this time" in body
    assert "You already have" not in body


@pytest.mark.parametrize(
    "posted",
    [
        {"start": "tomorrow at ten", "therapist": ""},
        {"start": "9999-12-31T23:59:00+00:00", "therapist": ""},
        {"start": "2026-06-03T10:00:00+01:00", "therapist": "999999"},
    ],
    ids=["unreadable time", "end of the calendar", "unknown therapist"],
)
def test_a_bad_post_is_a_message_on_the_page_never_an_error_page(client, anna, service, therapist, posted):
    client.force_login(front_desk_user())
    resp = client.post(book_url(patient=anna.email, service=service.slug), posted)
    assert resp.status_code in (400, 409)
    assert 'id="slot-picker"' in resp.content.decode()
    assert not Appointment.objects.exists()


def test_an_unknown_patient_is_said_on_the_patient_field(client, service, therapist):
    client.force_login(front_desk_user())
    resp = client.get(book_url(patient="nobody@example.org", service=service.slug))
    body = resp.content.decode()
    assert "No patient account has this email" in body
    assert 'id="slot-picker"' not in body
    resp = client.post(
        book_url(patient="nobody@example.org", service=service.slug), {"start": at(3, 13).isoformat()}
    )
    assert resp.status_code == 400
    assert not Appointment.objects.exists()


def test_coming_from_the_patient_search_asks_for_the_service_without_an_error(client, anna, service):
    client.force_login(front_desk_user())
    body = client.get(book_url(patient=anna.email)).content.decode()
    assert "Book for Anna K." in body
    assert "This field is required" not in body
    assert 'id="slot-picker"' not in body


@pytest.mark.parametrize("who", ["patient", "therapist", "anonymous"])
def test_only_front_desk_and_clinic_admins_may_book_for_a_patient(client, anna, service, therapist, who):
    if who == "patient":
        client.force_login(UserFactory())
    elif who == "therapist":
        client.force_login(therapist_user())
    url = book_url(patient=anna.email, service=service.slug, therapist=therapist.pk)
    assert client.get(url).status_code in (302, 403)
    resp = client.post(url, {"start": at(3, 13).isoformat(), "therapist": therapist.pk})
    assert resp.status_code in (302, 403)
    assert resp.status_code == 403 or reverse("account_login") in resp["Location"]
    assert not Appointment.objects.exists()


def test_a_clinic_admin_may_book_for_a_patient(client, anna, service, therapist):
    client.force_login(clinic_admin_user())
    url = book_url(patient=anna.email, service=service.slug, therapist=therapist.pk)
    resp = client.post(url, {"start": at(3, 13).isoformat(), "therapist": therapist.pk})
    assert resp.status_code == 302
    assert Appointment.objects.get(patient=anna).status == Status.PENDING_REVIEW


def test_booking_for_a_patient_as_a_service_is_refused_to_anyone_but_the_desk(anna, service, therapist):
    with pytest.raises(services.BookingError) as refused:
        services.appointment_book_for_review(
            patient=anna, service=service, therapist=therapist, start=at(3, 13), by=therapist.user
        )
    assert refused.value.code == "not_allowed"
    assert not Appointment.objects.exists()


def test_htmx_swaps_only_the_picker_and_keeps_the_patient_and_service(client, anna, service, therapist):
    client.force_login(front_desk_user())
    resp = client.get(
        book_url(patient=anna.email, service=service.slug, date="2026-06-04"),
        headers={"HX-Request": "true", "HX-Target": "slot-picker"},
    )
    body = resp.content.decode()
    assert body.lstrip().startswith('<div id="slot-picker"')
    assert "<html" not in body
    assert '<input type="hidden" name="patient" value="anna.k@example.org">' in body
    assert f'<input type="hidden" name="service" value="{service.slug}">' in body
    week_links = re.findall(r'class="week-day[^"]*" href="([^"]*)"', body)
    assert week_links and all("patient=anna.k%40example.org" in link for link in week_links)


def _desk_page(client, service, anna):
    return client.get(book_url(patient=anna.email, service=service.slug, date="2026-06-03"))


def test_the_desk_slot_picker_page_reads_a_fixed_number_of_queries(
    client, anna, service, therapist, django_assert_num_queries
):
    client.force_login(front_desk_user())
    _desk_page(client, service, anna)  # warm the per-process caches
    with django_assert_num_queries(DESK_PICKER_QUERIES):
        assert _desk_page(client, service, anna).status_code == 200
    for hour in (9, 11, 13, 15):
        AppointmentFactory(therapist=therapist, service=service, start=at(3, hour))
    for n in range(3):
        extra = bookable_therapist(service, display_name=f"Extra {n}")
        AppointmentFactory(therapist=extra, service=service, start=at(3, 10 + n))
    with django_assert_num_queries(DESK_PICKER_QUERIES):
        body = _desk_page(client, service, anna).content.decode()
    assert "Extra 2" in body


# The session and its user (with whether they hold any permission), the user's permissions in one read
# (the desk check), the patient and the service (the choice form), the day form's therapists, the
# engine's eight reads for the whole horizon (the policy among them), the menu's roles, the clinic
# profile for the footer and the service select's options; the session is not saved again within a
# minute: 17, whatever the rows.
DESK_PICKER_QUERIES = 17


# --- moving (staff side) ---------------------------------------------------------------------------


def test_staff_moving_a_visit_keep_its_therapist_and_day_and_name_the_patient(
    client, anna, service, therapist, other_therapist
):
    appointment = AppointmentFactory(patient=anna, therapist=therapist, service=service, start=at(4, 10))
    client.force_login(front_desk_user())
    body = client.get(reverse("bookings:appointment-reschedule", args=[appointment.pk])).content.decode()
    assert "Move Anna K.'s visit" in body
    assert "your" not in re.search(r"<h1[^>]*>(.*?)</h1>", body, re.S).group(1).lower()
    assert "Thursday 4 June 2026 with Priya Shah" in body
    assert f'<option value="{therapist.pk}" selected>' in body


def test_a_patient_moving_their_own_visit_is_still_addressed(client, anna, service, therapist):
    appointment = AppointmentFactory(patient=anna, therapist=therapist, service=service, start=at(4, 10))
    client.force_login(anna)
    body = client.get(reverse("bookings:appointment-reschedule", args=[appointment.pk])).content.decode()
    assert "Move your appointment" in body


def test_a_move_to_a_time_taken_meanwhile_keeps_the_therapist_and_day_for_staff(
    client, anna, service, therapist
):
    appointment = AppointmentFactory(patient=anna, therapist=therapist, service=service, start=at(4, 10))
    AppointmentFactory(therapist=therapist, service=service, start=at(4, 14))
    client.force_login(front_desk_user())
    url = reverse("bookings:appointment-reschedule", args=[appointment.pk])
    resp = client.post(
        f"{url}?therapist={therapist.pk}&date=2026-06-04",
        {"start": at(4, 14).isoformat(), "therapist": therapist.pk},
    )
    assert resp.status_code == 409
    body = resp.content.decode()
    assert "just taken" in body
    assert "Thursday 4 June 2026 with Priya Shah" in body
    appointment.refresh_from_db()
    assert appointment.start == at(4, 10)


@pytest.mark.parametrize(
    "params",
    [
        {"service": "no-such-service"},
        {"therapist": "abc"},
        {"therapist": "999999"},
        {"date": "2026-02-31"},
        {"date": "9999-12-31"},
        {"patient": "not an email"},
        {"patient": "x" * 300 + "@example.org"},
    ],
    ids=[
        "unknown service",
        "therapist not a number",
        "unknown therapist",
        "no such day",
        "end of time",
        "not an email",
        "too long",
    ],
)
def test_a_bad_choice_in_the_address_is_said_on_the_page_never_an_error_page(client, anna, service, params):
    client.force_login(front_desk_user())
    resp = client.get(book_url(**{"patient": anna.email, "service": service.slug, **params}))
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "Book for" in body
    assert ('role="alert"' in body) or ("invalid-feedback" in body) or ("is-invalid" in body)
