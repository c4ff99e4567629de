"""The audit trail in a patient's rights: the export lists who read their record; closing the account
keeps the change trail and the access log without the person; the purge takes the access log with the
record."""

from __future__ import annotations

import json

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from clinic.audit.guard import audit_rewrite
from clinic.audit.models import AccessEvent
from clinic.audit.trail import acting_as
from clinic.rights.services import patient_erase
from clinic.tests.factories import clinic_admin_user

from .records import ZEBEDEE, full_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def zebedee(service, therapist):
    with acting_as(None):
        record = full_record(ZEBEDEE, service=service, therapist=therapist, admin=clinic_admin_user())
    patient = record["patient"]
    # As if the patient had done it all from their own pages, from their own address (the trail is
    # append-only: only the guard's one exception rewrites it).
    with audit_rewrite():
        LogEntry.objects.filter(additional_data__patient=patient.pk).update(
            actor=patient, actor_email=patient.email, remote_addr="198.51.100.77"
        )
    return record


def test_the_export_lists_who_read_the_record_without_their_address(client, zebedee, therapist):
    patient = zebedee["patient"]
    with audit_rewrite():
        AccessEvent.objects.filter(patient=patient).update(ip_address="203.0.113.8", user_agent="Firefox/140")
    client.force_login(patient)
    sections = json.loads(client.get(reverse("rights:my-data-download")).content)["sections"]
    (read,) = sections["record_access"]
    assert read == {
        "at": "2026-06-01T07:00:00Z",
        "who": "Priya Shah",
        "role": "Therapist",
        "kind": "case",
        "what": "Your screening case (the review page)",
    }
    assert "203.0.113.8" not in json.dumps(sections) and "Firefox" not in json.dumps(sections)
    page = client.get(reverse("rights:my-data")).content.decode()
    assert ">Who has seen your record</h2>" in page and "Priya Shah" in page


def test_closing_the_account_keeps_the_trail_without_the_person(zebedee, django_capture_on_commit_callbacks):
    patient = zebedee["patient"]
    theirs = set(LogEntry.objects.filter(actor=patient).values_list("pk", flat=True))
    assert theirs
    events = AccessEvent.objects.filter(patient=patient).count()
    with django_capture_on_commit_callbacks(execute=True):
        patient_erase(patient=patient, by=patient)
    patient.refresh_from_db()
    kept = LogEntry.objects.filter(pk__in=theirs)
    assert kept.count() == len(theirs)
    assert set(kept.values_list("actor_email", flat=True)) == {patient.email}  # the closed account's
    assert set(kept.values_list("remote_addr", flat=True)) == {None}
    assert not LogEntry.objects.filter(actor_email=ZEBEDEE.email).exists()
    assert AccessEvent.objects.filter(patient=patient).count() == events
