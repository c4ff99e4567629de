"""Issue 11 item 16: a closure added on days with bookings warns with the list, asks what to do,
and either cancels them (each patient emailed once, with the reason) or keeps them for the front desk."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse

from bookings import absences
from bookings.models import Appointment, Closure, Status
from bookings.services import BookingError
from clinic.tests.factories import UserFactory, clinic_admin_user

from .factories import AppointmentFactory, ServiceFactory, bookable_therapist

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
ADD_URL = "admin:bookings_closure_add"
DATA = {"first_day": "2030-06-03", "last_day": "2030-06-04", "reason": "Staff training"}


@pytest.fixture
def admin_user():
    return clinic_admin_user()


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def booked():
    """Two appointments on the closure's days, one the day after, one already cancelled."""
    service = ServiceFactory(name="Psoas release")
    therapist = bookable_therapist(service)
    on_days = [
        AppointmentFactory(
            therapist=therapist, service=service, start=datetime(2030, 6, 3, 10, tzinfo=LONDON)
        ),
        AppointmentFactory(
            therapist=therapist, service=service, start=datetime(2030, 6, 4, 16, tzinfo=LONDON)
        ),
    ]
    after = AppointmentFactory(
        therapist=therapist, service=service, start=datetime(2030, 6, 5, 9, tzinfo=LONDON)
    )
    AppointmentFactory(
        therapist=therapist,
        service=service,
        start=datetime(2030, 6, 3, 14, tzinfo=LONDON),
        status=Status.CANCELLED,
    )
    return {"on_days": on_days, "after": after}


def statuses(appointments):
    return [Appointment.objects.get(pk=a.pk).status for a in appointments]


def test_closure_over_appointments_warns_with_the_list_and_saves_nothing(admin_client_, booked):
    resp = admin_client_.post(reverse(ADD_URL), DATA)
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "falls on 2 active appointment" in body
    assert "Mon 03 Jun 10:00" in body
    assert "Tue 04 Jun 16:00" in body
    assert "Wed 05 Jun" not in body
    assert 'value="Staff training"' in body
    assert not Closure.objects.exists()
    assert statuses(booked["on_days"]) == [Status.CONFIRMED, Status.CONFIRMED]
    assert len(mail.outbox) == 0


def test_cancel_and_notify_cancels_each_through_the_service_and_emails_each_patient_once(
    admin_client_, admin_user, booked, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        resp = admin_client_.post(reverse(ADD_URL), {**DATA, "on_appointments": "cancel"}, follow=True)
    assert resp.status_code == 200
    assert Closure.objects.count() == 1
    for appointment in booked["on_days"]:
        appointment.refresh_from_db()
        assert appointment.status == Status.CANCELLED
        assert appointment.sequence == 1  # the calendar entry is withdrawn
        assert appointment.cancelled_by == admin_user
    assert statuses([booked["after"]]) == [Status.CONFIRMED]
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted(a.patient.email for a in booked["on_days"])
    for message in mail.outbox:
        assert "Staff training" in message.body
        assert "Staff training" in message.alternatives[0][0]
    assert "Cancelled 2 appointment" in resp.content.decode()


def test_keep_leaves_them_booked_and_lists_them_for_the_front_desk(admin_client_, booked):
    resp = admin_client_.post(reverse(ADD_URL), {**DATA, "on_appointments": "keep"}, follow=True)
    assert resp.status_code == 200
    assert Closure.objects.count() == 1
    assert statuses(booked["on_days"]) == [Status.CONFIRMED, Status.CONFIRMED]
    assert len(mail.outbox) == 0
    body = resp.content.decode()
    assert "2 appointment(s) on the closed days stay booked" in body
    assert "Mon 03 Jun 10:00" in body
    assert reverse("bookings:front-desk-day") + "?date=2030-06-03" in body


def test_closure_on_free_days_saves_without_asking(admin_client_, booked):
    resp = admin_client_.post(
        reverse(ADD_URL), {"first_day": "2030-06-10", "last_day": "2030-06-10", "reason": "Holiday"}
    )
    assert resp.status_code == 302
    assert Closure.objects.count() == 1


def test_moving_an_existing_closure_onto_booked_days_warns_too(admin_client_, booked):
    closure = Closure.objects.create(
        first_day=date(2030, 6, 10), last_day=date(2030, 6, 10), reason="Holiday"
    )
    resp = admin_client_.post(reverse("admin:bookings_closure_change", args=[closure.pk]), DATA)
    assert resp.status_code == 200
    assert "falls on 2 active appointment" in resp.content.decode()
    closure.refresh_from_db()
    assert closure.first_day == date(2030, 6, 10)


def test_an_admin_who_may_not_manage_appointments_cannot_choose_to_cancel(client, booked):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["add_closure", "view_closure"]))
    client.force_login(user)
    resp = client.post(reverse(ADD_URL), {**DATA, "on_appointments": "cancel"})
    assert resp.status_code == 200
    assert "You may not cancel appointments" in resp.content.decode()
    assert not Closure.objects.exists()
    assert statuses(booked["on_days"]) == [Status.CONFIRMED, Status.CONFIRMED]


def test_closure_and_its_cancellations_are_one_transaction(booked, django_capture_on_commit_callbacks):
    closure = Closure(first_day=date(2030, 6, 3), last_day=date(2030, 6, 4), reason="Staff training")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(BookingError):
        absences.closure_save(closure=closure, by=UserFactory(), cancel_appointments=True)
    assert not Closure.objects.exists()
    assert statuses(booked["on_days"]) == [Status.CONFIRMED, Status.CONFIRMED]
    assert len(mail.outbox) == 0


def _patients(booked):
    """Names that show whether the confirmation gives more than a first name and an initial."""
    names = [("Samira", "Khan"), ("Tom", "Okafor")]
    for appointment, (first, last) in zip(booked["on_days"], names, strict=True):
        appointment.patient.first_name, appointment.patient.last_name = first, last
        appointment.patient.save()
    return [a.patient for a in booked["on_days"]]


def _confirmation_list(body: str) -> str:
    """The list of affected appointments on the confirmation step, which comes before the choice."""
    start = body.index('id="affected-appointments"')
    assert start < body.index('name="on_appointments"'), "the list comes before the choice"
    return body[start : body.index("</table>", start)]


def test_closure_confirmation_lists_each_appointment_with_time_therapist_and_short_patient_name(
    admin_client_, booked
):
    patients = _patients(booked)
    therapist = booked["on_days"][0].therapist
    resp = admin_client_.post(reverse(ADD_URL), DATA)
    assert resp.status_code == 200
    listed = _confirmation_list(resp.content.decode())
    assert listed.count("<tr") == 3  # a heading row and one row per affected appointment
    for expected in ("Mon 03 Jun 10:00", "Tue 04 Jun 16:00", therapist.display_name, "Samira K.", "Tom O."):
        assert expected in listed
    for hidden in ("Khan", "Okafor", patients[0].email, "Psoas release", "Wed 05 Jun"):
        assert hidden not in listed
    assert "Europe/London" in listed
    assert not Closure.objects.exists()


def test_time_off_confirmation_lists_the_appointments_it_covers_the_same_way(admin_client_, booked):
    _patients(booked)
    therapist = booked["on_days"][0].therapist
    data = {
        "therapist": therapist.pk,
        "start_0": "2030-06-04",
        "start_1": "09:00",
        "end_0": "2030-06-04",
        "end_1": "18:00",
        "reason": "Dentist",
    }
    resp = admin_client_.post(reverse("admin:bookings_timeoff_add"), data)
    assert resp.status_code == 200
    listed = _confirmation_list(resp.content.decode())
    assert listed.count("<tr") == 2
    assert "Tue 04 Jun 16:00" in listed and "Tom O." in listed
    assert "Samira" not in listed


def test_a_closure_on_free_days_shows_no_list(admin_client_, booked):
    resp = admin_client_.get(reverse(ADD_URL))
    assert 'id="affected-appointments"' not in resp.content.decode()
