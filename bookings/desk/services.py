"""Registering a patient at the desk, and the invitation that lets them in.

The desk records who the patient is (name, email, phone, date of birth) and never a password: the
patient is emailed one link to choose their own (allauth's password-reset key, so the link works once,
stops working when a password is set and expires after PASSWORD_RESET_TIMEOUT) and then fill in the
health form. The account and the email are written in one transaction: no account without its
invitation, no invitation for an account that was not made.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse

from clinic.audit.trail import acted_by
from clinic.inputs import clean_text
from clinic.outbox.emails import absolute_url, email_subject, render_email
from clinic.outbox.services import outbox_enqueue

from .. import extensions, permissions
from ..errors import BookingError

INVITATION_KIND = "patient.invitation"
DUPLICATE_EMAIL = "duplicate_email"


def duplicate_email_message(email: str) -> str:
    return (
        f"There is already an account for {email}. Search for the patient instead of registering them again."
    )


def invitation_link(user) -> str:
    """The one-time link that lets `user` choose a password (allauth's reset-from-key page)."""
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
    return absolute_url(path.replace("UID-KEY", key))


def invitation_days() -> int:
    return max(1, int(timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT).days))


def queue_invitation(user) -> None:
    """Email `user` their invitation: choose a password, then the health form. In the caller's
    transaction; each call is one email (a second invitation is a new email, not a repeat)."""
    form_path = extensions.patient_health_form_url()
    body_text, body_html = render_email(
        "bookings/email/patient_invitation",
        {
            "patient": user,
            "set_password_url": invitation_link(user),
            "form_url": absolute_url(form_path) if form_path else absolute_url(reverse("account_login")),
            "days": invitation_days(),
        },
    )
    outbox_enqueue(
        kind=INVITATION_KIND,
        to=user.email,
        subject=email_subject("Your account at the clinic: choose a password"),
        body_text=body_text,
        body_html=body_html,
        event=uuid.uuid4().hex,
    )


def patient_register(
    *, first_name: str, last_name: str, email: str, phone: str = "", date_of_birth: date | None, by
):
    """Make a patient's account at the desk and email them the invitation, in one transaction.

    Only staff who manage appointments may (code `not_allowed`). The account has no password until the
    patient chooses one. An email address already in use (case ignored) is refused with code
    `duplicate_email`, also when two desks register the same address at once (the database's unique
    index decides)."""
    if not permissions.can_manage_appointments(by):
        raise BookingError("You may not register patients.", code="not_allowed")
    email = email.strip().lower()
    User = get_user_model()
    if User.objects.filter(email__iexact=email).exists():
        raise BookingError(duplicate_email_message(email), code=DUPLICATE_EMAIL)
    try:
        with transaction.atomic(), acted_by(by):
            user = User(
                email=email,
                first_name=clean_text(first_name)[:150],
                last_name=clean_text(last_name)[:150],
                phone=clean_text(phone)[:32],
                date_of_birth=date_of_birth,
            )
            user.set_unusable_password()
            user.save()
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
            queue_invitation(user)
    except IntegrityError as exc:
        raise BookingError(duplicate_email_message(email), code=DUPLICATE_EMAIL) from exc
    return user
