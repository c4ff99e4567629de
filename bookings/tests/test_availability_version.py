"""The availability version: every write that can change availability raises it in its own transaction
(database triggers, migration 0007), whichever path makes the write; a rolled-back write does not.

On PostgreSQL the triggers fire at commit. A test here runs inside a transaction that never commits,
so `committed_version()` first runs the deferred triggers as a commit would (SET CONSTRAINTS ALL
IMMEDIATE), then reads the version. The transactional tests at the end commit for real.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.db import connection, transaction
from django.forms.models import model_to_dict
from django.urls import reverse

from bookings import absences, services
from bookings.models import Appointment, AvailabilityVersion, Closure, Service, Status, TimeOff, WeeklyHours
from bookings.tasks import complete_visit
from clinic.models import ClinicPolicy, Licence, LicenceType, Therapist
from clinic.tests.factories import UserFactory, clinic_admin_user, front_desk_user

from .factories import AppointmentFactory, LicenceFactory, ServiceFactory, bookable_therapist
from .fixtures import NOW, at

pytestmark = pytest.mark.django_db


def committed_version() -> int:
    connection.check_constraints()  # PostgreSQL: the deferred triggers fire here, as at a commit
    return AvailabilityVersion.current()[0]


@pytest.fixture
def world(frozen_now, service, therapist, client):
    desk = front_desk_user()
    admin = clinic_admin_user()
    client.force_login(admin)
    return {
        "service": service,
        "therapist": therapist,
        "desk": desk,
        "admin": admin,
        "admin_client": client,
        "held": AppointmentFactory(
            therapist=therapist,
            service=service,
            start=at(3, 10),
            status=Status.HELD,
            hold_expires_at=NOW + timedelta(minutes=15),
        ),
        "confirmed": AppointmentFactory(therapist=therapist, service=service, start=at(3, 14)),
        "past": AppointmentFactory(therapist=therapist, service=service, start=at(1, 6)),
        "stale": AppointmentFactory(
            therapist=therapist,
            service=service,
            start=at(4, 10),
            status=Status.HELD,
            hold_expires_at=NOW - timedelta(minutes=1),
        ),
    }


def admin_post(w, url: str, data: dict) -> None:
    response = w["admin_client"].post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]


def admin_change(w, obj, **changes) -> None:
    data = {k: v for k, v in model_to_dict(obj).items() if v is not None}
    for field, value in data.items():
        if isinstance(value, list):
            data[field] = [item.pk for item in value]
    data.update(changes)
    opts = obj._meta
    admin_post(w, reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]), data)


# Every path that writes what the availability engine reads: services, admin pages, tasks, bulk updates.
WRITE_PATHS = {
    "hold a slot": lambda w: services.appointment_book(
        patient=UserFactory(), service=w["service"], therapist=w["therapist"], start=at(5, 10)
    ),
    "front desk books for review": lambda w: services.appointment_book_for_review(
        patient=UserFactory(), service=w["service"], therapist=w["therapist"], start=at(5, 11), by=w["desk"]
    ),
    "confirm a hold": lambda w: services.appointment_confirm(appointment=w["held"], notify=False),
    "hold for review": lambda w: services.appointment_hold_for_review(appointment=w["held"]),
    "refuse": lambda w: services.appointment_refuse(appointment=w["confirmed"]),
    "cancel": lambda w: services.appointment_cancel(appointment=w["confirmed"], by=w["desk"]),
    "move": lambda w: services.appointment_reschedule(
        appointment=w["confirmed"], start=at(5, 9), by=w["desk"]
    ),
    "renew a hold": lambda w: services.appointment_extend_hold(appointment=w["held"]),
    "expire stale holds (bulk)": lambda w: services.appointments_expire_stale_holds(),
    "therapist marks a no-show": lambda w: services.appointment_mark(
        appointment=w["past"], to=Status.NO_SHOW, by=w["therapist"].user
    ),
    "completed by the task": lambda w: complete_visit.call(w["past"].pk),
    "queryset update of statuses": lambda w: Appointment.objects.filter(pk=w["held"].pk).update(
        status=Status.CANCELLED
    ),
    "appointment deleted": lambda w: Appointment.objects.filter(pk=w["stale"].pk).delete(),
    "admin cancels selected appointments": lambda w: admin_post(
        w,
        reverse("admin:bookings_appointment_changelist"),
        {"action": "cancel_selected", "_selected_action": [w["confirmed"].pk]},
    ),
    "weekly hours added": lambda w: WeeklyHours.objects.create(
        therapist=w["therapist"], weekday=0, start_time=time(18), end_time=time(20)
    ),
    "weekly hours changed": lambda w: WeeklyHours.objects.filter(therapist=w["therapist"], weekday=2).update(
        end_time=time(16)
    ),
    "weekly hours deleted in the admin (bulk action)": lambda w: admin_post(
        w,
        reverse("admin:bookings_weeklyhours_changelist"),
        {
            "action": "delete_selected",
            "post": "yes",
            "_selected_action": list(WeeklyHours.objects.values_list("pk", flat=True)[:2]),
        },
    ),
    "time off saved": lambda w: absences.time_off_save(
        time_off=TimeOff(therapist=w["therapist"], start=at(8, 9), end=at(8, 12)),
        by=w["admin"],
        cancel_appointments=False,
    ),
    "time off added in the admin": lambda w: admin_post(
        w,
        reverse("admin:bookings_timeoff_add"),
        {
            "therapist": w["therapist"].pk,
            "start_0": "2026-06-09",
            "start_1": "09:00",
            "end_0": "2026-06-09",
            "end_1": "12:00",
            "reason": "Course",
        },
    ),
    "closure saved, cancelling": lambda w: absences.closure_save(
        closure=Closure(first_day=date(2026, 6, 3), last_day=date(2026, 6, 3), reason="Flood"),
        by=w["admin"],
        cancel_appointments=True,
    ),
    "closure added in the admin": lambda w: admin_post(
        w,
        reverse("admin:bookings_closure_add"),
        {"first_day": "2026-06-10", "last_day": "2026-06-10", "reason": "Training"},
    ),
    "closure deleted in the admin": lambda w: admin_post(
        w,
        reverse(
            "admin:bookings_closure_delete",
            args=[
                Closure.objects.create(first_day=date(2026, 7, 1), last_day=date(2026, 7, 1), reason="X").pk
            ],
        ),
        {"post": "yes"},
    ),
    "policy changed in the admin": lambda w: admin_change(
        w, ClinicPolicy.objects.get_or_create(pk=1)[0], min_notice_hours=2
    ),
    "service changed in the admin": lambda w: admin_change(w, w["service"], buffer_minutes=30),
    "therapist taken off a service": lambda w: w["service"].therapists.remove(w["therapist"]),
    "therapist added to a service": lambda w: ServiceFactory().therapists.add(w["therapist"]),
    "service's licence types changed": lambda w: w["service"].licence_types.set([]),
    "new service": lambda w: ServiceFactory(),
    "therapist made inactive": lambda w: Therapist.objects.filter(pk=w["therapist"].pk).update(active=False),
    "therapist renamed": lambda w: Therapist.objects.filter(pk=w["therapist"].pk).update(
        display_name="P. S."
    ),
    "new bookable therapist": lambda w: bookable_therapist(w["service"]),
    "licence expires earlier": lambda w: Licence.objects.filter(therapist=w["therapist"]).update(
        expires_on=date(2026, 6, 2)
    ),
    "licence deleted": lambda w: Licence.objects.filter(therapist=w["therapist"]).delete(),
    "licence added": lambda w: LicenceFactory(therapist=w["therapist"]),
    "licence type recoded": lambda w: LicenceType.objects.filter(code="osteopath").update(code="osteo"),
}


@pytest.mark.parametrize("path", WRITE_PATHS)
def test_every_write_that_changes_availability_raises_the_version(world, path):
    before = committed_version()
    WRITE_PATHS[path](world)
    assert committed_version() > before


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda w: UserFactory(), id="a new account"),
        pytest.param(
            lambda w: Appointment.objects.filter(pk=w["confirmed"].pk).update(cancel_reason="x", sequence=9),
            id="an appointment's reason and calendar sequence",
        ),
        pytest.param(
            lambda w: Service.objects.filter(pk=w["service"].pk).values_list("pk").first(), id="a read"
        ),
    ],
)
def test_writes_that_cannot_change_availability_leave_the_version(world, write):
    before = committed_version()
    write(world)
    assert committed_version() == before


AVAILABILITY_MODELS = [
    Appointment,
    WeeklyHours,
    TimeOff,
    Closure,
    Service,
    Service.therapists.through,
    Service.licence_types.through,
    ClinicPolicy,
    Therapist,
    Licence,
    LicenceType,
]


def test_every_table_the_engine_reads_has_the_trigger():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT event_object_table FROM information_schema.triggers "
                "WHERE trigger_name = 'bookings_availability_bump'"
            )
        else:
            cursor.execute(
                "SELECT DISTINCT tbl_name FROM sqlite_master "
                "WHERE type = 'trigger' AND name LIKE 'bookings_availability_bump_%'"
            )
        tables = {row[0] for row in cursor.fetchall()}
    assert tables == {model._meta.db_table for model in AVAILABILITY_MODELS}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_committed_booking_raises_the_version_and_its_time(service, therapist, frozen_now):
    version, changed_at = AvailabilityVersion.current()
    services.appointment_book(patient=UserFactory(), service=service, therapist=therapist, start=at(3, 10))
    new_version, new_changed_at = AvailabilityVersion.current()
    assert new_version > version
    assert new_changed_at is not None
    assert changed_at is None or new_changed_at >= changed_at


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rolled_back_write_leaves_the_version(service, therapist):
    before = AvailabilityVersion.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        WeeklyHours.objects.create(therapist=therapist, weekday=0, start_time=time(18), end_time=time(20))
        Closure.objects.create(first_day=date(2026, 6, 10), last_day=date(2026, 6, 10), reason="Training")
        raise RuntimeError("changed my mind")
    assert AvailabilityVersion.current() == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_refused_booking_leaves_the_version(service, therapist, frozen_now):
    services.appointment_book(patient=UserFactory(), service=service, therapist=therapist, start=at(3, 10))
    before = AvailabilityVersion.current()
    with pytest.raises(services.BookingError):
        services.appointment_book(
            patient=UserFactory(), service=service, therapist=therapist, start=at(3, 10)
        )
    assert AvailabilityVersion.current() == before
