import pytest
from django.urls import reverse
from django.utils.http import urlencode

from bookings import services
from bookings.models import Appointment, Status
from clinic.tests.factories import UserFactory, front_desk_user, therapist_user

from .factories import AppointmentFactory, ServiceFactory, bookable_therapist
from .fixtures import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def slot_url(service, **params):
    return reverse("bookings:service-slots", args=[service.slug]) + (
        "?" + urlencode(params) if params else ""
    )


def test_service_list_shows_active_services(client, service):
    ServiceFactory(name="Hidden", active=False)
    body = client.get(reverse("bookings:service-list")).content.decode()
    assert service.name in body
    assert "Hidden" not in body


def test_slot_page_lists_free_times_for_a_day_without_javascript(client, service, therapist):
    body = client.get(slot_url(service, date="2026-06-03", therapist=therapist.pk)).content.decode()
    assert ">09:00</button>" in body
    # A visitor's button is a plain form too: it keeps the pick while they log in (test_visitor_choice).
    assert 'name="start" value="2026-06-03T08:00:00+00:00"' in body
    assert "log in" in body


def test_slot_page_with_a_bad_date_says_so_and_shows_today(client, service, therapist):
    resp = client.get(slot_url(service, date="2026-02-31"))
    assert resp.status_code == 200
    assert "could not be read" in resp.content.decode()


def test_hold_requires_login(client, service, therapist):
    resp = client.post(reverse("bookings:hold", args=[service.slug]), {"start": at(3, 10).isoformat()})
    assert resp.status_code == 302
    assert reverse("account_login") in resp["Location"]


def test_patient_books_a_slot_from_the_page(client, service, therapist):
    patient = UserFactory()
    client.force_login(patient)
    resp = client.post(
        reverse("bookings:hold", args=[service.slug]),
        {"start": at(3, 10).isoformat(), "therapist": therapist.pk},
    )
    appt = Appointment.objects.get()
    assert resp.status_code == 302
    assert resp["Location"] == f"/intake/appointment/{appt.pk}/"  # on to the health questions
    assert appt.patient == patient
    assert appt.status == Status.HELD


def test_taken_slot_on_the_page_gives_a_message_and_fresh_slots(client, service, therapist):
    AppointmentFactory(therapist=therapist, service=service, start=at(3, 10))
    client.force_login(UserFactory())
    resp = client.post(
        reverse("bookings:hold", args=[service.slug]) + "?date=2026-06-03",
        {"start": at(3, 10).isoformat(), "therapist": therapist.pk},
    )
    assert resp.status_code == 409
    body = resp.content.decode()
    assert "just taken" in body
    assert 'id="slots"' in body


def test_garbled_slot_post_is_a_message_not_a_500(client, service, therapist):
    client.force_login(UserFactory())
    resp = client.post(reverse("bookings:hold", args=[service.slug]), {"start": "soon", "therapist": "x"})
    assert resp.status_code == 409
    assert "could not be read" in resp.content.decode() or "whole number" in resp.content.decode()


def test_my_appointments_lists_only_mine_with_constant_queries(
    client, service, therapist, django_assert_num_queries
):
    patient = UserFactory()
    other = bookable_therapist(service)
    AppointmentFactory(patient=patient, therapist=therapist, service=service, start=at(3, 10))
    AppointmentFactory(therapist=therapist, service=service, start=at(4, 10))  # someone else's
    client.force_login(patient)
    client.get(reverse("bookings:appointment-list"))  # warm the session
    with django_assert_num_queries(7):  # with the clinic profile for the footer
        resp = client.get(reverse("bookings:appointment-list"))
    assert resp.content.decode().count("Details</a>") == 1
    for day in range(5, 15):
        AppointmentFactory(patient=patient, therapist=other, service=service, start=at(day, 12))
    with django_assert_num_queries(7):  # with the clinic profile for the footer
        resp = client.get(reverse("bookings:appointment-list"))
    assert resp.content.decode().count("Details</a>") == 11


@pytest.mark.parametrize(
    "route",
    ["bookings:appointment-detail", "bookings:appointment-ics", "bookings:appointment-reschedule"],
)
def test_another_patients_appointment_is_404(client, service, therapist, route):
    appt = AppointmentFactory(therapist=therapist, service=service, start=at(3, 10))
    client.force_login(UserFactory())
    assert client.get(reverse(route, args=[appt.pk])).status_code == 404


def test_another_patients_appointment_cannot_be_cancelled(client, service, therapist):
    appt = AppointmentFactory(therapist=therapist, service=service, start=at(3, 10))
    client.force_login(UserFactory())
    assert client.post(reverse("bookings:appointment-cancel", args=[appt.pk])).status_code == 404
    appt.refresh_from_db()
    assert appt.status == Status.CONFIRMED


def test_patient_cancels_inside_the_window(client, service, therapist):
    patient = UserFactory()
    appt = AppointmentFactory(patient=patient, therapist=therapist, service=service, start=at(3, 10))
    client.force_login(patient)
    resp = client.post(
        reverse("bookings:appointment-cancel", args=[appt.pk]), {"reason": "Holiday"}, follow=True
    )
    assert "is cancelled" in resp.content.decode()
    appt.refresh_from_db()
    assert appt.status == Status.CANCELLED


def test_cancellation_outside_the_window_is_refused_with_a_message(client, service, therapist):
    patient = UserFactory()
    appt = AppointmentFactory(patient=patient, therapist=therapist, service=service, start=at(2, 7))
    client.force_login(patient)
    resp = client.post(reverse("bookings:appointment-cancel", args=[appt.pk]), follow=True)
    assert "up to 24 hours before" in resp.content.decode()
    appt.refresh_from_db()
    assert appt.status == Status.CONFIRMED


def test_patient_reschedules_to_a_new_slot(client, service, therapist):
    patient = UserFactory()
    appt = services.appointment_book(patient=patient, service=service, therapist=therapist, start=at(3, 10))
    services.appointment_confirm(appointment=appt)
    client.force_login(patient)
    url = reverse("bookings:appointment-reschedule", args=[appt.pk])
    assert client.get(url, {"date": "2026-06-04"}).status_code == 200
    resp = client.post(url, {"start": at(4, 9).isoformat(), "therapist": therapist.pk})
    assert resp.status_code == 302
    appt.refresh_from_db()
    assert appt.start == at(4, 9)


def test_therapist_sees_own_patients_appointment_but_not_others(client, service, therapist):
    mine = AppointmentFactory(therapist=therapist, service=service, start=at(3, 10))
    other_t = bookable_therapist(service)
    theirs = AppointmentFactory(therapist=other_t, service=service, start=at(3, 10))
    client.force_login(therapist.user)
    assert client.get(reverse("bookings:appointment-detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("bookings:appointment-detail", args=[theirs.pk])).status_code == 404


def test_front_desk_day_list_filters_with_constant_queries(
    client, service, therapist, django_assert_num_queries
):
    other = bookable_therapist(service, display_name="Other")
    AppointmentFactory(therapist=therapist, service=service, start=at(3, 10))
    AppointmentFactory(therapist=other, service=service, start=at(3, 10), status=Status.CANCELLED)
    client.force_login(front_desk_user())
    url = reverse("bookings:front-desk-day")
    client.get(url)
    with django_assert_num_queries(9):  # with the clinic profile, closures and time off
        body = client.get(url, {"date": "2026-06-03"}).content.decode()
    assert body.count('id="appointment-') == 2
    for hour in (12, 14, 16):
        AppointmentFactory(therapist=other, service=service, start=at(3, hour))
    with django_assert_num_queries(9):  # with the clinic profile, closures and time off
        body = client.get(url, {"date": "2026-06-03"}).content.decode()
    assert body.count('id="appointment-') == 5
    body = client.get(url, {"date": "2026-06-03", "therapist": therapist.pk}).content.decode()
    assert body.count('id="appointment-') == 1
    body = client.get(url, {"date": "2026-06-03", "status": "cancelled"}).content.decode()
    assert body.count('id="appointment-') == 1


def test_front_desk_pages_are_closed_to_patients_and_therapists(client):
    for user in (UserFactory(), therapist_user()):
        client.force_login(user)
        assert client.get(reverse("bookings:front-desk-day")).status_code == 403
        assert client.get(reverse("bookings:front-desk-book")).status_code == 403
    client.logout()
    assert client.get(reverse("bookings:front-desk-day")).status_code == 302


def desk_book_url(patient_email: str, service) -> str:
    return f"{reverse('bookings:front-desk-book')}?{urlencode({'patient': patient_email, 'service': service.slug})}"


def test_front_desk_books_for_a_patient_with_the_same_rules(client, service, therapist):
    patient = UserFactory(email="pat@example.org")
    AppointmentFactory(therapist=therapist, service=service, start=at(3, 10))
    client.force_login(front_desk_user())
    url = desk_book_url("pat@example.org", service)
    resp = client.post(url, {"start": at(3, 10).isoformat(), "therapist": therapist.pk})
    assert resp.status_code == 409
    body = resp.content.decode()
    assert "just taken" in body
    assert 'value="pat@example.org"' in body
    resp = client.post(url, {"start": at(3, 13).isoformat(), "therapist": therapist.pk})
    assert resp.status_code == 302
    booked = Appointment.objects.get(patient=patient)
    assert booked.start == at(3, 13)
    assert booked.status == Status.PENDING_REVIEW  # until the patient's health form is in


def test_front_desk_booking_for_unknown_patient_says_so(client, service, therapist):
    client.force_login(front_desk_user())
    resp = client.post(desk_book_url("nobody@example.org", service), {"start": "x"})
    assert resp.status_code == 400
    assert "No patient account has this email" in resp.content.decode()


def test_front_desk_cancels_inside_the_window_for_a_patient(client, service, therapist):
    appt = AppointmentFactory(therapist=therapist, service=service, start=at(2, 7))
    client.force_login(front_desk_user())
    client.post(reverse("bookings:appointment-cancel", args=[appt.pk]), {"reason": "Patient phoned"})
    appt.refresh_from_db()
    assert appt.status == Status.CANCELLED
    assert appt.cancel_reason == "Patient phoned"


def test_front_desk_moves_an_appointment_for_a_patient_even_inside_the_window(client, service, therapist):
    appt = AppointmentFactory(therapist=therapist, service=service, start=at(2, 7))
    client.force_login(front_desk_user())
    url = reverse("bookings:appointment-reschedule", args=[appt.pk])
    assert client.get(url, {"date": "2026-06-04"}).status_code == 200
    resp = client.post(url, {"start": at(4, 11).isoformat(), "therapist": therapist.pk})
    assert resp.status_code == 302
    appt.refresh_from_db()
    assert appt.start == at(4, 11)
    assert appt.sequence == 1


def test_the_therapist_is_not_offered_move_or_cancel_on_a_patients_appointment(client, service, therapist):
    appt = AppointmentFactory(therapist=therapist, service=service, start=at(3, 10))
    client.force_login(therapist.user)
    body = client.get(reverse("bookings:appointment-detail", args=[appt.pk])).content.decode()
    assert reverse("bookings:appointment-reschedule", args=[appt.pk]) not in body
    assert reverse("bookings:appointment-cancel", args=[appt.pk]) not in body
    assert "no longer be changed online" not in body
    assert client.post(reverse("bookings:appointment-cancel", args=[appt.pk])).status_code == 404


@pytest.mark.parametrize("who", ["patient", "front_desk"])
def test_the_patient_and_front_desk_are_offered_move_and_cancel(client, service, therapist, who):
    appt = AppointmentFactory(therapist=therapist, service=service, start=at(3, 10))
    client.force_login(appt.patient if who == "patient" else front_desk_user())
    body = client.get(reverse("bookings:appointment-detail", args=[appt.pk])).content.decode()
    assert reverse("bookings:appointment-reschedule", args=[appt.pk]) in body
    assert reverse("bookings:appointment-cancel", args=[appt.pk]) in body


def test_front_desk_booking_that_fails_half_way_leaves_no_held_row(client, service, therapist, monkeypatch):
    """Booking for a patient is one transaction: if holding it for review fails, nothing is booked."""
    UserFactory(email="pat@example.org")

    def fail(**kwargs):
        raise services.BookingError("The booking could not be held for review.", code="invalid_transition")

    monkeypatch.setattr(services, "appointment_hold_for_review", fail)
    client.force_login(front_desk_user())
    resp = client.post(
        desk_book_url("pat@example.org", service), {"start": at(3, 13).isoformat(), "therapist": therapist.pk}
    )
    assert resp.status_code == 409
    assert "could not be held for review" in resp.content.decode()
    assert not Appointment.objects.exists()
