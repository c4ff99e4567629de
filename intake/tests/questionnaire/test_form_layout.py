"""The health form reads well: pain as a labelled 0-10 scale, British dates, the yes/no questions in
short groups under headings, and a check-your-answers page with only what was asked and working
"change" links. Layout only: the answers stored, and so screening, are as before."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.utils import formats
from django.utils.html import escape

from bookings import services as booking_services
from bookings.tests.fixtures import at
from clinic.tests.factories import UserFactory
from intake.models import Intake
from intake.questionnaire import questions as q
from intake.questionnaire.forms import DATE_INPUT_FORMATS, HealthConditionsForm, HealthWarningSignsForm
from intake.screening.rules import question_wording

from .steps import clear_steps

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def patient(client):
    user = UserFactory(first_name="Sam", last_name="Taylor")
    client.force_login(user)
    return user


def answer_steps(client, steps, upto: int) -> None:
    for i in range(upto):
        assert client.post(f"/intake/step/{i}/", steps[i]).status_code == 302


def saved(patient) -> dict:
    return Intake.objects.get(patient=patient).answers


# --- 7. pain as a 0-10 scale ------------------------------------------------------------------------


def test_pain_is_asked_as_eleven_labelled_radio_buttons_in_a_fieldset(client, patient):
    answer_steps(client, clear_steps(), 1)
    body = client.get("/intake/step/1/").content.decode()
    scale = re.search(r'<fieldset class="pain-scale".*?</fieldset>', body, re.S).group(0)
    assert "<legend" in scale and "Pain right now" in scale
    values = re.findall(
        r'type="radio" class="btn-check" name="pain_now" id="id_pain_now_\d+" value="(\d+)"', scale
    )
    assert values == [str(n) for n in range(11)]
    assert "(no pain)" in scale and "(worst imaginable)" in scale
    assert 'type="number"' not in body


def test_a_pain_score_is_stored_as_a_number_and_shown_checked_again(client, patient):
    steps = clear_steps()
    answer_steps(client, steps, 2)
    assert (saved(patient)["pain_now"], saved(patient)["pain_worst"]) == (3, 6)
    body = client.get("/intake/step/1/").content.decode()
    assert 'id="id_pain_now_3" value="3" checked' in body
    assert 'id="id_pain_now_4" value="4" checked' not in body


def test_an_unanswered_pain_score_is_a_message_beside_it_and_keeps_the_rest(client, patient):
    steps = clear_steps()
    answer_steps(client, steps, 1)
    data = {k: v for k, v in steps[1].items() if k != "pain_worst"}
    body = client.post("/intake/step/1/", data).content.decode()
    assert re.search(r'id="error_1_id_pain_worst"[^>]*>This field is required', body)
    assert "Stiff lower back" in body


# --- 8. British dates -------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["12/04/1985", "1985-04-12", "12 April 1985", "12 Apr 1985"])
def test_a_date_is_accepted_day_first_or_iso(client, patient, typed):
    steps = clear_steps()
    steps[0]["date_of_birth"] = typed
    answer_steps(client, steps, 1)
    assert saved(patient)["date_of_birth"] == "1985-04-12"


def test_a_saved_date_is_shown_day_first_in_the_field_and_in_words_on_the_check_page(client, patient):
    answer_steps(client, clear_steps(), 7)
    step = client.get("/intake/step/0/").content.decode()
    assert 'value="12/04/1985"' in step
    assert "for example 21/11/2026" in step
    check = client.get("/intake/check/").content.decode()
    assert "12 April 1985" in check and "1 September 2025" in check


def test_an_american_or_impossible_date_is_refused_with_the_format_to_use(client, patient):
    steps = clear_steps()
    steps[0]["date_of_birth"] = "04/31/1985"
    body = client.post("/intake/step/0/", steps[0]).content.decode()
    assert "Please enter a real date as day/month/year, for example 21/11/2026." in body
    assert 'value="04/31/1985"' in body  # what was typed stays


def test_the_site_writes_dates_in_british_words(settings):
    assert formats.get_format("DATE_INPUT_FORMATS")[0] == "%d/%m/%Y"
    assert DATE_INPUT_FORMATS[0] == "%d/%m/%Y"
    assert formats.date_format(date(2026, 11, 21)) == "21 November 2026"


# --- 10. the yes/no questions in short groups -------------------------------------------------------


@pytest.mark.parametrize(
    ("form_class", "questions"),
    [(HealthWarningSignsForm, q.RED_FLAGS), (HealthConditionsForm, (*q.CONDITIONS, q.UNWELL_TODAY))],
)
def test_every_question_of_a_health_step_is_in_one_short_group_with_its_follow_ups(form_class, questions):
    grouped = [key for _, keys in form_class.groups for key in keys]
    assert sorted(grouped) == sorted(x.key for x in questions)  # each once, none left out
    group_of = {key: heading for heading, keys in form_class.groups for key in keys}
    for question in questions:
        if question.parent:
            assert group_of[question.key] == group_of[question.parent]
    for heading, keys in form_class.groups:
        top_level = [key for key in keys if not q.BY_KEY[key].parent]
        assert 1 <= len(top_level) <= 6, heading


def test_the_health_steps_show_their_questions_under_headings(client, patient):
    answer_steps(client, clear_steps(), 3)
    body = client.get("/intake/step/3/").content.decode()
    headings = re.findall(r'<h2 class="h5 question-group-heading" id="group-\d+">([^<]*)</h2>', body)
    assert headings == [heading for heading, _ in HealthConditionsForm.groups]
    bones = body[body.index(">Bones and joints<") : body.index(">Spine, nerves and circulation<")]
    assert 'name="osteoporosis"' in bones and 'name="pregnant"' not in bones


def test_grouping_keeps_the_stored_answers_as_before(client, patient):
    steps = clear_steps(pregnant="yes", pregnancy_weeks="22", pregnancy_high_risk="no")
    answer_steps(client, steps, 4)
    answers = saved(patient)
    assert answers["pregnant"] is True and answers["pregnancy_weeks"] == 22
    assert answers["osteoporosis"] is False


# --- 9. check your answers --------------------------------------------------------------------------


def test_the_check_page_shows_only_questions_that_were_asked(client, patient):
    steps = clear_steps(injury="yes", injury_date="2026-03-02", injury_minor_fall="no")
    answer_steps(client, steps, 7)
    body = client.get("/intake/check/").content.decode()
    wording = question_wording()

    def label(key):
        return escape(wording.get(key, q.BY_KEY[key].text))

    assert label("injury_date") in body and "2 March 2026" in body  # asked after a yes
    assert label("injury_minor_fall") in body
    for not_asked in ("pregnancy_weeks", "pregnancy_high_risk", "heart_bp_uncontrolled", "hip_fracture_date"):
        assert label(not_asked) not in body, not_asked
    assert "Parent or guardian" not in body  # an adult is not asked for a guardian


def test_the_check_page_shows_the_guardian_to_someone_under_18(client, patient):
    steps = clear_steps(
        date_of_birth="2012-01-01", guardian_name="Alex Taylor", guardian_signature="Alex Taylor"
    )
    answer_steps(client, steps, 7)
    body = client.get("/intake/check/").content.decode()
    assert "Parent or guardian&#x27;s full name" in body and "Alex Taylor" in body


def test_the_check_page_groups_answers_by_step_each_with_a_change_link(client, patient):
    answer_steps(client, clear_steps(), 7)
    body = client.get("/intake/check/").content.decode()
    links = re.findall(
        r'href="(/intake/step/(\d)/\?return=check)">Change<span class="visually-hidden"> ([^<]*)</span>', body
    )
    assert [int(i) for _, i, _ in links] == list(range(7))
    assert links[0][2] == "About you"


def test_a_change_link_returns_to_the_check_page_after_saving(client, patient):
    steps = clear_steps()
    answer_steps(client, steps, 7)
    page = client.get("/intake/step/1/?return=check").content.decode()
    assert "Save and go back to your answers" in page
    resp = client.post("/intake/step/1/?return=check", {**steps[1], "pain_now": "5"})
    assert resp.status_code == 302 and resp["Location"] == "/intake/check/"
    assert saved(patient)["pain_now"] == 5


def test_a_change_made_for_a_booking_returns_to_that_bookings_check_page(client, patient, service, therapist):
    appointment = booking_services.appointment_book(
        patient=patient, service=service, therapist=therapist, start=at(4, 10)
    )
    steps = clear_steps()
    for i in range(7):
        client.post(f"/intake/step/{i}/?appointment={appointment.pk}", steps[i])
    check = client.get(f"/intake/check/?appointment={appointment.pk}").content.decode()
    assert f'href="/intake/step/2/?return=check&amp;appointment={appointment.pk}"' in check
    resp = client.post(f"/intake/step/2/?return=check&appointment={appointment.pk}", steps[2])
    assert resp["Location"] == f"/intake/check/?appointment={appointment.pk}"


def test_a_change_that_fails_stays_on_the_step_with_the_message(client, patient):
    steps = clear_steps()
    answer_steps(client, steps, 7)
    resp = client.post("/intake/step/0/?return=check", {**steps[0], "date_of_birth": "31/02/1990"})
    assert resp.status_code == 400
    assert "Please enter a real date" in resp.content.decode()
