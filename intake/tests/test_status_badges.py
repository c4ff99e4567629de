"""The staff pages of intake show an appointment's status and a screening outcome with one badge each."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from bookings.models import Appointment, Status
from intake.models import Outcome
from intake.templatetags.intake_tags import OUTCOME_COLOURS

from .review_fixtures import at, quick_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

WAITING_BADGE = Template("{% load booking_tags %}{% status_badge a %}").render(
    Context({"a": Appointment(status=Status.PENDING_REVIEW)})
)
REVIEW_BADGE = Template("{% load intake_tags %}{% outcome_badge o %}").render(Context({"o": Outcome.REVIEW}))


def test_every_outcome_has_a_colour():
    assert set(OUTCOME_COLOURS) == set(Outcome.values)


def test_outcome_badge_shows_the_label_in_the_outcomes_colour():
    assert REVIEW_BADGE == '<span class="badge text-bg-info" data-outcome="review">Therapist review</span>'


def test_review_case_and_therapist_day_show_the_status_badge(client, therapist):
    case = quick_case(therapist=therapist, start=at(1, 10))
    client.force_login(therapist.user)
    assert WAITING_BADGE in client.get(reverse("intake:review-case", args=[case.pk])).content.decode()
    day = client.get(reverse("intake:therapist-day"), {"date": "2026-06-01"}).content.decode()
    assert WAITING_BADGE in day


def test_queue_case_and_therapist_day_show_the_same_outcome_badge(client, therapist):
    case = quick_case(therapist=therapist, start=at(1, 10))
    client.force_login(therapist.user)
    assert REVIEW_BADGE in client.get(reverse("intake:review-queue")).content.decode()
    assert REVIEW_BADGE in client.get(reverse("intake:review-case", args=[case.pk])).content.decode()
    day = client.get(reverse("intake:therapist-day"), {"date": "2026-06-01"}).content.decode()
    assert REVIEW_BADGE in day
