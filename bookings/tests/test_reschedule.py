"""Issue 11 item 18: moving an appointment keeps its therapist and day unless someone chooses
otherwise, speaks to staff as staff, and the patient's email says what changed."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from bookings import services
from clinic.tests.factories import UserFactory, front_desk_user

from .factories import AppointmentFactory, bookable_therapist
from .fixtures import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def colleague(service):
    return bookable_therapist(service, display_name="Tom Okafor")


@pytest.fixture
def appointment(service, therapist):
    return AppointmentFactory(
        therapist=therapist,
        service=service,
        start=at(4, 10),
        patient=UserFactory(first_name="Ada", last_name="Lovelace"),
    )


def move_url(appointment):
    return reverse("bookings:appointment-reschedule", args=[appointment.pk])


def offered_therapists(body: str) -> set[str]:
    """Whose times the page offers: the therapist each time button posts, or, with "any therapist"
    (each time once, the clinic picks), everyone free that day whom the page lets one choose."""
    posted = set(re.findall(r'name="therapist" value="(\d+)"', body))
    return posted or set(re.findall(r'data-free-therapist="(\d+)"', body))


def test_move_page_opens_on_the_appointments_day_with_its_therapist(
    client, appointment, therapist, colleague
):
    client.force_login(appointment.patient)
    body = client.get(move_url(appointment)).content.decode()
    assert "Thursday 4 June 2026" in body
    assert f'<option value="{therapist.pk}" selected>' in body
    assert offered_therapists(body) == {str(therapist.pk)}  # the colleague's free times are not offered


def test_choosing_any_therapist_on_the_move_page_is_respected(client, appointment, therapist, colleague):
    client.force_login(appointment.patient)
    body = client.get(move_url(appointment), {"therapist": "", "date": "2026-06-05"}).content.decode()
    assert "Friday 5 June 2026" in body
    assert offered_therapists(body) == {str(therapist.pk), str(colleague.pk)}


def test_move_page_falls_back_to_any_therapist_when_theirs_no_longer_offers_the_service(
    client, appointment, therapist, colleague, service
):
    service.therapists.remove(therapist)
    client.force_login(appointment.patient)
    body = client.get(move_url(appointment)).content.decode()
    assert "Thursday 4 June 2026" in body
    assert offered_therapists(body) == {str(colleague.pk)}


def test_staff_read_staff_wording_on_the_move_page(client, appointment):
    client.force_login(front_desk_user())
    resp = client.get(move_url(appointment))
    body = resp.content.decode()
    assert "Move your appointment" not in body
    assert "Your current time" not in body
    assert "Move Ada L.'s visit" in body
    resp = client.post(
        move_url(appointment), {"start": at(4, 14).isoformat(), "therapist": appointment.therapist.pk}
    )
    assert resp.status_code == 302
    page = client.get(resp["Location"]).content.decode()
    assert "Your appointment has moved" not in page
    assert "Ada Lovelace is emailed" in page


def test_the_patient_still_reads_their_own_wording(client, appointment):
    client.force_login(appointment.patient)
    assert "Move your appointment" in client.get(move_url(appointment)).content.decode()


def test_move_email_names_the_old_and_new_time_and_therapist(
    appointment, therapist, colleague, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_reschedule(
            appointment=appointment, start=at(5, 14), therapist=colleague, by=front_desk_user()
        )
    assert len(mail.outbox) == 1
    text = mail.outbox[0].body
    assert "Was:   Thursday 4 June 2026, 10:00 with Priya Shah" in text
    assert "Now:   Friday 5 June 2026, 14:00 to 15:00 with Tom Okafor" in text
    html = mail.outbox[0].alternatives[0][0]
    assert "Thursday 4 June 2026, 10:00 with Priya Shah" in html
    assert "Friday 5 June 2026, 14:00 to 15:00 with Tom Okafor" in html
