"""A patient's export: every section, the documented JSON shape, nothing of anyone else, a download that
is never cached, a readable page in the clinic's time, and a query count that does not grow."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from clinic.models import ClinicPolicy
from clinic.tests.factories import clinic_admin_user, therapist_user

from .records import OTTOLINE, ZEBEDEE, full_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

# The documented shape (README, "Patient rights"): top-level keys, sections, and each item's keys.
TOP_LEVEL = {"format", "version", "generated_at", "clinic", "time_zone", "sections"}
SECTION_ITEM_KEYS = {
    "appointments": {
        "id",
        "service",
        "therapist",
        "start",
        "end",
        "status",
        "status_label",
        "booked_at",
        "booked_by_clinic",
        "cancel_reason",
    },
    "intakes": {
        "id",
        "status",
        "created_at",
        "submitted_at",
        "signed_at",
        "signature_name",
        "guardian_name",
        "guardian_signature",
        "answers",
    },
    "check_ins": {"id", "appointment_id", "intake_id", "created_at", "health_changed", "unwell_today"},
    "screening_results": {
        "id",
        "appointment_id",
        "intake_id",
        "outcome",
        "outcome_label",
        "screened_on",
        "screened_at",
        "rule_set_version",
        "flags",
        "techniques_ruled_out",
    },
    "review_decisions": {
        "id",
        "appointment_id",
        "screening_result_id",
        "decision",
        "decision_label",
        "note",
        "restricted_techniques",
        "decided_by",
        "decided_at",
        "supersedes_id",
    },
    "clearance_letters": {"id", "appointment_id", "original_name", "content_type", "size", "uploaded_at"},
    "home_care_plans": {"id", "appointment_id", "therapist", "created_at", "note", "items"},
    "staff_alerts": {
        "id",
        "appointment_id",
        "kind",
        "kind_label",
        "message",
        "created_at",
        "acknowledged_at",
        "note",
    },
    "messages": {"kind", "subject", "status", "created_at", "sent_at"},
    "record_access": {"at", "who", "role", "kind", "what"},
}
ACCOUNT_KEYS = {
    "first_name",
    "last_name",
    "email",
    "phone",
    "date_of_birth",
    "date_joined",
    "last_login",
    "email_addresses",
}
PLAN_ITEM_KEYS = {
    "technique",
    "technique_code",
    "hold_seconds",
    "repetitions",
    "frequency",
    "note",
    "override_reason",
}


@pytest.fixture
def admin():
    return clinic_admin_user()


@pytest.fixture
def zebedee(service, therapist, admin):
    return full_record(ZEBEDEE, service=service, therapist=therapist, admin=admin)


@pytest.fixture
def ottoline(service, other_therapist, admin):
    return full_record(OTTOLINE, service=service, therapist=other_therapist, admin=admin, day=4)


def download(client, patient) -> dict:
    client.force_login(patient)
    response = client.get(reverse("rights:my-data-download"))
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_download_has_the_documented_shape(client, zebedee):
    export = download(client, zebedee["patient"])
    assert set(export) == TOP_LEVEL
    assert (export["format"], export["version"], export["time_zone"]) == (
        "clinic-patient-export",
        1,
        "Europe/London",
    )
    assert set(export["sections"]) == {"account", *SECTION_ITEM_KEYS}
    assert set(export["sections"]["account"]) == ACCOUNT_KEYS
    for key, item_keys in SECTION_ITEM_KEYS.items():
        items = export["sections"][key]
        assert items, f"{key} is empty: the record has one of each"
        assert all(set(item) == item_keys for item in items), key
    assert all(
        set(item) == PLAN_ITEM_KEYS
        for plan in export["sections"]["home_care_plans"]
        for item in plan["items"]
    )
    first = export["sections"]["appointments"][0]
    assert first["start"].endswith("Z") and "." not in first["start"]  # UTC, to the second


def test_the_download_holds_every_part_of_the_record(client, zebedee):
    sections = download(client, zebedee["patient"])["sections"]
    assert sections["account"]["email"] == ZEBEDEE.email
    assert sections["account"]["phone"] == ZEBEDEE.phone
    assert sections["account"]["email_addresses"] == [
        {"email": ZEBEDEE.email, "verified": True, "primary": True}
    ]
    assert len(sections["appointments"]) == 10
    assert {a["status"] for a in sections["appointments"]} >= {
        "held",
        "pending_review",
        "confirmed",
        "completed",
    }
    sent = next(i for i in sections["intakes"] if i["status"] == "submitted")
    assert sent["answers"]["date_of_birth"] == ZEBEDEE.born
    assert sent["answers"]["main_complaint"] == ZEBEDEE.answers["main_complaint"]
    assert {i["status"] for i in sections["intakes"]} == {"submitted", "draft"}
    assert sections["review_decisions"][0]["note"].startswith("Phoned Zebedee Quarrington")
    assert sections["clearance_letters"][0]["original_name"] == "quarrington-gp-letter.pdf"
    assert sections["home_care_plans"][0]["items"][0]["frequency"] == "every morning"
    assert {m["subject"] for m in sections["messages"]} >= {"A reminder", "Welcome"}
    assert all("body" not in json.dumps(m) for m in sections["messages"])


def test_the_download_holds_nothing_of_another_patient(client, zebedee, ottoline):
    text = json.dumps(download(client, zebedee["patient"]), ensure_ascii=False).casefold()
    assert [value for value in OTTOLINE.distinctive if value.casefold() in text] == []
    assert "zebedee" in text


def test_the_download_is_an_attachment_that_is_never_cached(client, zebedee):
    client.force_login(zebedee["patient"])
    response = client.get(reverse("rights:my-data-download"))
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="my-clinic-data-2026-06-01.json"'
    assert "no-store" in response["Cache-Control"]


def test_the_page_shows_every_section_in_clinic_time(client, zebedee):
    client.force_login(zebedee["patient"])
    response = client.get(reverse("rights:my-data"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    for title in (
        "Your account",
        "Appointments",
        "Health forms",
        "Check-ins before a visit",
        "Screening results",
        "Review decisions",
        "Clearance letters you sent",
        "Home-care plans",
        "Alerts raised for our staff",
        "Emails we sent you",
        "Who has seen your record",
    ):
        assert f">{title}</h2>" in body, title
    # 3 June 09:00 in London is 08:00 UTC: the page shows the clinic's wall clock.
    assert "Wed 3 Jun 2026, 09:00–10:00" in body
    assert "Plovertwinge after rowing on the Thames" in body
    assert "Techniques to avoid: Cobra pose" in body
    assert "Europe/London" in body


def test_a_signed_out_visitor_is_sent_to_log_in(client):
    for name in ("rights:my-data", "rights:my-data-download"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_a_staff_member_sees_only_their_own_empty_record(client, zebedee):
    client.force_login(therapist_user())
    sections = json.loads(client.get(reverse("rights:my-data-download")).content)["sections"]
    assert all(sections[key] == [] for key in SECTION_ITEM_KEYS)


@pytest.mark.parametrize("name", ["rights:my-data", "rights:my-data-download"])
def test_the_export_query_count_does_not_grow(
    client, name, zebedee, service, other_therapist, admin, django_assert_num_queries
):
    client.force_login(zebedee["patient"])
    with django_assert_num_queries(EXPORT_QUERIES[name]):
        client.get(reverse(name))
    policy = ClinicPolicy.get()
    policy.max_live_holds = 4  # the second batch holds two more times
    policy.save()
    full_record(
        ZEBEDEE,
        patient=zebedee["patient"],
        service=service,
        therapist=other_therapist,
        admin=admin,
        day=5,
        draft=False,
    )
    with django_assert_num_queries(EXPORT_QUERIES[name]):
        client.get(reverse(name))


# Session and user (which shows a patient holds no permission: no permission query), then one query per
# section: forms and the questions' wording, check-ins, results, decisions and the names of the
# techniques they restrict, letters, plans and their items, alerts, appointments, email addresses,
# emails, the staff who read their record; the clinic profile (the export's clinic name, and the page's
# footer). The page adds the layout's roles. The session is not saved again within a minute.
EXPORT_QUERIES = {"rights:my-data": 18, "rights:my-data-download": 17}
