"""The health form on a clinic tablet ("kiosk"): a patient who arrived without a valid health form, or
whose check-in is due, fills in that form on the clinic's tablet, and nothing else.

How it is kept safe:
- The desk starts it for one appointment (`kiosk_start`): the patient is marked arrived today and a
  form is due. The desk is shown a one-time code of `CODE_DIGITS` digits; only its keyed hash is
  stored, with the appointment. It must be typed on the tablet within `CODE_MINUTES`, works once, and
  starting again for the same appointment voids the earlier codes.
- Typing the code (`kiosk_redeem`) spends it and binds the pass to that tablet's session: the view
  empties the session first (whoever was signed in on the tablet is signed out), then keeps a fresh
  random secret in it; the pass stores the secret's hash and an end time (`SESSION_MINUTES`).
- The kiosk pages (`kiosk_current`) know the patient only through that pass: nobody is signed in, the
  pages have no navigation, and they show only this appointment's form. Sending the form, or stopping,
  ends the pass (`kiosk_finish`) and the tablet returns to a neutral "hand the tablet back" page.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings import permissions as booking_permissions
from bookings.models import Appointment, Status
from bookings.selectors import clinic_zone
from clinic.audit.trail import acted_by
from clinic.errors import DomainError

from ..models import CheckIn, KioskForm, KioskPass
from .services import appointment_needs_screening, check_in_open, valid_intake_for

CODE_DIGITS = 8
CODE_MINUTES = 10
SESSION_MINUTES = 45
SESSION_KEY = "kiosk"


class KioskError(DomainError):
    """The tablet form cannot be started or used: `code` says why."""


def _hash(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"kiosk:{value}".encode(), hashlib.sha256).hexdigest()


def normalise_code(text: str) -> str:
    """What someone typed, as a code: digits only (spaces and dashes as shown are fine)."""
    return "".join(ch for ch in text if ch.isdigit())


def form_due(appointment: Appointment, *, now: datetime | None = None) -> str | None:
    """Which form the patient should fill in on arrival, if any: the health form when they have no
    valid one, else the check-in when their booking waits for it or it is open and not answered."""
    if appointment.status not in (Status.CONFIRMED, Status.PENDING_REVIEW):
        return None
    day = appointment.start.astimezone(clinic_zone()).date()
    if valid_intake_for(appointment.patient, on=day) is None:
        return KioskForm.HEALTH_FORM
    if appointment_needs_screening(appointment):
        return KioskForm.CHECK_IN
    if check_in_open(appointment, now=now) and not CheckIn.objects.filter(appointment=appointment).exists():
        return KioskForm.CHECK_IN
    return None


def _arrived_today(appointment: Appointment, now: datetime) -> bool:
    tz = clinic_zone()
    return (
        appointment.arrived_at is not None
        and appointment.start.astimezone(tz).date() == now.astimezone(tz).date()
    )


def kiosk_start(*, appointment: Appointment, by, now: datetime | None = None) -> tuple[KioskPass, str]:
    """Start the tablet form for `appointment`: the pass and its one-time code (shown once, to `by`).

    Only staff who manage appointments (`not_allowed`); only for a patient marked arrived today
    (`not_arrived`) whose health form or check-in is due (`nothing_due`). Earlier codes of the same
    appointment stop working."""
    if not booking_permissions.can_manage_appointments(by):
        raise KioskError("Only the front desk can start a form on the clinic tablet.", code="not_allowed")
    now = now or timezone.now()
    if not _arrived_today(appointment, now):
        raise KioskError(
            "Mark the patient arrived first: the tablet form is for a patient who is here today.",
            code="not_arrived",
        )
    form = form_due(appointment, now=now)
    if form is None:
        raise KioskError(
            "Nothing to fill in: the patient's health form is valid and no check-in is due.",
            code="nothing_due",
        )
    for _ in range(5):
        code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
        try:
            with transaction.atomic(), acted_by(by):
                _void_open_passes(appointment, now)
                kiosk = KioskPass.objects.create(
                    appointment=appointment,
                    form=form,
                    code_hash=_hash(code),
                    created_by=by,
                    created_at=now,
                    expires_at=now + timedelta(minutes=CODE_MINUTES),
                )
        except IntegrityError:  # the same code is live for another pass: draw again
            continue
        return kiosk, code
    raise KioskError("No code could be made; please try again.", code="busy")


def _void_open_passes(appointment: Appointment, now: datetime) -> None:
    """A new start replaces the appointment's earlier passes: unspent codes stop working, an open
    tablet ends."""
    for earlier in KioskPass.objects.select_for_update().filter(
        appointment=appointment, finished_at__isnull=True
    ):
        earlier.finished_at = now
        earlier.save(update_fields=["finished_at"])


def kiosk_redeem(*, code: str, now: datetime | None = None) -> tuple[KioskPass, str]:
    """Spend a code typed on the tablet: the pass and the secret the tablet's session keeps. A code
    that is unknown, spent or expired is refused the same way (`bad_code`), saying nothing of which."""
    now = now or timezone.now()
    code = normalise_code(code)
    refused = KioskError(
        "That code does not work. Codes work once, for a few minutes: ask the front desk for a new one.",
        code="bad_code",
    )
    if len(code) != CODE_DIGITS:
        raise refused
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        kiosk = (
            KioskPass.objects.select_for_update()
            .select_related("appointment")
            .filter(
                code_hash=_hash(code), redeemed_at__isnull=True, finished_at__isnull=True, expires_at__gt=now
            )
            .first()
        )
        if kiosk is None:
            raise refused
        kiosk.redeemed_at = now
        kiosk.ends_at = now + timedelta(minutes=SESSION_MINUTES)
        kiosk.session_hash = _hash(secret)
        kiosk.save(update_fields=["redeemed_at", "ends_at", "session_hash"])
    return kiosk, secret


def kiosk_current(session, *, now: datetime | None = None) -> KioskPass | None:
    """The pass this tablet's session holds, while it is open: spent here, not finished, not past its
    end, and the appointment still one a form is taken for. None otherwise."""
    held = session.get(SESSION_KEY)
    if (
        not isinstance(held, dict)
        or not isinstance(held.get("pass"), int)
        or not isinstance(held.get("secret"), str)
    ):
        return None
    now = now or timezone.now()
    kiosk = (
        KioskPass.objects.select_related(
            "appointment__patient", "appointment__service", "appointment__therapist"
        )
        .filter(pk=held["pass"], redeemed_at__isnull=False, finished_at__isnull=True, ends_at__gt=now)
        .first()
    )
    if kiosk is None or not hmac.compare_digest(kiosk.session_hash, _hash(held["secret"])):
        return None
    if kiosk.appointment.status not in (Status.CONFIRMED, Status.PENDING_REVIEW):
        return None
    return kiosk


def kiosk_finish(kiosk: KioskPass, *, now: datetime | None = None) -> None:
    """End the pass: the tablet's session is no key to anything any more."""
    with transaction.atomic():
        current = KioskPass.objects.select_for_update().filter(pk=kiosk.pk, finished_at__isnull=True).first()
        if current is not None:
            current.finished_at = now or timezone.now()
            current.save(update_fields=["finished_at"])
