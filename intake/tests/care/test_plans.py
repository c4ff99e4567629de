from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from bookings.models import Status
from clinic.tests.factories import front_desk_user
from intake.care.services import PlanItemData, plan_assign, plan_techniques
from intake.models import HomeCarePlan, Outcome, PlanItem
from techniques.models import Technique

from ..plan_fixtures import at, book, decide, screen

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

MY_PLANS = reverse("intake:my-plans")


def technique(code: str) -> Technique:
    return Technique.objects.get(code=code)


def plan_url(appointment) -> str:
    return reverse("intake:plan-assign", args=[appointment.pk])


def plan_post(rows: dict[str, dict], note: str = "Little and often.") -> dict:
    """The plan form as a browser posts it: one row per catalogue technique; `rows` ticks some by code
    and fills them in."""
    techniques = list(plan_techniques())
    data = {
        "items-TOTAL_FORMS": str(len(techniques)),
        "items-INITIAL_FORMS": str(len(techniques)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "note": note,
    }
    for i, t in enumerate(techniques):
        data[f"items-{i}-technique"] = str(t.pk)
        data[f"items-{i}-hold_seconds"] = str(t.hold_seconds or "")
        data[f"items-{i}-repetitions"] = str(t.repetitions or "")
        for key, value in rows.get(t.code, {}).items():
            data[f"items-{i}-{key}"] = value
    return data


@pytest.fixture
def session(service, therapist, patient):
    """A completed session whose screening ruled out heat for pregnancy."""
    appointment = book(therapist, patient, at(1, 7), service=service, status=Status.COMPLETED)
    screen(appointment, outcome=Outcome.REVIEW, ruled_out={"pregnancy": ["BALL", "HEAT", "MAN"]})
    return appointment


# --- the therapist's plan page ---------------------------------------------------------------------


def test_plan_page_marks_ruled_out_techniques_with_their_contraindication(client, therapist, session):
    client.force_login(therapist.user)
    body = client.get(plan_url(session)).content.decode()
    assert 'data-ruled-out="HEAT"' in body
    assert "ruled out: Pregnancy" in body
    assert 'data-ruled-out="SUP"' not in body
    assert 'data-technique="MAN"' not in body  # in-clinic manual therapy is not homework


def test_ruled_out_technique_without_a_reason_is_refused_beside_its_row_keeping_the_input(
    client, therapist, session
):
    client.force_login(therapist.user)
    response = client.post(
        plan_url(session),
        plan_post(
            {
                "SUP": {"include": "on", "frequency": "twice a day", "note": "Slowly"},
                "HEAT": {"include": "on", "frequency": "every evening"},
            },
            note="Keep it gentle this week.",
        ),
    )
    assert response.status_code == 400
    assert not HomeCarePlan.objects.exists()
    body = response.content.decode()
    assert 'data-error="override_reason"' in body
    heat_row = body.split('data-technique="HEAT"')[1].split("</tr>")[0]
    assert "write why you assign it anyway" in heat_row
    assert 'value="every evening"' in heat_row
    assert 'value="twice a day"' in body
    assert "Keep it gentle this week." in body


def test_ruled_out_technique_with_a_reason_is_assigned_and_the_reason_kept(
    client, therapist, session, django_capture_on_commit_callbacks
):
    client.force_login(therapist.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            plan_url(session),
            plan_post(
                {
                    "SUP": {"include": "on", "frequency": "twice a day", "hold_seconds": "45"},
                    "HEAT": {
                        "include": "on",
                        "frequency": "every evening",
                        "override_reason": "Obstetrician agreed to a warm (not hot) pack on the lower back.",
                    },
                }
            ),
        )
    assert response.status_code == 302
    plan = HomeCarePlan.objects.get()
    assert (plan.patient, plan.therapist, plan.appointment) == (session.patient, therapist, session)
    assert plan.note == "Little and often."
    items = {item.technique.code: item for item in plan.items.select_related("technique")}
    assert set(items) == {"SUP", "HEAT"}
    assert items["HEAT"].override_reason.startswith("Obstetrician agreed")
    assert items["SUP"].override_reason == ""
    assert items["SUP"].hold_seconds == 45
    assert items["SUP"].repetitions == 2
    assert len(mail.outbox) == 1


def test_an_unticked_row_does_not_count_even_with_text_in_it(client, therapist, session):
    client.force_login(therapist.user)
    response = client.post(
        plan_url(session),
        plan_post({"SUP": {"include": "on", "frequency": "daily"}, "HEAT": {"hold_seconds": "lots"}}),
    )
    assert response.status_code == 302
    assert list(PlanItem.objects.values_list("technique__code", flat=True)) == ["SUP"]


def test_a_plan_with_no_technique_is_refused(client, therapist, session):
    client.force_login(therapist.user)
    response = client.post(plan_url(session), plan_post({}))
    assert response.status_code == 400
    assert "at least one technique" in response.content.decode()
    assert not HomeCarePlan.objects.exists()


def test_a_ticked_technique_needs_a_frequency(client, therapist, session):
    client.force_login(therapist.user)
    response = client.post(plan_url(session), plan_post({"SUP": {"include": "on"}}))
    assert response.status_code == 400
    assert not HomeCarePlan.objects.exists()


def test_another_therapist_gets_404_on_the_plan_page(client, other_therapist, session):
    client.force_login(other_therapist.user)
    assert client.get(plan_url(session)).status_code == 404
    assert client.post(plan_url(session), plan_post({"SUP": {"include": "on"}})).status_code == 404
    assert not HomeCarePlan.objects.exists()


@pytest.mark.parametrize("who", ["patient", "front_desk"])
def test_non_therapists_get_404_on_the_plan_page(client, session, who):
    client.force_login(session.patient if who == "patient" else front_desk_user())
    assert client.get(plan_url(session)).status_code == 404


def test_no_plan_for_an_appointment_still_waiting_for_review(client, service, therapist, patient):
    appointment = book(therapist, patient, at(1, 10), service=service, status=Status.PENDING_REVIEW)
    client.force_login(therapist.user)
    assert "only after a confirmed or completed" in client.get(plan_url(appointment)).content.decode()
    response = client.post(plan_url(appointment), plan_post({"SUP": {"include": "on", "frequency": "daily"}}))
    assert response.status_code == 400
    assert not HomeCarePlan.objects.exists()


# --- the service -----------------------------------------------------------------------------------


def test_service_refuses_a_ruled_out_technique_without_a_reason(therapist, session):
    with pytest.raises(ValidationError) as exc:
        plan_assign(
            appointment=session,
            by=therapist.user,
            note="",
            items=[PlanItemData(technique=technique("BALL"), frequency="daily", override_reason="  ")],
        )
    assert exc.value.code == "override_reason_required"
    assert not HomeCarePlan.objects.exists()


def test_service_counts_a_review_decisions_restrictions_as_ruled_out(service, therapist, patient):
    appointment = book(therapist, patient, at(1, 7), service=service)
    decide(screen(appointment, outcome=Outcome.REVIEW), by=therapist.user, restricted=["COB"])
    items = [PlanItemData(technique=technique("COB"), frequency="daily")]
    with pytest.raises(ValidationError) as exc:
        plan_assign(appointment=appointment, by=therapist.user, note="", items=items)
    assert exc.value.code == "override_reason_required"


def test_service_refuses_a_plan_from_another_therapist(other_therapist, session):
    with pytest.raises(ValidationError) as exc:
        plan_assign(
            appointment=session,
            by=other_therapist.user,
            note="",
            items=[PlanItemData(technique=technique("SUP"), frequency="daily")],
        )
    assert exc.value.code == "not_own_appointment"


@pytest.mark.parametrize("code", ["MAN", "unpublished"])
def test_service_refuses_techniques_outside_the_published_self_care_catalogue(therapist, session, code):
    if code == "unpublished":
        Technique.objects.filter(code="SUP").update(published=False)
        code = "SUP"
    with pytest.raises(ValidationError) as exc:
        plan_assign(
            appointment=session,
            by=therapist.user,
            note="",
            items=[PlanItemData(technique=technique(code), frequency="daily", override_reason="Agreed.")],
        )
    assert exc.value.code == "technique_unavailable"


def test_service_refuses_the_same_technique_twice(therapist, session):
    item = PlanItemData(technique=technique("SUP"), frequency="daily")
    with pytest.raises(ValidationError) as exc:
        plan_assign(appointment=session, by=therapist.user, note="", items=[item, item])
    assert exc.value.code == "technique_twice"


@pytest.mark.parametrize("status", [Status.HELD, Status.CANCELLED, Status.NO_SHOW])
def test_service_refuses_a_plan_for_an_appointment_that_did_not_take_place(
    service, therapist, patient, status
):
    appointment = book(therapist, patient, at(1, 7), service=service, status=status)
    with pytest.raises(ValidationError) as exc:
        plan_assign(
            appointment=appointment,
            by=therapist.user,
            note="",
            items=[PlanItemData(technique=technique("SUP"), frequency="daily")],
        )
    assert exc.value.code == "appointment_not_plannable"


def test_the_patient_is_emailed_once_after_commit_with_a_link_to_their_plans(
    settings, therapist, session, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://clinic.example"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        plan_assign(
            appointment=session,
            by=therapist.user,
            note="",
            items=[PlanItemData(technique=technique("SUP"), frequency="daily")],
        )
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sam@example.org"]
    assert f"https://clinic.example{reverse('intake:my-plans')}" in message.body
    assert "Priya Shah" in message.body
    assert "Pregnancy" not in message.body  # no health details by email


def test_the_plan_email_links_from_site_url_not_from_the_request_host(
    settings, client, therapist, session, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://clinic.example"
    settings.ALLOWED_HOSTS = ["internal.local"]
    client.force_login(therapist.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            plan_url(session),
            plan_post({"SUP": {"include": "on", "frequency": "daily"}}),
            HTTP_HOST="internal.local",
        )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert f"https://clinic.example{reverse('intake:my-plans')}" in message.body
    assert "internal.local" not in message.body + message.alternatives[0][0]


# --- the patient's side ----------------------------------------------------------------------------


def give_plan(therapist, appointment, *codes, note=""):
    return plan_assign(
        appointment=appointment,
        by=therapist.user,
        note=note,
        items=[
            PlanItemData(
                technique=technique(code),
                frequency="twice a day",
                hold_seconds=40,
                repetitions=3,
                note="Breathe",
            )
            for code in codes
        ],
    )


def test_patient_sees_their_plans_newest_first_with_doses_and_technique_links(
    client, service, therapist, patient
):
    first = book(therapist, patient, at(1, 7), service=service)
    older = give_plan(therapist, first, "SUP", note="Week one")
    with time_machine.travel(at(1, 9), tick=False):
        newer = give_plan(therapist, first, "PIG", note="Week two")
    client.force_login(patient)
    body = client.get(MY_PLANS).content.decode()
    assert body.index(f'data-plan="{newer.pk}"') < body.index(f'data-plan="{older.pk}"')
    assert technique("SUP").get_absolute_url() in body
    assert "Twice a day · hold for 40 seconds · 3 times" in body
    assert "Breathe" in body
    assert "Week two" in body


def test_patient_sees_only_their_own_plans(client, service, therapist, patient, other_patient):
    give_plan(therapist, book(therapist, patient, at(1, 6), service=service), "SUP", note="For Sam")
    give_plan(therapist, book(therapist, other_patient, at(1, 8), service=service), "PIG", note="For Robin")
    client.force_login(other_patient)
    body = client.get(MY_PLANS).content.decode()
    assert "For Robin" in body
    assert "For Sam" not in body
    assert body.count("data-plan=") == 1


def test_override_reasons_stay_on_the_staff_side(client, therapist, session):
    plan_assign(
        appointment=session,
        by=therapist.user,
        note="",
        items=[
            PlanItemData(technique=technique("HEAT"), frequency="daily", override_reason="Doctor agreed.")
        ],
    )
    client.force_login(session.patient)
    assert "Doctor agreed." not in client.get(MY_PLANS).content.decode()
    client.force_login(therapist.user)
    assert "Doctor agreed." in client.get(plan_url(session)).content.decode()


def test_my_plans_needs_a_login(client):
    response = client.get(MY_PLANS)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_menu_links_to_my_home_care_for_signed_in_users(client, patient):
    assert MY_PLANS not in client.get(reverse("home")).content.decode()
    client.force_login(patient)
    assert MY_PLANS in client.get(reverse("home")).content.decode()


# Session and user (2; a patient's user shows they hold no permission), roles for the menu (the session
# is not saved again within a minute); the page itself: the plans with therapist and appointment, and
# their items with techniques.
MY_PLANS_QUERIES = 6  # with the clinic profile for the footer


@pytest.mark.parametrize("count", [1, 5])
def test_my_plans_query_count_does_not_grow(
    client, django_assert_num_queries, service, therapist, patient, count
):
    for i in range(count):
        give_plan(
            therapist,
            book(therapist, patient, at(1, 7) + timedelta(minutes=75 * i), service=service),
            "SUP",
            "PIG",
        )
    client.force_login(patient)
    with django_assert_num_queries(MY_PLANS_QUERIES):
        body = client.get(MY_PLANS).content.decode()
    assert body.count("data-plan=") == count
