"""Clearance letters: the patient uploads (type judged from content, 10 MB at most); few may download."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from clinic.tests.factories import UserFactory, clinic_admin_user, front_desk_user
from intake.models import ClearanceLetter, Decision
from intake.review.services import review_decide

from ..review_fixtures import EXE, JPG, PDF, PNG, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

TEN_MB = 10 * 1024 * 1024


@pytest.fixture
def waiting(case):
    """Sam's case after the therapist asked for a doctor's letter."""
    review_decide(
        result=case,
        decision=Decision.NEEDS_CLEARANCE,
        note="Ask the GP.",
        by=case.appointment.therapist.user,
        expected_last_decision_id=None,
    )
    return case


def post_letter(client, appointment, file):
    return client.post(reverse("intake:review-clearance-upload", args=[appointment.pk]), {"letter": file})


def letter_errors(resp) -> str:
    return " ".join(resp.context["form"].errors.get("letter", []))


@pytest.mark.parametrize(
    ("content", "name", "browser_type", "stored_type"),
    [
        (PDF, "letter.pdf", "application/pdf", "application/pdf"),
        (JPG, "scan.jpg", "image/jpeg", "image/jpeg"),
        (PNG, "photo.png", "image/png", "image/png"),
        (PNG, "photo.pdf", "application/octet-stream", "image/png"),  # the content decides, not the name
    ],
)
def test_patient_uploads_a_letter_of_each_allowed_type(
    client, waiting, sam, content, name, browser_type, stored_type
):
    client.force_login(sam)
    resp = post_letter(client, waiting.appointment, upload(content, name, browser_type))
    assert resp.status_code == 302
    assert resp["Location"] == reverse("intake:review-status", args=[waiting.appointment.pk])
    letter = ClearanceLetter.objects.get(appointment=waiting.appointment)
    assert letter.content_type == stored_type
    assert letter.original_name == name and letter.size == len(content) and letter.uploaded_by == sam
    stored = Path(letter.file.path)
    assert stored.is_relative_to(settings.PRIVATE_MEDIA_ROOT)
    assert not stored.is_relative_to(settings.STATIC_ROOT)
    assert name not in stored.name  # our own name, never the uploader's
    assert stored.read_bytes() == content


def test_a_text_file_named_pdf_is_refused(client, waiting, sam):
    client.force_login(sam)
    resp = post_letter(client, waiting.appointment, upload(b"Dear doctor, all fine.", "letter.pdf"))
    assert resp.status_code == 400
    assert "not a PDF, JPG or PNG" in letter_errors(resp)
    assert not ClearanceLetter.objects.exists()


def test_a_renamed_executable_is_refused(client, waiting, sam):
    client.force_login(sam)
    resp = post_letter(client, waiting.appointment, upload(EXE, "letter.pdf", "application/pdf"))
    assert resp.status_code == 400
    assert "not a PDF, JPG or PNG" in letter_errors(resp)
    assert "not a PDF, JPG or PNG" in resp.content.decode()  # beside the field, on the page
    assert not ClearanceLetter.objects.exists()


def test_a_letter_over_ten_megabytes_is_refused(client, waiting, sam):
    client.force_login(sam)
    resp = post_letter(client, waiting.appointment, upload(PDF + b"0" * (TEN_MB - len(PDF) + 1)))
    assert resp.status_code == 400
    assert "larger than 10 MB" in letter_errors(resp)
    assert not ClearanceLetter.objects.exists()


def test_a_letter_of_exactly_ten_megabytes_is_accepted(client, waiting, sam):
    client.force_login(sam)
    resp = post_letter(client, waiting.appointment, upload(PDF + b"0" * (TEN_MB - len(PDF))))
    assert resp.status_code == 302
    assert ClearanceLetter.objects.get().size == TEN_MB


def test_a_patient_cannot_upload_to_someone_elses_appointment(client, waiting):
    client.force_login(UserFactory())
    assert post_letter(client, waiting.appointment, upload(PDF)).status_code == 404
    assert not ClearanceLetter.objects.exists()


def test_no_letter_is_taken_once_the_appointment_is_decided(client, case, sam):
    review_decide(
        result=case, decision=Decision.CLEARED, note="Fine.", by=case.appointment.therapist.user,
        expected_last_decision_id=None,
    )  # fmt: skip
    client.force_login(sam)
    assert post_letter(client, case.appointment, upload(PDF)).status_code == 302
    assert not ClearanceLetter.objects.exists()


def test_the_therapist_is_told_a_letter_arrived(client, waiting, sam, django_capture_on_commit_callbacks):
    client.force_login(sam)
    with django_capture_on_commit_callbacks(execute=True):
        post_letter(client, waiting.appointment, upload(PDF))
    (email,) = [m for m in mail.outbox if "clearance letter" in m.subject]
    assert email.to == [waiting.appointment.therapist.user.email]


def test_the_queue_shows_a_letter_arrived(client, waiting, sam, therapist):
    client.force_login(sam)
    post_letter(client, waiting.appointment, upload(PDF))
    client.force_login(therapist.user)
    assert "letter received" in client.get(reverse("intake:review-queue")).content.decode()


# --- downloads --------------------------------------------------------------------------------------


@pytest.fixture
def letter(client, waiting, sam):
    client.force_login(sam)
    post_letter(client, waiting.appointment, upload(PDF))
    client.logout()
    return ClearanceLetter.objects.get()


def download(client, letter):
    resp = client.get(reverse("intake:review-clearance-download", args=[letter.pk]))
    if resp.streaming:
        body = b"".join(resp.streaming_content)
        resp.close()
        return resp, body
    return resp, resp.content


@pytest.mark.parametrize("who", ["patient", "therapist", "clinic admin"])
def test_a_letter_is_served_as_a_download_to_those_allowed(client, letter, sam, therapist, who):
    user = {"patient": sam, "therapist": therapist.user, "clinic admin": clinic_admin_user()}[who]
    client.force_login(user)
    resp, body = download(client, letter)
    assert resp.status_code == 200
    assert body == PDF
    assert resp["Content-Type"] == "application/pdf"
    assert resp["Content-Disposition"].startswith("attachment;")
    assert resp["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("who", ["other patient", "other therapist", "front desk"])
def test_a_letter_is_hidden_from_everyone_else(client, letter, other_therapist, who):
    user = {
        "other patient": UserFactory(),
        "other therapist": other_therapist.user,
        "front desk": front_desk_user(),
    }[who]
    client.force_login(user)
    resp, _ = download(client, letter)
    assert resp.status_code == 404


def test_an_anonymous_visitor_is_sent_to_login_for_a_letter(client, letter):
    resp, _ = download(client, letter)
    assert resp.status_code == 302 and resp["Location"].startswith(reverse("account_login"))


def test_the_case_page_links_the_letter(client, letter, therapist, waiting):
    client.force_login(therapist.user)
    page = client.get(reverse("intake:review-case", args=[waiting.pk])).content.decode()
    assert reverse("intake:review-clearance-download", args=[letter.pk]) in page
