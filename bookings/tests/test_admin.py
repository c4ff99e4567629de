from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.db.models.fields.files import FieldFile
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.models import Status, TimeOff, WeeklyHours
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


# Only superusers open these: which browsers each person is logged in with, and from which address.
SUPERUSER_ONLY = {"admin:usersessions_usersession"}


@pytest.mark.parametrize("name", sorted(model_urls()))
def test_every_admin_changelist_and_add_page_loads(admin_client_, populated, name, settings):
    settings.DEBUG = False
    expected = 403 if name in SUPERUSER_ONLY else 200
    assert admin_client_.get(reverse(f"{name}_changelist")).status_code == expected
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
    assert "falls on 1 active appointment" in body
    assert "Mon 03 Jun 10:00" in body
    assert 'value="Course"' in body
    assert not TimeOff.objects.exists()
    resp = admin_client_.post(reverse("admin:bookings_timeoff_add"), {**data, "on_appointments": "keep"})
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


# --- weekly hours: plain-language refusals, no overlaps -----------------------------------------------


def hours_data(therapist, weekday=0, start="09:00", end="17:00", valid_from="", valid_to=""):
    return {
        "therapist": therapist.pk,
        "weekday": weekday,
        "start_time": start,
        "end_time": end,
        "valid_from": valid_from,
        "valid_to": valid_to,
    }


def test_hours_that_end_before_they_start_are_refused_in_plain_words(admin_client_):
    therapist = bookable_therapist(ServiceFactory(), weekdays=[])
    resp = admin_client_.post(
        reverse("admin:bookings_weeklyhours_add"), hours_data(therapist, start="17:00", end="09:00")
    )
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "The hours must end after they start." in body
    assert "weekly_hours_end_after_start" not in body
    assert not WeeklyHours.objects.exists()


def test_overlapping_weekly_hours_are_refused_with_a_message(admin_client_):
    therapist = bookable_therapist(ServiceFactory(), weekdays=[0], start=time(9), end=time(13))
    resp = admin_client_.post(
        reverse("admin:bookings_weeklyhours_add"), hours_data(therapist, start="12:00", end="18:00")
    )
    assert resp.status_code == 200
    assert "These hours overlap Monday 09:00–13:00" in resp.content.decode()
    assert WeeklyHours.objects.filter(therapist=therapist).count() == 1


@pytest.mark.parametrize(
    "window",
    [
        {"start": "13:00", "end": "18:00"},  # right after: half-open windows touch, they do not overlap
        {"weekday": 1, "start": "12:00", "end": "18:00"},  # another weekday
        {"start": "12:00", "end": "18:00", "valid_from": "2030-01-01"},  # another rota period
    ],
)
def test_weekly_hours_that_do_not_overlap_are_saved(admin_client_, window):
    therapist = bookable_therapist(ServiceFactory(), weekdays=[0], start=time(9), end=time(13))
    WeeklyHours.objects.filter(therapist=therapist).update(valid_to=date(2029, 12, 31))
    if "valid_from" not in window:
        WeeklyHours.objects.filter(therapist=therapist).update(valid_to=None)
    resp = admin_client_.post(reverse("admin:bookings_weeklyhours_add"), hours_data(therapist, **window))
    assert resp.status_code == 302
    assert WeeklyHours.objects.filter(therapist=therapist).count() == 2


def test_editing_hours_does_not_count_them_as_overlapping_themselves(admin_client_):
    therapist = bookable_therapist(ServiceFactory(), weekdays=[0], start=time(9), end=time(13))
    hours = WeeklyHours.objects.get(therapist=therapist)
    resp = admin_client_.post(
        reverse("admin:bookings_weeklyhours_change", args=[hours.pk]),
        hours_data(therapist, start="10:00", end="14:00"),
    )
    assert resp.status_code == 302
    hours.refresh_from_db()
    assert hours.start_time == time(10)


def _change_form_data(resp) -> dict:
    """The POST data of an admin change page as it was rendered, inline formsets included."""

    def posted(value):
        if isinstance(value, FieldFile):  # a file is uploaded or kept, never posted as a value
            return ""
        if isinstance(value, time):
            return value.strftime("%H:%M")
        if isinstance(value, date):
            return value.isoformat()
        return "" if value is None else value

    form = resp.context["adminform"].form
    data = {name: posted(form[name].value()) for name in form.fields}
    for inline in resp.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data.update({management.add_prefix(n): management[n].value() for n in management.fields})
        for sub in formset.initial_forms:
            data.update({sub.add_prefix(n): posted(sub[n].value()) for n in sub.fields})
    return {k: v for k, v in data.items() if v is not False}


def test_the_therapist_page_refuses_two_new_overlapping_rows_with_a_message(admin_client_):
    therapist = bookable_therapist(ServiceFactory(), weekdays=[])
    url = reverse("admin:clinic_therapist_change", args=[therapist.pk])
    data = _change_form_data(admin_client_.get(url))
    rows = [("09:00", "13:00"), ("12:00", "17:00")]
    for i, (start, end) in enumerate(rows):
        data.update({f"weekly_hours-{i}-weekday": 2, f"weekly_hours-{i}-start_time": start})
        data.update({f"weekly_hours-{i}-end_time": end, f"weekly_hours-{i}-therapist": therapist.pk})
    data["weekly_hours-TOTAL_FORMS"] = len(rows)
    resp = admin_client_.post(url, data)
    assert resp.status_code == 200
    assert "overlap" in resp.content.decode()
    assert not WeeklyHours.objects.filter(therapist=therapist).exists()


def test_the_therapist_page_refuses_a_new_row_over_saved_hours(admin_client_):
    therapist = bookable_therapist(ServiceFactory(), weekdays=[2], start=time(9), end=time(13))
    url = reverse("admin:clinic_therapist_change", args=[therapist.pk])
    data = _change_form_data(admin_client_.get(url))
    data.update({"weekly_hours-1-weekday": 2, "weekly_hours-1-start_time": "12:00"})
    data.update({"weekly_hours-1-end_time": "17:00", "weekly_hours-1-therapist": therapist.pk})
    data["weekly_hours-TOTAL_FORMS"] = 2
    resp = admin_client_.post(url, data)
    assert resp.status_code == 200
    assert "These hours overlap Wednesday 09:00–13:00" in resp.content.decode()
    assert WeeklyHours.objects.filter(therapist=therapist).count() == 1


def test_overlapping_weekly_hours_are_refused_by_postgresql_itself():
    """On PostgreSQL an exclusion constraint has the final word; SQLite relies on the admin's check
    inside its IMMEDIATE transaction, so the raw insert goes through there."""
    therapist = bookable_therapist(ServiceFactory(), weekdays=[0], start=time(9), end=time(13))
    overlapping = {"therapist": therapist, "weekday": 0, "start_time": time(12), "end_time": time(18)}
    if connection.vendor == "postgresql":
        with pytest.raises(IntegrityError), transaction.atomic():
            WeeklyHours.objects.create(**overlapping)
    else:
        WeeklyHours.objects.create(**overlapping)
    WeeklyHours.objects.create(**{**overlapping, "start_time": time(13)})  # touching is fine everywhere


OUR_APPS = {"clinic", "bookings", "intake", "techniques"}


def _editable_models(request):
    for model, model_admin in admin.site._registry.items():
        if model_admin.has_add_permission(request) or model_admin.has_change_permission(request):
            yield model
            for inline in model_admin.get_inline_instances(request):
                yield inline.model


def test_every_constraint_the_admin_can_hit_has_a_plain_language_message(rf):
    request = rf.get("/admin/")
    request.user = clinic_admin_user()
    request.user.is_superuser = True
    missing = sorted(
        f"{model.__name__}: {constraint.name}"
        for model in set(_editable_models(request))
        if model._meta.app_label in OUR_APPS
        for constraint in model._meta.constraints
        if constraint.violation_error_message == constraint.default_violation_error_message
    )
    assert missing == []
