"""Clinical free text is normalised and bounded by the forms and by the services themselves; a case
takes at most MAX_LETTERS_PER_APPOINTMENT clearance letters."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from bookings.models import Status
from intake.care.forms import PlanForm
from intake.care.services import PlanError, PlanItemData, plan_assign
from intake.models import (
    DECISION_NOTE_MAX_LENGTH,
    OVERRIDE_REASON_MAX_LENGTH,
    PLAN_NOTE_MAX_LENGTH,
    ClearanceLetter,
    Decision,
    HomeCarePlan,
    Intake,
    ReviewDecision,
)
from intake.questionnaire.services import IntakeError, intake_save_step, intake_start
from intake.review.forms import DecisionForm
from intake.review.letters import MAX_LETTERS_PER_APPOINTMENT, clearance_letter_upload
from intake.review.services import ReviewError, review_decide
from techniques.models import Technique

from .plan_fixtures import at, book, screen
from .review_fixtures import PDF, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def decide(case, note: str, decision: str = Decision.CLEARED) -> ReviewDecision:
    return review_decide(
        result=case,
        decision=decision,
        note=note,
        by=case.appointment.therapist.user,
        expected_last_decision_id=None,
    )


# --- review decisions --------------------------------------------------------------------------------


@pytest.mark.parametrize("note", ["\u200b", "\u202e\u200d\ufeff", " \x00 \u2066\u2069 "])
def test_a_decision_note_of_invisible_characters_only_is_refused_by_the_service(case, note):
    with pytest.raises(ReviewError) as exc:
        decide(case, note)
    assert exc.value.code == "note_required"
    assert not ReviewDecision.objects.exists()


def test_a_decision_note_of_a_zero_width_space_is_required_on_the_form(case):
    form = DecisionForm(data={"decision": Decision.CLEARED, "note": "\u200b"})
    assert not form.is_valid()
    assert form.has_error("note", code="required")


def test_a_decision_note_is_stored_without_bidi_overrides(case):
    made = decide(case, "Cleared\u202e: checked\u200b with GP\x00")
    assert made.note == "Cleared: checked with GP"


def test_a_decision_note_over_the_limit_is_refused_by_the_service(case):
    with pytest.raises(ReviewError) as exc:
        decide(case, "x" * (DECISION_NOTE_MAX_LENGTH + 1))
    assert exc.value.code == "note_too_long"


def test_the_database_refuses_an_overlong_decision_note(case):
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewDecision.objects.create(
            result=case,
            decision=Decision.CLEARED,
            note="x" * (DECISION_NOTE_MAX_LENGTH + 1),
            decided_by=case.appointment.therapist.user,
        )


# --- home-care plans -----------------------------------------------------------------------------------


@pytest.fixture
def session(service, therapist, sam):
    appointment = book(therapist, sam, case_start(), service=service, status=Status.COMPLETED)
    screen(appointment, ruled_out={"pregnancy": ["BALL"]})
    return appointment


def case_start():
    return at(1, 7)


def test_a_plan_note_of_100000_characters_is_refused_by_the_form():
    form = PlanForm(data={"note": "x" * 100_000})
    assert not form.is_valid()
    assert form.has_error("note", code="max_length")


def test_a_plan_note_of_100000_characters_is_refused_by_the_service(session, therapist):
    items = [PlanItemData(technique=Technique.objects.get(code="SUP"), frequency="daily")]
    with pytest.raises(PlanError) as exc:
        plan_assign(appointment=session, by=therapist.user, note="x" * 100_000, items=items)
    assert exc.value.code == "note_too_long"
    assert not HomeCarePlan.objects.exists()


def test_an_overlong_override_reason_is_refused_by_the_service(session, therapist):
    items = [
        PlanItemData(
            technique=Technique.objects.get(code="BALL"),
            frequency="daily",
            override_reason="x" * (OVERRIDE_REASON_MAX_LENGTH + 1),
        )
    ]
    with pytest.raises(PlanError) as exc:
        plan_assign(appointment=session, by=therapist.user, note="", items=items)
    assert exc.value.code == "override_reason_too_long"


def test_an_invisible_override_reason_does_not_count_as_a_reason(session, therapist):
    items = [
        PlanItemData(
            technique=Technique.objects.get(code="BALL"), frequency="daily", override_reason="\u200b"
        )
    ]
    with pytest.raises(PlanError) as exc:
        plan_assign(appointment=session, by=therapist.user, note="", items=items)
    assert exc.value.code == "override_reason_required"


def test_plan_text_is_stored_normalised(session, therapist):
    items = [
        PlanItemData(
            technique=Technique.objects.get(code="SUP"),
            frequency="\u202etwice\u200b a day",
            note="Slowly\x00",
        )
    ]
    plan = plan_assign(appointment=session, by=therapist.user, note="Gently\u2066 now", items=items)
    assert plan.note == "Gently now"
    item = plan.items.get()
    assert (item.frequency, item.note) == ("twice a day", "Slowly")


def test_the_database_refuses_an_overlong_plan_note(session, therapist):
    with pytest.raises(IntegrityError), transaction.atomic():
        HomeCarePlan.objects.create(
            patient=session.patient, therapist=therapist, note="x" * (PLAN_NOTE_MAX_LENGTH + 1)
        )


# --- the intake's answers --------------------------------------------------------------------------


def test_intake_answers_are_stored_normalised(sam):
    intake = intake_save_step(
        patient=sam, step=0, answers={"legal_name": "Sam\u202e Taylor\u200b", "pain_regions": ["hip\x00"]}
    )
    assert intake.answers["legal_name"] == "Sam Taylor"
    assert intake.answers["pain_regions"] == ["hip"]


def test_an_overlong_intake_answer_is_refused_by_the_service(sam):
    with pytest.raises(IntakeError) as exc:
        intake_save_step(patient=sam, step=0, answers={"main_complaint": "x" * 100_000})
    assert exc.value.code == "answer_too_long"
    assert not Intake.objects.exclude(answers={}).exists()


def test_intake_text_fields_count_invisible_characters_as_empty(client, sam):
    client.force_login(sam)
    intake_start(patient=sam)
    resp = client.post(reverse("intake:step", args=[0]), {"legal_name": "\u200b\u202e", "phone": "\u200b"})
    assert resp.status_code == 400
    form = resp.context["form"]
    assert form.has_error("legal_name", code="required")


# --- clearance letters -------------------------------------------------------------------------------


def test_a_case_takes_at_most_the_letter_cap(case, sam):
    review_decide(
        result=case,
        decision=Decision.NEEDS_CLEARANCE,
        note="Ask the GP.",
        by=case.appointment.therapist.user,
        expected_last_decision_id=None,
    )
    appointment = case.appointment
    for _ in range(MAX_LETTERS_PER_APPOINTMENT):
        clearance_letter_upload(appointment=appointment, file=upload(PDF), by=sam)
    with pytest.raises(ReviewError) as exc:
        clearance_letter_upload(appointment=appointment, file=upload(PDF), by=sam)
    assert exc.value.code == "too_many_letters"
    assert ClearanceLetter.objects.count() == MAX_LETTERS_PER_APPOINTMENT


def test_the_letter_cap_is_shown_on_the_patients_page(client, case, sam):
    review_decide(
        result=case,
        decision=Decision.NEEDS_CLEARANCE,
        note="Ask the GP.",
        by=case.appointment.therapist.user,
        expected_last_decision_id=None,
    )
    client.force_login(sam)
    url = reverse("intake:review-clearance-upload", args=[case.appointment.pk])
    for _ in range(MAX_LETTERS_PER_APPOINTMENT):
        assert client.post(url, {"letter": upload(PDF)}).status_code == 302
    resp = client.post(url, {"letter": upload(PDF)})
    assert resp.status_code == 400
    assert resp.context["form"].has_error("letter", code="too_many_letters")
