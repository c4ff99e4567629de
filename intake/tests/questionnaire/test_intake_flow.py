import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Appointment, Status
from bookings.tests.factories import bookable_therapist
from bookings.tests.fixtures import LONDON
from clinic.tests.factories import UserFactory, clinic_admin_user, front_desk_user
from intake.models import CheckIn, Intake, Outcome, ScreeningResult, ScreeningRule, StaffAlert
from intake.questionnaire import services as intake_services

from .steps import clear_steps

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def at(day, hour):
    return datetime(2026, 6, day, hour, 0, tzinfo=LONDON)


@pytest.fixture
def patient():
    return UserFactory(first_name="Sam", last_name="Taylor", email="sam@example.org")


def hold(patient, service, therapist, start=None):
    return booking_services.appointment_book(
        patient=patient, service=service, therapist=therapist, start=start or at(3, 10)
    )


def fill_intake(client, appointment, steps):
    for index, data in enumerate(steps):
        resp = client.post(
            f"/intake/step/{index}/?appointment={appointment.pk}", {**data, "appointment": appointment.pk}
        )
        assert resp.status_code == 302, (index, resp.content.decode()[:3000])
    return client.post(f"/intake/check/?appointment={appointment.pk}", {"appointment": appointment.pk})


def test_after_holding_a_slot_a_new_patient_is_sent_to_the_first_step(client, patient, service, therapist):
    appointment = hold(patient, service, therapist)
    client.force_login(patient)
    resp = client.get(f"/intake/appointment/{appointment.pk}/")
    assert resp.status_code == 302
    assert resp["Location"] == f"/intake/step/0/?appointment={appointment.pk}"


def test_clear_intake_confirms_the_booking(
    client, patient, service, therapist, django_capture_on_commit_callbacks
):
    appointment = hold(patient, service, therapist)
    client.force_login(patient)
    with django_capture_on_commit_callbacks(execute=True):
        resp = fill_intake(client, appointment, clear_steps())
    assert resp["Location"] == f"/intake/appointment/{appointment.pk}/result/"
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED
    result = ScreeningResult.objects.get(appointment=appointment)
    assert result.outcome == Outcome.CLEAR
    assert result.rule_set.version >= 1
    intake = Intake.objects.get(patient=patient)
    assert intake.status == Intake.Status.SUBMITTED
    assert intake.signature_name == "Sam Taylor"
    assert intake.signed_at is not None
    assert len(mail.outbox) == 1  # the confirmation
    assert "You are booked" in client.get(resp["Location"]).content.decode()


def test_herniated_disc_gives_pending_review(client, patient, service, therapist):
    appointment = hold(patient, service, therapist)
    client.force_login(patient)
    fill_intake(client, appointment, clear_steps(herniated_disc="yes"))
    appointment.refresh_from_db()
    assert appointment.status == Status.PENDING_REVIEW
    result = appointment.screening
    assert result.outcome == Outcome.REVIEW
    assert {"COB", "SLL", "MAN"} <= set(result.techniques_ruled_out)


def test_aneurysm_gives_pending_review_needing_clearance(client, patient, service, therapist):
    appointment = hold(patient, service, therapist)
    client.force_login(patient)
    resp = fill_intake(client, appointment, clear_steps(aneurysm="yes"))
    appointment.refresh_from_db()
    assert appointment.status == Status.PENDING_REVIEW
    assert appointment.screening.outcome == Outcome.BLOCKED
    page = client.get(resp["Location"]).content.decode()
    assert "note from your doctor" in page


def test_saddle_numbness_refuses_the_booking_and_alerts_staff(
    client, patient, service, therapist, django_capture_on_commit_callbacks
):
    admin = clinic_admin_user(email="boss@example.org")
    appointment = hold(patient, service, therapist)
    client.force_login(patient)
    with django_capture_on_commit_callbacks(execute=True):
        resp = fill_intake(client, appointment, clear_steps(saddle_numbness="yes"))
    appointment.refresh_from_db()
    assert appointment.status == Status.REFUSED
    assert appointment.screening.outcome == Outcome.URGENT
    assert StaffAlert.objects.filter(appointment=appointment).count() == 1
    alert = [m for m in mail.outbox if "URGENT" in m.subject]
    # One email each (one outbox row per recipient), to the clinic admin and the therapist.
    assert sorted(address for m in alert for address in m.to) == sorted([admin.email, therapist.user.email])
    assert all("saddle" not in m.body.lower() for m in alert)  # no health details in email
    page = client.get(resp["Location"]).content.decode()
    assert "Please get medical care today" in page
    # The slot is free again.
    assert hold(UserFactory(), service, therapist).status == Status.HELD


def test_leaving_and_coming_back_loses_nothing(client, patient, service, therapist):
    appointment = hold(patient, service, therapist)
    client.force_login(patient)
    steps = clear_steps()
    client.post(f"/intake/step/0/?appointment={appointment.pk}", steps[0])
    resp = client.post(f"/intake/step/1/?appointment={appointment.pk}", {**steps[1], "save_and_leave": "1"})
    assert resp["Location"] == "/intake/"
    client.logout()
    client.force_login(patient)
    page = client.get(f"/intake/step/1/?appointment={appointment.pk}").content.decode()
    assert "Stiff lower back after long days at my desk." in page
    assert 'value="12/04/1985"' in client.get("/intake/step/0/").content.decode()  # shown day first


def test_saving_a_step_extends_the_hold(client, patient, service, therapist, frozen_now):
    appointment = hold(patient, service, therapist)
    client.force_login(patient)
    with time_machine.travel(frozen_now + timedelta(minutes=10), tick=False):
        client.post(f"/intake/step/0/?appointment={appointment.pk}", clear_steps()[0])
    appointment.refresh_from_db()
    assert appointment.hold_expires_at == frozen_now + timedelta(minutes=25)


def test_steps_cannot_be_skipped(client, patient):
    client.force_login(patient)
    resp = client.get("/intake/step/4/")
    assert resp.status_code == 302
    assert resp["Location"] == "/intake/step/0/"


@pytest.mark.parametrize(
    ("step", "change", "field", "message"),
    [
        (0, {"legal_name": ""}, "legal_name", "This field is required"),
        (0, {"date_of_birth": "2030-01-01"}, "date_of_birth", "in the future"),
        (0, {"date_of_birth": "31/31/1990"}, "date_of_birth", "Please enter a real date as day/month/year"),
        (0, {"date_of_birth": "1990-02-30"}, "date_of_birth", "Please enter a real date as day/month/year"),
        (0, {"date_of_birth": "11/21/1990"}, "date_of_birth", "Please enter a real date as day/month/year"),
        (0, {"phone": "call me"}, "phone", "phone number"),
        (0, {"legal_name": "x" * 201}, "legal_name", "at most 200 characters"),
        (1, {"pain_now": "11"}, "pain_now", "Please choose a number from 0 to 10"),
        (1, {"pain_now": "abc"}, "pain_now", "Please choose a number from 0 to 10"),
        (1, {"pain_now": "-1"}, "pain_now", "Please choose a number from 0 to 10"),
        (1, {"pain_best": "9", "pain_worst": "6"}, "pain_best", "best can&#x27;t be higher"),
        (1, {"pain_onset_date": "2030-01-01"}, "pain_onset_date", "cannot be in the future"),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_keeps_the_rest(
    client, patient, step, change, field, message
):
    client.force_login(patient)
    steps = clear_steps()
    for i in range(step):
        client.post(f"/intake/step/{i}/", steps[i])
    data = {**steps[step], **change}
    resp = client.post(f"/intake/step/{step}/", data)
    assert resp.status_code == 400
    body = resp.content.decode()
    assert message in body
    beside_field = re.search(rf'id="error_1_id_{field}"[^>]*>(.*?)</p>', body, re.DOTALL)
    assert beside_field, f"no error shown beside {field}"
    assert message in beside_field.group(1)
    kept = next(k for k in data if k != field and isinstance(data[k], str) and data[k] and k not in change)
    assert data[kept] in body  # what else the patient typed is still there


def test_yes_no_questions_have_no_answer_preselected(client, patient):
    client.force_login(patient)
    steps = clear_steps()
    client.post("/intake/step/0/", steps[0])
    client.post("/intake/step/1/", steps[1])
    body = client.get("/intake/step/2/").content.decode()
    assert 'name="saddle_numbness"' in body
    assert "checked" not in body


def test_missing_health_answer_is_refused(client, patient):
    client.force_login(patient)
    steps = clear_steps()
    client.post("/intake/step/0/", steps[0])
    client.post("/intake/step/1/", steps[1])
    data = dict(steps[2])
    del data["systemic"]
    resp = client.post("/intake/step/2/", data)
    assert resp.status_code == 400
    assert "This field is required" in resp.content.decode()


def test_follow_up_is_required_when_parent_is_yes_and_dropped_when_no(client, patient):
    client.force_login(patient)
    steps = clear_steps()
    client.post("/intake/step/0/", steps[0])
    client.post("/intake/step/1/", steps[1])
    resp = client.post("/intake/step/2/", {**steps[2], "injury": "yes"})
    assert resp.status_code == 400
    assert "Please answer this too" in resp.content.decode()
    resp = client.post("/intake/step/2/", {**steps[2], "injury": "no", "injury_date": "2026-05-01"})
    assert resp.status_code == 302
    assert Intake.objects.get(patient=patient).answers["injury_date"] is None


def test_signature_must_match_the_account_name(client, patient):
    client.force_login(patient)
    steps = clear_steps()
    for i in range(6):
        client.post(f"/intake/step/{i}/", steps[i])
    resp = client.post("/intake/step/6/", {**steps[6], "signature_name": "Someone Else"})
    assert resp.status_code == 400
    assert "exactly as on your account: Sam Taylor" in resp.content.decode()


def test_under_18_needs_a_guardian_name_and_signature(client):
    teen = UserFactory(first_name="Kim", last_name="Lee")
    client.force_login(teen)
    steps = clear_steps(first="Kim", last="Lee")
    steps[0]["date_of_birth"] = "2012-01-01"
    resp = client.post("/intake/step/0/", steps[0])
    assert resp.status_code == 400
    assert "under 18 need a parent or guardian" in resp.content.decode()
    client.post("/intake/step/0/", {**steps[0], "guardian_name": "Jo Lee"})
    for i in range(1, 6):
        client.post(f"/intake/step/{i}/", steps[i])
    resp = client.post("/intake/step/6/", steps[6])
    assert resp.status_code == 400
    assert "Jo Lee" in resp.content.decode()
    assert client.post("/intake/step/6/", {**steps[6], "guardian_signature": "Jo Lee"}).status_code == 302


def test_check_answers_with_missing_steps_cannot_be_sent(client, patient):
    client.force_login(patient)
    client.post("/intake/step/0/", clear_steps()[0])
    resp = client.post("/intake/check/")
    assert resp.status_code == 200
    assert "not complete" in resp.content.decode()
    assert Intake.objects.get(patient=patient).status == Intake.Status.DRAFT


def submit_full_intake(client, patient, service, therapist, **overrides):
    appointment = hold(patient, service, therapist)
    client.force_login(patient)
    fill_intake(client, appointment, clear_steps(**overrides))
    appointment.refresh_from_db()
    return appointment


def test_returning_patient_with_valid_intake_sees_only_the_check_in(client, patient, service, therapist):
    submit_full_intake(client, patient, service, therapist)
    second = hold(patient, service, therapist, start=at(10, 10))
    resp = client.get(f"/intake/appointment/{second.pk}/")
    assert resp["Location"] == f"/intake/appointment/{second.pk}/check-in/"
    resp = client.post(resp["Location"], {"health_changed": "no", "unwell_today": "no"})
    assert resp["Location"] == f"/intake/appointment/{second.pk}/result/"
    second.refresh_from_db()
    assert second.status == Status.CONFIRMED
    assert CheckIn.objects.get(appointment=second).unwell_today is False
    assert Intake.objects.filter(patient=patient).count() == 1


def test_unwell_at_check_in_holds_the_visit_for_review(client, patient, service, therapist):
    submit_full_intake(client, patient, service, therapist)
    second = hold(patient, service, therapist, start=at(10, 10))
    client.post(f"/intake/appointment/{second.pk}/check-in/", {"health_changed": "no", "unwell_today": "yes"})
    second.refresh_from_db()
    assert second.status == Status.PENDING_REVIEW
    assert second.screening.outcome == Outcome.BLOCKED


def test_health_changed_at_check_in_reopens_the_full_form_prefilled(client, patient, service, therapist):
    submit_full_intake(client, patient, service, therapist)
    second = hold(patient, service, therapist, start=at(10, 10))
    resp = client.post(
        f"/intake/appointment/{second.pk}/check-in/", {"health_changed": "yes", "unwell_today": "no"}
    )
    assert resp["Location"] == f"/intake/step/0/?appointment={second.pk}"
    assert Intake.objects.filter(patient=patient, status=Intake.Status.DRAFT).count() == 1
    assert "12/04/1985" in client.get(resp["Location"]).content.decode()  # the saved date, day first


def test_check_in_with_no_answer_is_refused_with_a_message(client, patient, service, therapist):
    submit_full_intake(client, patient, service, therapist)
    second = hold(patient, service, therapist, start=at(10, 10))
    resp = client.post(f"/intake/appointment/{second.pk}/check-in/", {"health_changed": "no"})
    assert resp.status_code == 400
    assert "This field is required" in resp.content.decode()


def test_intake_older_than_validity_needs_a_new_full_form(client, patient, service, therapist):
    submit_full_intake(client, patient, service, therapist)
    Intake.objects.filter(patient=patient).update(submitted_at=at(3, 10) - timedelta(days=400))
    second = hold(patient, service, therapist, start=at(10, 10))
    resp = client.get(f"/intake/appointment/{second.pk}/")
    assert resp["Location"].startswith("/intake/step/")


def test_time_windows_are_rescreened_against_each_appointments_date(client, patient, service, therapist):
    # Surgery on 1 May: 33 days before 3 June (absolute), but 8 days past the 6-week window by 20 June.
    first = submit_full_intake(
        client, patient, service, therapist, abdominal_surgery="yes", abdominal_surgery_date="2026-05-01"
    )
    assert first.screening.outcome == Outcome.BLOCKED
    later = hold(patient, service, therapist, start=at(20, 10))
    client.post(f"/intake/appointment/{later.pk}/check-in/", {"health_changed": "no", "unwell_today": "no"})
    later.refresh_from_db()
    assert later.screening.outcome == Outcome.REVIEW


def test_rule_edited_in_admin_changes_the_next_screening_and_not_an_old_one(
    client, patient, service, therapist
):
    first = submit_full_intake(client, patient, service, therapist, knee="yes")
    assert first.screening.outcome == Outcome.REVIEW
    old_version = first.screening.rule_set.version
    admin = clinic_admin_user()
    client.force_login(admin)
    rule = ScreeningRule.objects.get(key="knee")
    data = {k: v for k, v in model_to_dict(rule).items() if v is not None}
    data["severity"] = "info"
    resp = client.post(reverse("admin:intake_screeningrule_change", args=[rule.pk]), data)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    client.force_login(patient)
    second = hold(patient, service, therapist, start=at(10, 10))
    client.post(f"/intake/appointment/{second.pk}/check-in/", {"health_changed": "no", "unwell_today": "no"})
    second.refresh_from_db()
    assert second.screening.outcome == Outcome.CLEAR
    assert second.screening.rule_set.version == old_version + 1
    first.screening.refresh_from_db()
    assert first.screening.outcome == Outcome.REVIEW
    assert first.screening.rule_set.version == old_version
    snapshot = {r["key"]: r for r in first.screening.rule_set.snapshot}
    assert snapshot["knee"]["severity"] == "relative"


def test_front_desk_sees_the_outcome_but_not_the_answers(client, patient, service, therapist):
    appointment = submit_full_intake(client, patient, service, therapist, herniated_disc="yes")
    client.force_login(front_desk_user())
    assert client.get(f"/staff/patients/{patient.pk}/intake/").status_code == 404
    page = client.get(f"/appointments/{appointment.pk}/").content.decode()
    assert "Therapist review" in page
    assert "herniated" not in page.lower()


def test_therapist_of_the_appointment_and_admin_can_read_answers_another_therapist_cannot(
    client, patient, service, therapist
):
    submit_full_intake(client, patient, service, therapist, herniated_disc="yes")
    url = f"/staff/patients/{patient.pk}/intake/"
    client.force_login(therapist.user)
    assert "Stiff lower back" in client.get(url).content.decode()
    client.force_login(bookable_therapist(service).user)
    assert client.get(url).status_code == 404
    client.force_login(clinic_admin_user())
    assert client.get(url).status_code == 200
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


def test_another_patients_appointment_cannot_be_used_for_an_intake(client, patient, service, therapist):
    appointment = hold(UserFactory(), service, therapist)
    client.force_login(patient)
    assert client.get(f"/intake/appointment/{appointment.pk}/").status_code == 404
    assert client.get(f"/intake/step/0/?appointment={appointment.pk}").status_code == 404
    assert client.get("/intake/step/0/?appointment=abc").status_code == 404
    assert client.get(f"/intake/appointment/{appointment.pk}/check-in/").status_code == 404


def test_lapsed_hold_keeps_the_intake_and_asks_for_a_new_time(
    client, patient, service, therapist, frozen_now
):
    appointment = hold(patient, service, therapist)
    client.force_login(patient)
    steps = clear_steps()
    for i, data in enumerate(steps):
        client.post(f"/intake/step/{i}/?appointment={appointment.pk}", data)
    with time_machine.travel(frozen_now + timedelta(minutes=30), tick=False):
        resp = client.post(f"/intake/check/?appointment={appointment.pk}", {"appointment": appointment.pk})
    assert resp["Location"] == f"/book/{service.slug}/"
    assert Intake.objects.get(patient=patient).status == Intake.Status.SUBMITTED
    assert not Appointment.objects.filter(pk=appointment.pk, status=Status.CONFIRMED).exists()


def test_admin_refuses_a_rule_the_engine_cannot_judge(client):
    client.force_login(clinic_admin_user())
    rule = ScreeningRule.objects.get(key="aneurysm_risk")
    data = {k: v for k, v in model_to_dict(rule).items() if v is not None}
    data["computed"] = "no_such_computation"
    resp = client.post(reverse("admin:intake_screeningrule_change", args=[rule.pk]), data)
    assert resp.status_code == 200
    assert "unknown computation" in resp.content.decode()
    rule.refresh_from_db()
    assert rule.computed == "aneurysm_risk"


def test_pending_review_pages_link_to_the_review_status(client, patient, service, therapist):
    appointment = submit_full_intake(client, patient, service, therapist, aneurysm="yes")
    status_url = f"/appointments/{appointment.pk}/review-status/"
    assert status_url in client.get(f"/intake/appointment/{appointment.pk}/result/").content.decode()
    assert status_url in client.get(f"/appointments/{appointment.pk}/").content.decode()
    assert client.get(status_url).status_code == 200


def test_check_in_after_the_hold_lapsed_asks_for_a_new_time_and_keeps_the_answers(
    client, patient, service, therapist, frozen_now
):
    submit_full_intake(client, patient, service, therapist)
    second = hold(patient, service, therapist, start=at(10, 10))
    with time_machine.travel(frozen_now + timedelta(minutes=20), tick=False):
        resp = client.post(
            f"/intake/appointment/{second.pk}/check-in/", {"health_changed": "no", "unwell_today": "yes"}
        )
        assert resp.status_code == 302
        assert resp["Location"] == f"/book/{service.slug}/"
        assert "held time lapsed" in client.get(resp["Location"]).content.decode()
        second.refresh_from_db()
        assert second.status == Status.HELD  # never confirmed, and no longer blocking anyone
        assert not CheckIn.objects.filter(appointment=second).exists()
        third = hold(patient, service, therapist, start=at(11, 10))
        page = client.get(f"/intake/appointment/{third.pk}/check-in/").content.decode()
    checked = set(re.findall(r'<input[^>]*name="(\w+)" value="(yes|no)"[^>]*checked', page))
    assert checked == {("health_changed", "no"), ("unwell_today", "yes")}


def test_an_expired_hold_is_not_shown_as_held_nor_offered_to_move_or_cancel(
    client, patient, service, therapist, frozen_now
):
    appointment = hold(patient, service, therapist)
    client.force_login(patient)
    with time_machine.travel(frozen_now + timedelta(minutes=20), tick=False):
        listing = client.get("/appointments/").content.decode()
        detail = client.get(f"/appointments/{appointment.pk}/").content.decode()
    assert "Held (booking not finished)" not in listing
    assert "You have no upcoming appointments." in listing
    assert "Held (booking not finished)" not in detail
    assert "lapsed" in detail
    assert "Move to another time" not in detail
    assert "Cancel this appointment" not in detail
    assert "Answer the health questions" not in detail


def test_resuming_the_form_from_my_health_form_keeps_the_appointment(client, patient, service, therapist):
    appointment = hold(patient, service, therapist)
    client.force_login(patient)
    client.post(f"/intake/step/0/?appointment={appointment.pk}", {**clear_steps()[0], "save_and_leave": "1"})
    page = client.get("/intake/").content.decode()
    assert f'href="/intake/step/1/?appointment={appointment.pk}"' in page


def test_sending_the_form_and_screening_the_booking_is_one_transaction(
    client, patient, service, therapist, monkeypatch
):
    appointment = hold(patient, service, therapist)
    client.force_login(patient)
    for index, data in enumerate(clear_steps()):
        client.post(f"/intake/step/{index}/?appointment={appointment.pk}", data)

    def broken_screen(**kwargs):
        raise RuntimeError("screening failed")

    monkeypatch.setattr(intake_services, "appointment_screen", broken_screen)
    draft = intake_services.intake_for_editing(patient=patient)
    with pytest.raises(RuntimeError):
        intake_services.intake_send(intake=draft, user=patient, appointment=appointment)
    assert Intake.objects.get(patient=patient).status == Intake.Status.DRAFT  # nothing half-sent


def test_opening_the_form_writes_nothing(client, patient, service, therapist):
    appointment = hold(patient, service, therapist)
    client.force_login(patient)
    assert client.get(f"/intake/appointment/{appointment.pk}/").status_code == 302
    assert client.get(f"/intake/step/0/?appointment={appointment.pk}").status_code == 200
    assert client.get(f"/intake/check/?appointment={appointment.pk}").status_code == 200
    assert not Intake.objects.exists()
    client.post(f"/intake/step/0/?appointment={appointment.pk}", clear_steps()[0])
    assert Intake.objects.get(patient=patient).step == 1


def test_a_step_saved_after_another_tab_sent_the_form_says_so_and_keeps_the_typed_answers(
    client, patient, monkeypatch
):
    """The draft is found, then another tab sends it before this save takes the row lock."""
    client.force_login(patient)
    steps = clear_steps()
    client.post(reverse("intake:step", args=[0]), steps[0])
    draft = Intake.objects.get(patient=patient)
    real_start = intake_services.intake_start

    def start_then_sent_elsewhere(*, patient):
        found = real_start(patient=patient)
        Intake.objects.filter(pk=found.pk).update(
            status=Intake.Status.SUBMITTED, submitted_at=timezone.now(), signature_name="Sam Taylor"
        )
        return found

    monkeypatch.setattr(intake_services, "intake_start", start_then_sent_elsewhere)
    resp = client.post(reverse("intake:step", args=[1]), steps[1])

    assert resp.status_code == 400  # refused on the page, like any other refused step, never a 500
    assert "already sent" in resp.content.decode()
    assert "Stiff lower back after long days at my desk." in resp.content.decode()
    draft.refresh_from_db()
    assert "main_complaint" not in draft.answers
