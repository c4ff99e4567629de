"""Every change to an appointment, and to the hours, time off, closures and services it rests on, is on
the change trail with its actor; free-text reasons are masked."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from auditlog.models import LogEntry
from django.urls import reverse

from bookings import services
from bookings.models import Appointment, Closure, Status, TimeOff, WeeklyHours
from bookings.tasks import complete_visit
from clinic.audit.trail import MASK, SYSTEM, acting_as
from clinic.tests.factories import UserFactory, clinic_admin_user, front_desk_user

from .factories import AppointmentFactory
from .fixtures import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def entries_for(obj) -> list[LogEntry]:
    return list(LogEntry.objects.get_for_object(obj).order_by("pk"))


def last_status_change(appointment) -> LogEntry:
    return [e for e in entries_for(appointment) if "status" in e.changes_dict][-1]


def hold(patient, service, therapist, start=None, **kw) -> Appointment:
    return services.appointment_book(
        patient=patient, service=service, therapist=therapist, start=start or at(3, 10), **kw
    )


def test_a_hold_is_recorded_with_its_patient_as_actor_and_about_them(service, therapist):
    patient = UserFactory()
    appointment = hold(patient, service, therapist, idempotency_key="retry-123")
    created = entries_for(appointment)[0]
    assert created.action == LogEntry.Action.CREATE
    assert created.actor == patient
    assert created.additional_data == {"patient": patient.pk}
    assert created.changes_dict["status"] == ["None", "held"]
    assert "idempotency_key" not in created.changes_dict
    # Named by kind and id, not by its text.
    assert created.object_repr == f"appointment {appointment.pk}"


def test_a_booking_made_by_the_front_desk_names_the_front_desk(service, therapist):
    desk = front_desk_user()
    appointment = hold(UserFactory(), service, therapist, booked_by=desk)
    assert entries_for(appointment)[0].actor == desk


@pytest.mark.parametrize("to", [Status.CONFIRMED, Status.DECLINED])
def test_confirm_and_decline_record_who_did_it(service, therapist, to):
    appointment = AppointmentFactory(
        therapist=therapist, service=service, status=Status.PENDING_REVIEW, start=at(3, 10)
    )
    reviewer = clinic_admin_user()
    if to == Status.CONFIRMED:
        services.appointment_confirm(appointment=appointment, by=reviewer)
    else:
        services.appointment_decline(
            appointment=appointment, by=reviewer, reason="Referred to a GP: sciatica"
        )
    entry = last_status_change(appointment)
    assert entry.actor == reviewer
    assert entry.changes_dict["status"] == ["pending_review", to]


def test_a_cancellation_records_its_actor_and_masks_the_reason(service, therapist):
    appointment = AppointmentFactory(
        therapist=therapist, service=service, status=Status.CONFIRMED, start=at(3, 10)
    )
    desk = front_desk_user()
    services.appointment_cancel(
        appointment=appointment, by=desk, reason="Patient in hospital with a slipped disc"
    )
    entry = last_status_change(appointment)
    assert entry.actor == desk
    assert entry.changes_dict["status"] == ["confirmed", "cancelled"]
    assert entry.changes_dict["cancel_reason"] == [MASK, MASK]
    assert "slipped disc" not in str(entry.changes) + entry.changes_text + entry.object_repr


@pytest.mark.parametrize("to", [Status.COMPLETED, Status.NO_SHOW])
def test_completed_and_no_show_record_the_therapist(service, therapist, frozen_now, to):
    appointment = AppointmentFactory(
        therapist=therapist, service=service, status=Status.CONFIRMED, start=frozen_now - timedelta(hours=2)
    )
    services.appointment_mark(appointment=appointment, to=to, by=therapist.user)
    entry = last_status_change(appointment)
    assert entry.actor == therapist.user
    assert entry.changes_dict["status"] == ["confirmed", to]


def test_a_reschedule_records_who_moved_it_and_the_new_time(service, therapist):
    patient = UserFactory()
    appointment = hold(patient, service, therapist)
    services.appointment_confirm(appointment=appointment, by=patient)
    desk = front_desk_user()
    services.appointment_reschedule(appointment=appointment, start=at(4, 9), by=desk)
    moved = [e for e in entries_for(appointment) if "start" in e.changes_dict][-1]
    assert moved.actor == desk
    assert moved.changes_dict["start"] == ["2026-06-03 09:00:00", "2026-06-04 08:00:00"]  # UTC


def test_the_patient_s_own_cancel_on_the_page_names_the_patient(client, service, therapist):
    patient = UserFactory()
    appointment = AppointmentFactory(
        patient=patient, therapist=therapist, service=service, status=Status.CONFIRMED, start=at(3, 10)
    )
    client.force_login(patient)
    response = client.post(
        reverse("bookings:appointment-cancel", args=[appointment.pk]), REMOTE_ADDR="192.0.2.44"
    )
    assert response.status_code == 302
    entry = last_status_change(appointment)
    assert entry.actor == patient
    assert entry.remote_addr == "192.0.2.44"


def test_an_expired_hold_is_recorded_with_the_system_as_actor(service, therapist, frozen_now):
    first = hold(UserFactory(), service, therapist)
    with time_machine.travel(frozen_now + timedelta(hours=1), tick=False):
        hold(UserFactory(), service, therapist, start=at(3, 14))
    first.refresh_from_db()
    assert first.status == Status.EXPIRED
    expired = last_status_change(first)
    assert expired.changes_dict["status"] == ["held", "expired"]
    assert expired.actor is None
    assert expired.actor_email == SYSTEM
    assert expired.additional_data == {"patient": first.patient_id}


def test_a_background_task_acts_as_the_system_whoever_enqueued_it(
    client, service, therapist, frozen_now, django_capture_on_commit_callbacks
):
    appointment = AppointmentFactory(
        therapist=therapist, service=service, status=Status.CONFIRMED, start=frozen_now - timedelta(hours=3)
    )
    desk = front_desk_user()
    with acting_as(desk), django_capture_on_commit_callbacks(execute=True):
        complete_visit.enqueue(appointment.pk)
        after = AppointmentFactory(therapist=therapist, service=service, start=at(5, 10))
    completed = last_status_change(appointment)
    assert completed.changes_dict["status"] == ["confirmed", "completed"]
    assert completed.actor is None and completed.actor_email == SYSTEM
    assert entries_for(after)[0].actor == desk  # the enqueuer's actor again once the task is done


def test_renewing_a_hold_is_recorded(service, therapist, frozen_now):
    patient = UserFactory()
    appointment = hold(patient, service, therapist)
    with time_machine.travel(frozen_now + timedelta(minutes=5), tick=False):
        assert services.appointment_extend_hold(appointment=appointment)
    renewed = entries_for(appointment)[-1]
    assert list(renewed.changes_dict) == ["hold_expires_at"]
    assert renewed.changes_dict["hold_expires_at"][1] == "2026-06-01 07:20:00"


def test_hours_time_off_and_closures_changed_in_the_admin_record_the_admin(client, therapist):
    admin_user = clinic_admin_user()
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:bookings_timeoff_add"),
        {
            "therapist": therapist.pk,
            "start_0": "2026-07-01",
            "start_1": "09:00",
            "end_0": "2026-07-02",
            "end_1": "17:00",
            "reason": "Knee surgery",
        },
    )
    assert response.status_code == 302
    time_off = TimeOff.objects.get(therapist=therapist)
    created = entries_for(time_off)[0]
    assert created.actor == admin_user
    assert created.changes_dict["reason"] == [MASK, MASK]
    assert "Knee" not in str(created.changes)

    response = client.post(
        reverse("admin:bookings_closure_add"),
        {"first_day": "2026-12-25", "last_day": "2026-12-26", "reason": "Christmas"},
    )
    assert response.status_code == 302
    closure = Closure.objects.get(reason="Christmas")
    assert entries_for(closure)[0].actor == admin_user

    hours = WeeklyHours.objects.filter(therapist=therapist).first()
    response = client.post(
        reverse("admin:bookings_weeklyhours_change", args=[hours.pk]),
        {"therapist": therapist.pk, "weekday": hours.weekday, "start_time": "10:00", "end_time": "17:00"},
    )
    assert response.status_code == 302
    changed = entries_for(hours)[-1]
    assert changed.actor == admin_user
    assert changed.changes_dict["start_time"] == ["09:00:00", "10:00:00"]


def test_the_therapists_of_a_service_are_recorded_as_they_change(service, therapist, other_therapist):
    admin_user = clinic_admin_user()
    with acting_as(admin_user):
        service.therapists.remove(other_therapist)
    entry = entries_for(service)[-1]
    assert entry.actor == admin_user
    assert entry.changes_dict["therapists"]["operation"] == "delete"
    assert entry.changes_dict["therapists"]["objects"] == ["Omar Reyes"]
