"""Doctors' clearance letters: checked by content, kept in private storage, read by few."""

from __future__ import annotations

import os

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from bookings.models import Appointment, Status
from clinic.audit.trail import acted_by
from clinic.inputs import clean_text
from clinic.models import ClinicProfile

from ..models import ClearanceLetter
from ..permissions import can_send_letter
from .emails import email_therapist_letter
from .services import ReviewError

MAX_LETTER_BYTES = 10 * 1024 * 1024
# A case needs one letter, perhaps a second page or a better scan; more is a mistake or abuse.
MAX_LETTERS_PER_APPOINTMENT = 5
# Checked against the file's first bytes, never its name or the browser's word for it.
LETTER_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
EXTENSION_BY_TYPE = {content_type: ext for _, content_type, ext in LETTER_SIGNATURES}


def sniff_letter_type(head: bytes) -> str | None:
    """The content type the file's first bytes show, or None when it is not a PDF, JPEG or PNG."""
    for signature, content_type, _ in LETTER_SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def check_letter_file(file: UploadedFile) -> str:
    """Refuse anything too big or not a PDF/JPEG/PNG by content; return the detected content type."""
    if file.size is None or file.size > MAX_LETTER_BYTES:
        raise ReviewError("The file is larger than 10 MB. Please send a smaller scan.", code="too_big")
    if file.size == 0:
        raise ReviewError("The file is empty.", code="empty")
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    content_type = sniff_letter_type(head)
    if content_type is None:
        raise ReviewError(
            "This file is not a PDF, JPG or PNG. Please upload a scan or photo of the letter.",
            code="wrong_type",
        )
    return content_type


def clearance_letter_upload(*, appointment: Appointment, file: UploadedFile, by) -> ClearanceLetter:
    """Store a doctor's letter for an appointment waiting for review. Only the patient uploads; the type
    is judged from the content; the file is kept in private storage under a name of our own. At most
    MAX_LETTERS_PER_APPOINTMENT per appointment: counted with the appointment row locked, so two
    uploads at once cannot both pass the last free place."""
    if not can_send_letter(by, appointment):
        raise ReviewError("Only the patient can send their clearance letter.", code="not_allowed")
    if appointment.status != Status.PENDING_REVIEW:
        raise ReviewError(
            "This appointment is not waiting for a clearance letter.", code="not_waiting_for_letter"
        )
    content_type = check_letter_file(file)
    original = clean_text(os.path.basename((file.name or "").replace("\\", "/")))[:200] or "letter"
    letter = ClearanceLetter(
        appointment=appointment,
        content_type=content_type,
        original_name=original,
        size=file.size,
        uploaded_by=by,
    )
    try:
        with transaction.atomic(), acted_by(by):
            locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
            if locked.status != Status.PENDING_REVIEW:
                raise ReviewError(
                    "This appointment is not waiting for a clearance letter.", code="not_waiting_for_letter"
                )
            if ClearanceLetter.objects.filter(appointment=locked).count() >= MAX_LETTERS_PER_APPOINTMENT:
                raise ReviewError(
                    "We already have %(limit)s letters for this appointment: that is the most we take. "
                    f"{ClinicProfile.get().phone_the_clinic.rstrip('.')} if something is missing.",
                    code="too_many_letters",
                    params={"limit": MAX_LETTERS_PER_APPOINTMENT},
                )
            letter.file.save(original, file, save=False)
            letter.save()
            email_therapist_letter(letter.pk)
    except Exception:
        if letter.file:
            letter.file.delete(save=False)
        raise
    return letter
