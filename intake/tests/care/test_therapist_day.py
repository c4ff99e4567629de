from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from bookings.models import Status
from clinic.audit.models import AccessEvent
from clinic.tests.factories import UserFactory, clinic_admin_user, front_desk_user
from intake.models import Outcome
from intake.review.restrictions import restrictions_for

from ..plan_fixtures import at, book, decide, screen

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

DAY_URL = reverse("intake:therapist-day")


def day_page(client, **params):
    return client.get(DAY_URL, params)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_day_list_shows_only_own_appointments_with_outcome_and_restriction_badges(
    client, service, therapist, other_therapist, patient, other_patient
):
    mine = book(therapist, patient, at(1, 10), service=service, status=Status.PENDING_REVIEW)
    result = screen(mine, outcome=Outcome.REVIEW, ruled_out={"pregnancy": ["BALL", "HEAT"]})
    decide(result, by=therapist.user, restricted=["COB"])
    theirs = book(other_therapist, other_patient, at(1, 11), service=service)
    client.force_login(therapist.user)
    body = day_page(client, date="2026-06-01").content.decode()
    assert f'data-appointment="{mine.pk}"' in body
    assert f'data-appointment="{theirs.pk}"' not in body
    assert "Robin" not in body
    assert 'data-outcome="review"' in body
    for code in ("BALL", "COB", "HEAT"):
        assert f'data-restriction="{code}"' in body
    assert "10:00–11:00" in body  # clinic time, not UTC


def test_day_list_leaves_out_unfinished_holds_and_cancelled_bookings(client, service, therapist, patient):
    book(therapist, patient, at(1, 10), service=service, status=Status.CANCELLED)
    book(therapist, patient, at(1, 12), service=service, status=Status.HELD)
    shown = book(therapist, patient, at(1, 14), service=service)
    client.force_login(therapist.user)
    body = day_page(client, date="2026-06-01").content.decode()
    assert body.count("data-appointment=") == 1
    assert f'data-appointment="{shown.pk}"' in body


def test_unscreened_appointment_shows_not_screened_and_no_restrictions(client, service, therapist, patient):
    appointment = book(therapist, patient, at(1, 10), service=service)
    client.force_login(therapist.user)
    body = day_page(client).content.decode()
    assert 'data-outcome="none"' in body
    assert "data-restriction=" not in body
    assert restrictions_for(appointment) == []


def test_week_list_runs_monday_to_sunday(client, service, therapist, patient):
    sunday_before = book(therapist, patient, at(31, 10, month=5), service=service)
    wednesday = book(therapist, patient, at(3, 10), service=service)
    sunday = book(therapist, patient, at(7, 16), service=service)
    monday_after = book(therapist, patient, at(8, 10), service=service)
    client.force_login(therapist.user)
    body = day_page(client, date="2026-06-04", view="week").content.decode()
    assert f'data-appointment="{wednesday.pk}"' in body
    assert f'data-appointment="{sunday.pk}"' in body
    assert f'data-appointment="{sunday_before.pk}"' not in body
    assert f'data-appointment="{monday_after.pk}"' not in body
    assert "My week, 1 June – 7 June 2026" in body


def test_restrictions_join_screening_and_the_newest_decision(service, therapist, patient):
    appointment = book(therapist, patient, at(1, 10), service=service, status=Status.PENDING_REVIEW)
    result = screen(appointment, outcome=Outcome.REVIEW, ruled_out={"pregnancy": ["HEAT"]})
    decide(result, by=therapist.user, restricted=["COB"])
    decide(result, by=therapist.user, restricted=["PIG", "HEAT"], note="Second look.")
    appointment.refresh_from_db()
    assert restrictions_for(appointment) == ["HEAT", "PIG"]


def test_unreadable_date_shows_today_with_a_message(client, service, therapist, patient):
    today = book(therapist, patient, at(1, 10), service=service)
    client.force_login(therapist.user)
    response = day_page(client, date="not-a-date")
    assert response.status_code == 200
    assert f'data-appointment="{today.pk}"' in response.content.decode()
    assert any("could not be read" in m for m in messages_of(response))


def test_anonymous_visitor_is_sent_to_login(client):
    response = day_page(client)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("make_user", [UserFactory, front_desk_user, clinic_admin_user])
def test_user_without_a_therapist_profile_gets_404(client, make_user):
    client.force_login(make_user())
    assert day_page(client).status_code == 404


def test_therapist_marks_own_started_appointment_completed(client, service, therapist, patient):
    appointment = book(therapist, patient, at(1, 7), service=service)
    client.force_login(therapist.user)
    response = client.post(reverse("intake:therapist-mark", args=[appointment.pk]), {"to": "completed"})
    assert response.status_code == 302
    assert response["Location"].startswith(DAY_URL)
    appointment.refresh_from_db()
    assert appointment.status == Status.COMPLETED


def test_therapist_marks_own_started_appointment_no_show(client, service, therapist, patient):
    appointment = book(therapist, patient, at(1, 7), service=service)
    client.force_login(therapist.user)
    client.post(reverse("intake:therapist-mark", args=[appointment.pk]), {"to": "no_show", "view": "week"})
    appointment.refresh_from_db()
    assert appointment.status == Status.NO_SHOW


def test_another_therapists_appointment_cannot_be_marked(
    client, service, therapist, other_therapist, patient
):
    appointment = book(other_therapist, patient, at(1, 7), service=service)
    client.force_login(therapist.user)
    response = client.post(reverse("intake:therapist-mark", args=[appointment.pk]), {"to": "completed"})
    assert response.status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED


def test_marking_before_the_start_is_refused_with_a_message(client, service, therapist, patient):
    appointment = book(therapist, patient, at(1, 10), service=service)
    client.force_login(therapist.user)
    response = client.post(reverse("intake:therapist-mark", args=[appointment.pk]), {"to": "completed"})
    assert response.status_code == 302
    assert any("before it starts" in m for m in messages_of(response))
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED


def test_marking_a_finished_appointment_again_is_a_message_not_an_error(client, service, therapist, patient):
    appointment = book(therapist, patient, at(1, 7), service=service, status=Status.NO_SHOW)
    client.force_login(therapist.user)
    response = client.post(reverse("intake:therapist-mark", args=[appointment.pk]), {"to": "completed"})
    assert response.status_code == 302
    assert any("cannot become" in m for m in messages_of(response))
    appointment.refresh_from_db()
    assert appointment.status == Status.NO_SHOW


def test_a_visit_completed_on_its_own_can_still_be_marked_a_no_show(client, service, therapist, patient):
    appointment = book(therapist, patient, at(1, 7), service=service, status=Status.COMPLETED)
    client.force_login(therapist.user)
    page = day_page(client, date="2026-06-01").content.decode()
    assert 'value="no_show"' in page
    assert 'value="completed"' not in page
    response = client.post(reverse("intake:therapist-mark", args=[appointment.pk]), {"to": "no_show"})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Status.NO_SHOW


def test_marking_is_post_only(client, service, therapist, patient):
    appointment = book(therapist, patient, at(1, 7), service=service)
    client.force_login(therapist.user)
    assert client.get(reverse("intake:therapist-mark", args=[appointment.pk])).status_code == 405


def test_staff_dashboard_links_to_my_day_for_therapists_only(client, therapist):
    client.force_login(therapist.user)
    assert DAY_URL in client.get(reverse("staff-dashboard")).content.decode()
    client.force_login(front_desk_user())
    assert DAY_URL not in client.get(reverse("staff-dashboard")).content.decode()


# Session and user (2), permissions (1), roles for the menu, the menu's review count (the session is not
# saved again within a minute); the page itself: the therapist profile, the appointments with
# patient, service and screening, and their review decisions; recording the read (the reader's name
# and roles, and one insert of an access event for each patient shown); which patients' health forms
# the therapist may open (the policy and one query), and the open alerts shown first.
DAY_LIST_QUERIES = 15  # with the clinic profile for the footer


@pytest.mark.parametrize("count", [1, 10])
def test_day_list_query_count_does_not_grow(client, django_assert_num_queries, service, therapist, count):
    for i in range(count):
        appointment = book(therapist, UserFactory(), at(1, 9) + timedelta(minutes=75 * i), service=service)
        result = screen(appointment, outcome=Outcome.REVIEW, ruled_out={"pregnancy": ["HEAT"]})
        decide(result, by=therapist.user, restricted=["COB"])
    client.force_login(therapist.user)
    with django_assert_num_queries(DAY_LIST_QUERIES):
        body = day_page(client, date="2026-06-01").content.decode()
    assert body.count("data-appointment=") == count


# --- marking from the day list without leaving it (htmx row swap) ------------------------------------

HTMX = {"HX-Request": "true", "HX-Target": "", "HX-Current-URL": "http://testserver/staff/my-day/"}


def mark(client, appointment, to, **headers):
    return client.post(reverse("intake:therapist-mark", args=[appointment.pk]), {"to": to}, headers=headers)


def test_the_day_list_marks_by_swapping_the_row_when_htmx_asks(client, service, therapist, patient):
    appointment = book(therapist, patient, at(1, 7), service=service)
    client.force_login(therapist.user)
    page = day_page(client, date="2026-06-01").content.decode()
    assert f'data-hx-post="{reverse("intake:therapist-mark", args=[appointment.pk])}"' in page
    assert 'data-hx-target="closest tr"' in page
    assert "htmx-2.min.js" in page
    response = mark(client, appointment, "completed", **HTMX)
    assert response.status_code == 200
    row = response.content.decode().strip()
    assert row.startswith(f'<tr data-appointment="{appointment.pk}">')
    assert row.endswith("</tr>")
    assert 'data-status="completed"' in row
    assert "is marked completed" in row
    assert 'value="no_show"' in row and 'value="completed"' not in row  # a no-show can still follow
    assert messages_of(response) == []  # said in the row, not left for the next page
    appointment.refresh_from_db()
    assert appointment.status == Status.COMPLETED


def test_a_refused_mark_is_said_in_the_row_and_changes_nothing(client, service, therapist, patient):
    appointment = book(therapist, patient, at(1, 10), service=service)  # starts later today
    client.force_login(therapist.user)
    response = mark(client, appointment, "completed", **HTMX)
    assert response.status_code == 200
    row = response.content.decode()
    assert "before it starts" in row
    assert 'data-status="confirmed"' in row
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED


def test_marking_with_htmx_records_the_rows_read(client, service, therapist, patient):
    appointment = book(therapist, patient, at(1, 7), service=service)
    client.force_login(therapist.user)
    before = AccessEvent.objects.count()
    mark(client, appointment, "no_show", **HTMX)
    assert AccessEvent.objects.count() == before + 1


@pytest.mark.parametrize("make_user", [front_desk_user, clinic_admin_user, UserFactory])
def test_only_the_appointments_own_therapist_may_mark_it_with_htmx_too(
    client, service, therapist, patient, make_user
):
    appointment = book(therapist, patient, at(1, 7), service=service)
    client.force_login(make_user())
    assert mark(client, appointment, "completed", **HTMX).status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED


def test_a_bad_choice_with_htmx_is_said_in_the_row(client, service, therapist, patient):
    appointment = book(therapist, patient, at(1, 7), service=service)
    client.force_login(therapist.user)
    response = mark(client, appointment, "cancelled", **HTMX)
    assert response.status_code == 200
    assert "Choose completed or no-show" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED


def test_signed_out_meanwhile_htmx_loads_the_login_page_instead_of_swapping_it_into_the_row(
    client, service, therapist, patient
):
    appointment = book(therapist, patient, at(1, 7), service=service)
    response = mark(client, appointment, "completed", **HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("account_login"))
    response = mark(client, appointment, "completed")
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED
