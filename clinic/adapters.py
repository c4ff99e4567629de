"""django-allauth's adapters: account emails go through the outbox like every other email, on the
clinic's base (its name, address and phone; text and HTML), with links from SITE_URL; the client's
address is the one the proxy saw; login limits are keyed so that one client's failures cannot lock
another client out of an account (clinic.accounts.limits); authenticator secrets are encrypted."""

from __future__ import annotations

import base64
import time
import uuid
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context as allauth_context
from allauth.core.internal import ratelimit
from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.crypto import salted_hmac

from .accounts.limits import account_key
from .accounts.second_factor import has_second_factor
from .models import Therapist
from .outbox.emails import absolute_url, email_context, email_subject, text_as_html
from .outbox.models import ACCOUNT_KIND_PREFIX
from .outbox.services import outbox_enqueue
from .ratelimit import client_ip, client_network
from .roles import is_staff_member

# Never change: it keys the encryption of every stored authenticator secret.
SALT = "clinic.mfa.secrets"


def _on_site_url(context: dict, request) -> dict:
    """allauth builds its links (confirm, reset, sign up) from the request's host; an email links from
    SITE_URL, the address the clinic is reached at, whatever host the request came in on."""
    if request is None:
        return context
    host = request.get_host()

    def moved(value):
        if not isinstance(value, str) or "://" not in value:
            return value
        link = urlsplit(value)
        if link.netloc != host:
            return value
        return absolute_url(link.path + (f"?{link.query}" if link.query else ""))

    return {key: moved(value) for key, value in context.items()}


class AccountAdapter(DefaultAccountAdapter):
    """Address confirmations, password resets and account notices are outbox rows sent by the worker,
    so sign-up and reset pages never wait on the mail server, nor fail with it (allauth's own adapter
    sends inside the request: a hung server held the page for EMAIL_TIMEOUT, then answered 500)."""

    def format_email_subject(self, subject: str) -> str:
        return email_subject(subject)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        clinic = email_context()
        site = SimpleNamespace(name=clinic["clinic_name"], domain=urlsplit(settings.SITE_URL).netloc)
        context = {
            "request": request,
            "email": email,
            **_on_site_url(context, request),
            **clinic,
            "current_site": site,
        }
        message = self.render_mail(template_prefix, email, context)
        html = next(
            (body for body, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), ""
        )
        if not html:
            # allauth's messages are text only: their content, without the text base, on the HTML base.
            bare = render_to_string(
                f"{template_prefix}_message.txt", {**context, "email_base": "clinic/email/bare.txt"}, request
            )
            html = text_as_html(bare.strip())
        outbox_enqueue(
            kind=ACCOUNT_KIND_PREFIX + template_prefix.rsplit("/", 1)[-1],
            to=email,
            subject=message.subject,
            body_text=message.body,
            body_html=html,
            # Each call is its own message (two reset requests are two emails), never a repeat of one.
            event=uuid.uuid4().hex,
        )

    def get_login_redirect_url(self, request) -> str:
        """Where a sign-in without a `next` lands: a therapist on their day (the therapist's day page,
        named by its URL so clinic imports nothing of intake), other staff on the staff dashboard,
        patients where allauth sends them."""
        user = request.user
        if is_staff_member(user):
            if Therapist.objects.filter(user=user, active=True).exists():
                return reverse("intake:therapist-day")
            return reverse("staff-dashboard")
        return super().get_login_redirect_url(request)

    def get_client_ip(self, request) -> str:
        return client_ip(request)

    def pre_authenticate(self, request, **credentials: Any) -> None:
        """Count this attempt against the account from this client, then against the account from
        everywhere; refuse it, before the password is checked, if either is used up. A correct
        password gives both back (allauth rolls back `_login_failed_rl_usage` on success)."""
        account = account_key(credentials.get("email") or credentials.get("username") or "")
        by_client = ratelimit.consume(
            request, app="allauth.account", action="login_failed", key=f"{account}:{client_network(request)}"
        )
        by_account = by_client and ratelimit.consume(
            request, app="allauth.account", action="login_failed_account", key=account
        )
        if not by_account:
            if by_client:  # refused unchecked, so it was no failed guess: give the client's count back
                by_client.rollback()
            raise self.validation_error("too_many_login_attempts")
        by_client.usage.extend(by_account.usage)
        self._login_failed_rl_usage = by_client

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Setting up a first second factor within minutes of signing in with the password asks for
        no second password (staff are sent there straight from signing in); any later change of
        second factors still does."""
        required = super().is_reauthentication_required(app=app, **kwargs)
        request = self.request
        if not (required and app == "allauth.mfa" and request is not None and request.user.is_authenticated):
            return required
        if has_second_factor(request.user):
            return True
        signed_in = [
            record["at"]
            for record in get_authentication_records(request, request.user)
            if record.get("method") == "password"
        ]
        return not (signed_in and time.time() - signed_in[-1] < account_settings.REAUTHENTICATION_TIMEOUT)


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": "That code is not correct. Type the 6 digits your authenticator app shows now.",
    }

    def encrypt(self, text: str) -> str:
        """Authenticator secrets are stored encrypted with a key derived from SECRET_KEY, so a copy of
        the database alone cannot make codes."""
        return _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return _fernet().decrypt(encrypted_text.encode()).decode()


def _fernet() -> MultiFernet:
    # The current key encrypts; the keys in SECRET_KEY_FALLBACKS still decrypt, so rotating
    # SECRET_KEY the way Django documents it keeps every authenticator working.
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet(
        [
            Fernet(
                base64.urlsafe_b64encode(
                    salted_hmac(SALT, "secrets", secret=key, algorithm="sha256").digest()
                )
            )
            for key in keys
        ]
    )
