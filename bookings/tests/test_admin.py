from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.models import Status, TimeOff
from clinic.models import Licence
from clinic.tests.factories import UserFactory, clinic_admin_user, front_desk_user, therapist_user

from .factories import AppointmentFactory, LicenceFactory, ServiceFactory, bookable_therapist

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def admin_client_(client):
    client.force_login(clinic_admin_user())
    return client


@pytest.fixture
def populated():
    service = ServiceFactory()
    therapists = [bookable_therapist(service) for _ in range(3)]
    start = timezone.now() + timedelta(days=2)
    for i, t in enumerate(therapists):
        AppointmentFactory(therapist=t, service=service, start=start + timedelta(hours=i))
        TimeOff.objects.create(therapist=t, start=start + timedelta(days=1), end=start + timedelta(days=2))
    return therapists


def model_urls():
    for model in admin.site._registry:
        yield f"admin:{model._meta.app_label}_{model._meta.model_name}"


@pytest.mark.parametrize("name", sorted(model_urls()))
def test_every_admin_changelist_and_add_page_loads(admin_client_, populated, name, settings):
    settings.DEBUG = False
    assert admin_client_.get(reverse(f"{name}_changelist")).status_code == 200
    add = admin_client_.get(reverse(f"{name}_add"))
    assert add.status_code in (200, 403)  # appointments and the policy are not added here


# Pinned query counts: the same with 3 and with 6 therapists' data.
CHANGELISTS = [
    "admin:clinic_therapist_changelist",
    "admin:clinic_licence_changelist",
    "admin:bookings_appointment_changelist",
    "admin:bookings_timeoff_changelist",
    "admin:bookings_weeklyhours_changelist",
    "admin:bookings_service_changelist",
    "admin:clinic_user_changelist",
]


@pytest.mark.parametrize("name", CHANGELISTS)
def test_changelist_query_count_does_not_grow_with_rows(admin_client_, populated, name):
    url = reverse(name)
    with CaptureQueriesContext(connection) as small:
        admin_client_.get(url)
    service = ServiceFactory()
    more = [bookable_therapist(service) for _ in range(3)]
    start = timezone.now() + timedelta(days=5)
    for i, t in enumerate(more):
        AppointmentFactory(therapist=t, service=service, start=start + timedelta(hours=i))
        TimeOff.objects.create(therapist=t, start=start + timedelta(days=1), end=start + timedelta(days=2))
    with CaptureQueriesContext(connection) as big:
        assert admin_client_.get(url).status_code == 200
    assert len(big.captured_queries) == len(small.captured_queries)


def test_licence_expiring_within_60_days_is_flagged(admin_client_):
    service = ServiceFactory()
    therapist = bookable_therapist(service)
    Licence.objects.filter(therapist=therapist).delete()
    LicenceFactory(therapist=therapist, expires_on=timezone.localdate() + timedelta(days=20))
    body = admin_client_.get(reverse("admin:clinic_therapist_changelist")).content.decode()
    assert "expires in 20 days" in body
    listing = admin_client_.get(reverse("admin:clinic_licence_changelist"), {"expiry": "60"}).content.decode()
    assert "expires in 20 days" in listing


def test_time_off_over_appointments_warns_and_lists_them_before_saving(admin_client_):
    service = ServiceFactory()
    therapist = bookable_therapist(service)
    start = datetime(2030, 6, 3, 10, 0, tzinfo=LONDON)
    AppointmentFactory(therapist=therapist, service=service, start=start)
    data = {
        "therapist": therapist.pk,
        "start_0": "2030-06-03",
        "start_1": "09:00",
        "end_0": "2030-06-03",
        "end_1": "12:00",
        "reason": "Course",
    }
    resp = admin_client_.post(reverse("admin:bookings_timeoff_add"), data)
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "overlaps 1 active appointment" in body
    assert "Mon 03 Jun 10:00" in body
    assert 'value="Course"' in body
    assert not TimeOff.objects.exists()
    resp = admin_client_.post(reverse("admin:bookings_timeoff_add"), {**data, "confirm_overlap": "on"})
    assert resp.status_code == 302
    assert TimeOff.objects.count() == 1


def test_time_off_ending_before_it_starts_is_refused_with_a_message(admin_client_):
    therapist = bookable_therapist(ServiceFactory())
    data = {
        "therapist": therapist.pk,
        "start_0": "2030-06-03",
        "start_1": "12:00",
        "end_0": "2030-06-03",
        "end_1": "09:00",
    }
    resp = admin_client_.post(reverse("admin:bookings_timeoff_add"), data)
    assert resp.status_code == 200
    assert "The end must be after the start" in resp.content.decode()


def test_week_view_shows_hours_time_off_and_appointments(admin_client_):
    service = ServiceFactory()
    therapist = bookable_therapist(service, weekdays=[0])
    AppointmentFactory(therapist=therapist, service=service, start=datetime(2030, 6, 3, 10, 0, tzinfo=LONDON))
    TimeOff.objects.create(
        therapist=therapist,
        start=datetime(2030, 6, 4, 9, 0, tzinfo=LONDON),
        end=datetime(2030, 6, 4, 12, 0, tzinfo=LONDON),
        reason="Dentist",
    )
    url = reverse("admin:clinic_therapist_week", args=[therapist.pk])
    body = admin_client_.get(url, {"start": "2030-06-05"}).content.decode()
    assert "Hours 09:00–17:00" in body
    assert "10:00–11:00" in body
    assert "Dentist" in body
    change = admin_client_.get(reverse("admin:clinic_therapist_change", args=[therapist.pk])).content.decode()
    assert url in change


def test_week_view_is_closed_to_non_admin_staff(client):
    therapist = bookable_therapist(ServiceFactory())
    client.force_login(front_desk_user())
    resp = client.get(reverse("admin:clinic_therapist_week", args=[therapist.pk]))
    assert resp.status_code == 302


def test_admin_cancel_action_goes_through_the_booking_service(
    admin_client_, django_capture_on_commit_callbacks
):
    service = ServiceFactory()
    therapist = bookable_therapist(service)
    appt = AppointmentFactory(therapist=therapist, service=service, start=timezone.now() + timedelta(hours=2))
    done = AppointmentFactory(
        therapist=therapist,
        service=service,
        start=timezone.now() + timedelta(days=3),
        status=Status.CANCELLED,
    )
    with django_capture_on_commit_callbacks(execute=True):
        resp = admin_client_.post(
            reverse("admin:bookings_appointment_changelist"),
            {"action": "cancel_selected", "_selected_action": [appt.pk, done.pk]},
            follow=True,
        )
    appt.refresh_from_db()
    assert appt.status == Status.CANCELLED
    assert appt.sequence == 1
    assert len(mail.outbox) == 1
    assert "cannot become cancelled" in resp.content.decode()


def test_week_view_is_forbidden_to_staff_without_the_view_permission(client):
    therapist = bookable_therapist(ServiceFactory())
    client.force_login(UserFactory(is_staff=True))
    resp = client.get(reverse("admin:clinic_therapist_week", args=[therapist.pk]))
    assert resp.status_code == 403


def test_the_cancel_action_is_offered_only_to_appointment_staff(client):
    AppointmentFactory(start=timezone.now() + timedelta(days=2))
    client.force_login(therapist_user(is_staff=True))
    resp = client.get(reverse("admin:bookings_appointment_changelist"))
    assert resp.status_code == 200
    assert "cancel_selected" not in resp.content.decode()
