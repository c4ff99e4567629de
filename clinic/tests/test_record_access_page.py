"""A patient sees who at the clinic looked at their record ("Who has seen your record"), and only their own."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from clinic.audit.models import AccessEvent, AccessKind
from clinic.audit.views import EVENTS_PER_PAGE

from .factories import patient, therapist_user

pytestmark = pytest.mark.django_db

URL = reverse("record-access")
LONDON = ZoneInfo("Europe/London")


def event(*, patient, actor, at: datetime, kind=AccessKind.INTAKE, name="Priya Shah", role="Therapist", **kw):
    return AccessEvent.objects.create(
        patient=patient, actor=actor, actor_name=name, actor_role=role, kind=kind, at=at, **kw
    )


def test_patient_sees_who_read_what_and_when_in_the_clinic_zone(client):
    sam, reader = patient(), therapist_user()
    # 08:15 UTC on 1 June is 09:15 in London (summer time).
    event(patient=sam, actor=reader, at=datetime(2026, 6, 1, 8, 15, tzinfo=ZoneInfo("UTC")))
    client.force_login(sam)
    body = client.get(URL).content.decode()
    assert "Who has seen your record" in body
    assert "Priya Shah" in body and "Therapist" in body
    assert "Your health form" in body
    assert "Mon 1 Jun 2026, 09:15" in body
    assert "Europe/London" in body


def test_admin_reads_name_the_kind_of_record(client):
    sam, reader = patient(), therapist_user()
    event(
        patient=sam,
        actor=reader,
        at=datetime(2026, 6, 1, 9, tzinfo=LONDON),
        kind=AccessKind.ADMIN_VIEW,
        name="Alex Admin",
        role="Clinic admin",
        object_type="intake.screeningresult",
        object_id="7",
    )
    client.force_login(sam)
    body = client.get(URL).content.decode()
    assert "A record in the clinic&#x27;s admin pages: screening result" in body
    assert "Alex Admin" in body


def test_a_reader_without_a_name_is_shown_as_staff_with_their_role(client):
    sam = patient()
    event(
        patient=sam,
        actor=therapist_user(),
        at=datetime(2026, 6, 1, 9, tzinfo=LONDON),
        name="",
        role="Front desk",
    )
    client.force_login(sam)
    body = client.get(URL).content.decode()
    assert "A member of staff" in body and "Front desk" in body


def test_patient_b_never_sees_patient_a_s_events(client):
    sam, robin, reader = patient(), patient(), therapist_user()
    event(patient=sam, actor=reader, at=datetime(2026, 6, 1, 9, tzinfo=LONDON), name="Reader Of Sam")
    client.force_login(robin)
    for query in ("", "?page=2", f"?patient={sam.pk}", f"?user={sam.pk}"):
        body = client.get(URL + query).content.decode()
        assert "Reader Of Sam" not in body
        assert "Nobody at the clinic has looked at your record yet." in body


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_events_are_newest_first_and_paginated(client):
    sam, reader = patient(), therapist_user()
    start = datetime(2026, 1, 1, 9, tzinfo=LONDON)
    for i in range(EVENTS_PER_PAGE + 3):
        event(patient=sam, actor=reader, at=start + timedelta(days=i), name=f"Reader {i:02d}")
    client.force_login(sam)
    first = client.get(URL).content.decode()
    newest = f"Reader {EVENTS_PER_PAGE + 2:02d}"
    assert newest in first and "Reader 00" not in first
    assert first.index(newest) < first.index(f"Reader {EVENTS_PER_PAGE + 1:02d}")
    assert "Page 1 of 2" in first
    second = client.get(URL + "?page=2").content.decode()
    assert "Reader 00" in second and newest not in second


@pytest.mark.parametrize("page", ["0", "-1", "abc", "9" * 30, "a\x00b"])
def test_a_page_number_that_makes_no_sense_shows_a_page_of_the_list(client, page):
    sam = patient()
    event(patient=sam, actor=therapist_user(), at=datetime(2026, 6, 1, 9, tzinfo=LONDON))
    client.force_login(sam)
    response = client.get(URL, {"page": page})
    assert response.status_code == 200
    assert "Priya Shah" in response.content.decode()


# Session and user (2; a patient's user shows they hold no permission), the layout's roles (1), the
# events' count and page (2), the clinic profile (footer). The session is not saved again within a minute.
RECORD_ACCESS_PAGE_QUERIES = 6


@pytest.mark.parametrize("count", [1, EVENTS_PER_PAGE + 5])
def test_record_access_page_query_count_does_not_grow(client, django_assert_num_queries, count):
    sam = patient()
    readers = [therapist_user() for _ in range(3)]
    for i in range(count):
        event(
            patient=sam,
            actor=readers[i % 3],
            at=datetime(2026, 6, 1, 9, tzinfo=LONDON) + timedelta(minutes=i),
        )
    client.force_login(sam)
    with django_assert_num_queries(RECORD_ACCESS_PAGE_QUERIES):
        response = client.get(URL)
    assert response.status_code == 200
