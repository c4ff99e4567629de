"""Confirmation pages say what happens next (the health form, a possible review, the reminder's timing
from the policy) with the clinic's contact; cancelling asks first and states the policy."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bookings.models import Status
from bookings.templatetags.booking_tags import hours_before
from clinic.models import ClinicPolicy, ClinicProfile
from clinic.tests.emails import PROFILE
from clinic.tests.factories import UserFactory, front_desk_user, therapist_user

from .factories import AppointmentFactory
from .fixtures import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def profile():
    profile = ClinicProfile(**PROFILE)
    profile.save()
    return profile


@pytest.fixture
def mine(client, service, therapist):
    patient = UserFactory()
    client.force_login(patient)
    return AppointmentFactory(patient=patient, therapist=therapist, service=service, start=at(5, 10))


@pytest.mark.parametrize(
    ("hours", "words"),
    [(24, "the day before"), (48, "2 days before"), (3, "3 hours before"), (1, "1 hour before")],
)
def test_policy_hours_read_as_words(hours, words):
    assert hours_before(hours) == words


def test_the_appointment_page_says_what_happens_next_with_the_reminder_and_contact(client, mine, profile):
    ClinicPolicy.objects.update(reminder_hours=48, cancellation_window_hours=12)
    body = client.get(mine.get_absolute_url()).content.decode()
    next_steps = body[body.index('id="what-next"') :]
    assert "reminder 2 days before your visit, at the same time of day" in next_steps
    assert "up to 12 hours before the start" in next_steps
    assert 'href="tel:02079460321"' in next_steps and "mailto:hello@clinic.example" in next_steps


def test_a_held_appointment_says_the_health_form_and_a_possible_review_come_first(client, mine, profile):
    mine.status, mine.hold_expires_at = Status.HELD, at(1, 8, 30)
    mine.save()
    body = client.get(mine.get_absolute_url()).content.decode()
    assert "Answer the health questions" in body and "until 08:30" in body
    assert "a therapist reviews your form before we confirm" in body


def test_without_reminders_the_page_promises_none(client, mine):
    ClinicPolicy.objects.update(reminder_hours=0)
    assert "reminder" not in client.get(mine.get_absolute_url()).content.decode()


def test_cancelling_asks_first_and_states_the_policy(client, mine, profile):
    resp = client.get(reverse("bookings:appointment-cancel", args=[mine.pk]))
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "Cancel this appointment?" in body
    assert "cancelled or moved online up to 24 hours before they start" in body
    assert "020 7946 0321" in body
    assert "Yes, cancel this appointment" in body and "No, keep it" in body
    mine.refresh_from_db()
    assert mine.status == Status.CONFIRMED  # asking changes nothing


def test_the_appointment_page_links_to_the_question_not_a_one_click_cancel(client, mine):
    body = client.get(mine.get_absolute_url()).content.decode()
    url = reverse("bookings:appointment-cancel", args=[mine.pk])
    assert f'href="{url}"' in body
    assert f'action="{url}"' not in body


def test_confirming_cancels(client, mine):
    resp = client.post(
        reverse("bookings:appointment-cancel", args=[mine.pk]), {"reason": "Away"}, follow=True
    )
    assert "is cancelled" in resp.content.decode()
    mine.refresh_from_db()
    assert mine.status == Status.CANCELLED


def test_a_too_long_reason_is_a_message_and_keeps_what_was_typed(client, mine):
    reason = "I am away " * 40
    resp = client.post(reverse("bookings:appointment-cancel", args=[mine.pk]), {"reason": reason})
    body = resp.content.decode()
    assert resp.status_code == 400
    assert "300 characters at most" in body
    assert reason.strip() in body
    mine.refresh_from_db()
    assert mine.status == Status.CONFIRMED


def test_inside_the_window_the_question_page_sends_back_with_the_phone(client, service, therapist, profile):
    patient = UserFactory()
    soon = AppointmentFactory(patient=patient, therapist=therapist, service=service, start=at(2, 7))
    client.force_login(patient)
    resp = client.get(reverse("bookings:appointment-cancel", args=[soon.pk]), follow=True)
    assert "can no longer be cancelled online" in resp.content.decode()
    assert resp.redirect_chain[-1][0] == soon.get_absolute_url()


def test_another_patient_or_a_therapist_gets_404_on_the_question(client, mine, therapist):
    for who in (UserFactory(), therapist_user()):
        client.force_login(who)
        assert client.get(reverse("bookings:appointment-cancel", args=[mine.pk])).status_code == 404


def test_front_desk_is_asked_too_and_told_the_patient_is_emailed(client, mine):
    client.force_login(front_desk_user())
    body = client.get(reverse("bookings:appointment-cancel", args=[mine.pk])).content.decode()
    assert f"for {mine.patient}" in body
    assert "The patient will get an email" in body
