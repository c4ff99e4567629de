"""Every change to the clinical record is on the change trail with its actor, and no health value (nor a
name the patient typed) is ever stored in it: each test writes distinctive text and then searches every
entry for it."""

from __future__ import annotations

import json

import pytest
import time_machine
from auditlog.models import LogEntry
from django.urls import reverse

from bookings import services as booking_services
from bookings.models import Status
from clinic.audit.trail import MASK, SYSTEM, acting_as
from clinic.tests.factories import UserFactory, clinic_admin_user
from intake.care.services import PlanItemData, plan_assign
from intake.models import (
    CheckIn,
    ClearanceLetter,
    Decision,
    HomeCarePlan,
    Intake,
    PlanItem,
    ReviewDecision,
    RuleSet,
    ScreeningResult,
    ScreeningRule,
    StaffAlert,
)
from intake.questionnaire.services import check_in_submit
from intake.review import alerts
from intake.review.deadlines import review_deadlines_run
from intake.review.services import review_decide
from intake.screening import services as screening_services
from intake.screening.rules import screening_rule_save
from techniques.models import Technique

from .plan_fixtures import book, screen
from .questionnaire.steps import clear_steps
from .review_fixtures import PDF, at, hours_before, submitted_intake, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def entries(model, pk=None) -> list[LogEntry]:
    found = LogEntry.objects.get_for_model(model).order_by("pk")
    return list(found.filter(object_pk=str(pk)) if pk is not None else found)


def trail_text() -> str:
    """Everything the change trail stores, as one text to search."""
    return "\n".join(
        json.dumps([e.changes, e.changes_text, e.object_repr, e.additional_data, e.serialized_data])
        for e in LogEntry.objects.all()
    )


def assert_not_on_the_trail(*secrets: str) -> None:
    text = trail_text()
    for secret in secrets:
        assert secret not in text


def hold(patient, service, therapist, start=None):
    return booking_services.appointment_book(
        patient=patient, service=service, therapist=therapist, start=start or at(3, 10)
    )


def fill_intake(client, appointment, steps):
    for index, data in enumerate(steps):
        response = client.post(
            f"/intake/step/{index}/?appointment={appointment.pk}", {**data, "appointment": appointment.pk}
        )
        assert response.status_code == 302, (index, response.content.decode()[:2000])
    return client.post(f"/intake/check/?appointment={appointment.pk}", {"appointment": appointment.pk})


def test_the_health_form_and_its_screening_are_recorded_with_the_patient_and_masked(
    client, service, therapist, django_capture_on_commit_callbacks
):
    patient = UserFactory(first_name="Quentin", last_name="Zephyrine", email="qz@example.org")
    appointment = hold(patient, service, therapist)
    client.force_login(patient)
    steps = clear_steps(
        first="Quentin",
        last="Zephyrine",
        main_complaint="Zanzibar-ache in my left hip",
        herniated_disc="yes",
        doctor_name="Dr Oberwaldhausen",
    )
    with django_capture_on_commit_callbacks(execute=True):
        fill_intake(client, appointment, steps)
    appointment.refresh_from_db()
    assert appointment.status == Status.PENDING_REVIEW

    intake = Intake.objects.get(patient=patient)
    intake_entries = entries(Intake, intake.pk)
    assert intake_entries and all(e.actor == patient for e in intake_entries)
    assert all(e.additional_data == {"patient": patient.pk} for e in intake_entries)
    assert intake_entries[0].changes_dict["answers"] == [MASK, MASK]
    sent = intake_entries[-1].changes_dict
    assert sent["status"] == ["draft", "submitted"]
    assert sent["signature_name"] == [MASK, MASK]

    (result_entry,) = entries(ScreeningResult, appointment.screening.pk)
    assert result_entry.actor == patient
    for field in ("outcome", "flags", "techniques_ruled_out"):
        assert result_entry.changes_dict[field] == [MASK, MASK]
    to_review = [e for e in entries(type(appointment), appointment.pk) if "status" in e.changes_dict][-1]
    assert to_review.changes_dict["status"] == ["held", "pending_review"]
    assert to_review.actor == patient

    assert_not_on_the_trail(
        "Zanzibar", "Oberwaldhausen", "Zephyrine", "herniated", "COB", "1985-04-12", "+44 7700"
    )


def test_a_check_in_is_recorded_with_its_answers_masked(service, therapist):
    patient = UserFactory()
    intake = submitted_intake(patient)
    appointment = hold(patient, service, therapist)
    with acting_as(patient):
        check_in_submit(appointment=appointment, intake=intake, health_changed=False, unwell_today=True)
    check_in = CheckIn.objects.get(appointment=appointment)
    (created,) = entries(CheckIn, check_in.pk)
    assert created.actor == patient
    assert created.changes_dict["unwell_today"] == [MASK, MASK]
    assert created.changes_dict["health_changed"] == [MASK, MASK]


def test_a_review_decision_names_the_reviewer_and_masks_the_note(client, case, therapist):
    client.force_login(therapist.user)
    response = client.post(
        reverse("intake:review-case", args=[case.pk]),
        {
            "decision": Decision.CLEARED_WITH_RESTRICTIONS,
            "note": "Quasimodo-grade disc: keep it gentle",
            "restricted_techniques": ["COB"],
            "expected_last_decision": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    decision = ReviewDecision.objects.get(result=case)
    (created,) = entries(ReviewDecision, decision.pk)
    assert created.actor == therapist.user
    assert created.changes_dict["decision"] == ["None", Decision.CLEARED_WITH_RESTRICTIONS]
    assert created.changes_dict["note"] == [MASK, MASK]
    assert created.changes_dict["restricted_techniques"] == [MASK, MASK]
    assert created.additional_data == {"patient": case.appointment.patient_id}
    confirmed = [
        e for e in entries(type(case.appointment), case.appointment_id) if "status" in e.changes_dict
    ][-1]
    assert confirmed.changes_dict["status"] == ["pending_review", "confirmed"]
    assert confirmed.actor == therapist.user
    assert_not_on_the_trail("Quasimodo")


def test_a_clearance_letter_is_recorded_without_its_file_name(client, case, sam):
    review_decide(
        result=case,
        decision=Decision.NEEDS_CLEARANCE,
        note="Ask the GP.",
        by=case.appointment.therapist.user,
        expected_last_decision_id=None,
    )
    client.force_login(sam)
    response = client.post(
        reverse("intake:review-clearance-upload", args=[case.appointment_id]),
        {"letter": upload(PDF, name="oncology-xylophage-letter.pdf")},
    )
    assert response.status_code == 302
    letter = ClearanceLetter.objects.get(appointment=case.appointment)
    (created,) = entries(ClearanceLetter, letter.pk)
    assert created.actor == sam
    assert created.changes_dict["original_name"] == [MASK, MASK]
    assert created.changes_dict["file"] == [MASK, MASK]
    assert_not_on_the_trail("xylophage", "oncology", letter.file.name)


def test_a_home_care_plan_and_its_items_are_recorded_with_notes_masked(patient, service, therapist):
    appointment = book(therapist, patient, at(1, 7), service=service, status=Status.COMPLETED)
    screen(appointment, ruled_out={"herniated_disc": ["COB"]})
    plan = plan_assign(
        appointment=appointment,
        by=therapist.user,
        note="Vorticella routine for the sore hip",
        items=[
            PlanItemData(
                technique=Technique.objects.get(code="COB"),
                frequency="daily",
                note="Gently",
                override_reason="Walrus-approved by GP",
            ),
            PlanItemData(technique=Technique.objects.get(code="CHD"), frequency="twice a day"),
        ],
    )
    (plan_entry,) = entries(HomeCarePlan, plan.pk)
    assert plan_entry.actor == therapist.user
    assert plan_entry.changes_dict["note"] == [MASK, MASK]
    items = PlanItem.objects.filter(plan=plan)
    item_entries = [e for item in items for e in entries(PlanItem, item.pk)]
    assert len(item_entries) == 2
    assert all(e.actor == therapist.user and e.action == LogEntry.Action.CREATE for e in item_entries)
    assert all(e.additional_data == {"patient": patient.pk} for e in item_entries)
    assert_not_on_the_trail("Vorticella", "Walrus")


def test_a_rule_edit_is_recorded_in_its_own_words_with_the_admin(db):
    admin_user = clinic_admin_user()
    rule = ScreeningRule.objects.get(key="knee")
    rule.staff_action = "Offer standing alternatives"
    version = screening_rule_save(rule=rule, by=admin_user)
    change = entries(ScreeningRule, rule.pk)[-1]
    assert change.actor == admin_user
    assert change.changes_dict["staff_action"][1] == "Offer standing alternatives"
    (new_version,) = entries(RuleSet, version.pk)
    assert new_version.actor == admin_user
    assert "snapshot" not in new_version.changes_dict


def test_review_deadlines_are_recorded_as_the_system(case, django_capture_on_commit_callbacks):
    with (
        time_machine.travel(hours_before(case.appointment, 24), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        review_deadlines_run()
    escalated = entries(ScreeningResult, case.pk)[-1]
    assert list(escalated.changes_dict) == ["escalated_at"]
    assert escalated.actor is None and escalated.actor_email == SYSTEM
    (alert,) = StaffAlert.objects.filter(appointment=case.appointment)
    (raised,) = entries(StaffAlert, alert.pk)
    assert raised.actor_email == SYSTEM
    assert raised.changes_dict["message"] == [MASK, MASK]

    with (
        time_machine.travel(case.appointment.start, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        review_deadlines_run()
    released = [
        e for e in entries(type(case.appointment), case.appointment_id) if "status" in e.changes_dict
    ][-1]
    assert released.changes_dict["status"] == ["pending_review", "declined"]
    assert released.actor is None and released.actor_email == SYSTEM


def test_an_urgent_alert_and_its_acknowledgement_are_recorded_masked(service, therapist):
    sam = UserFactory(first_name="Sam", last_name="Umbriel")
    appointment = hold(sam, service, therapist)
    screening_services.appointment_screen(
        appointment=appointment, intake=submitted_intake(sam, saddle_numbness=True)
    )
    alert = StaffAlert.objects.get(appointment=appointment)
    admin_user = clinic_admin_user()
    alerts.alert_acknowledge(alert=alert, by=admin_user, note="Phoned; advised Ulanbator A&E")
    raised, acknowledged = entries(StaffAlert, alert.pk)
    assert raised.changes_dict["kind"] == [MASK, MASK]
    assert acknowledged.actor == admin_user
    assert acknowledged.changes_dict["note"] == [MASK, MASK]
    assert acknowledged.object_repr == f"staff alert {alert.pk}"
    assert_not_on_the_trail("Umbriel", "Ulanbator", "Urgent screening", "urgent")
