"""django-allauth's adapter: account emails go through the outbox like every other email."""

from __future__ import annotations

import uuid

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site

from .outbox.models import ACCOUNT_KIND_PREFIX
from .outbox.services import outbox_enqueue


class AccountAdapter(DefaultAccountAdapter):
    """Address confirmations, password resets and account notices are outbox rows sent by the worker,
    so sign-up and reset pages never wait on the mail server, nor fail with it (allauth's own adapter
    sends inside the request: a hung server held the page for EMAIL_TIMEOUT, then answered 500)."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        message = self.render_mail(
            template_prefix,
            email,
            {"request": request, "email": email, "current_site": get_current_site(request), **context},
        )
        html = next(
            (body for body, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), ""
        )
        outbox_enqueue(
            kind=ACCOUNT_KIND_PREFIX + template_prefix.rsplit("/", 1)[-1],
            to=email,
            subject=message.subject,
            body_text=message.body,
            body_html=html,
            # Each call is its own message (two reset requests are two emails), never a repeat of one.
            event=uuid.uuid4().hex,
        )
