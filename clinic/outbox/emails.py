"""Rendering emails from templates: every email extends `clinic/email/base.txt` and `base.html`, which
carry the clinic's name, address and phone (its profile), shows times in the clinic's zone with the
zone named, and links absolutely from `SITE_URL`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string

from ..models import ClinicProfile


def absolute_url(path: str) -> str:
    """`path` (e.g. from `reverse`) as a link that works from an email."""
    return f"{settings.SITE_URL.rstrip('/')}/{path.lstrip('/')}"


def clinic_time(moment: datetime) -> datetime:
    """`moment` on the clinic's wall clock; show it with `time_zone` from the email context."""
    return moment.astimezone(ZoneInfo(settings.CLINIC_TIME_ZONE))


def email_subject(text: str) -> str:
    """A subject line ending with the clinic's name, so the patient knows who writes."""
    return f"{text} - {ClinicProfile.get().display_name}"


def email_context() -> dict:
    """What the base templates read: `clinic` (the profile), `clinic_name`, `site_url`, `time_zone`."""
    profile = ClinicProfile.get()
    return {
        "clinic": profile,
        "clinic_name": profile.display_name,
        "site_url": settings.SITE_URL.rstrip("/"),
        "time_zone": settings.CLINIC_TIME_ZONE,
    }


def text_as_html(text: str) -> str:
    """An email written only as text (an account email), as the HTML part on the clinic's base:
    paragraphs kept, links made clickable."""
    return render_to_string("clinic/email/text_as_html.html", {**email_context(), "text": text})


def render_email(template: str, context: dict) -> tuple[str, str]:
    """Render `<template>.txt` and `<template>.html` (e.g. "bookings/email/appointment") into the
    plain-text and HTML bodies. The context gains `email_context()`."""
    full = {**email_context(), **context}
    text = render_to_string(f"{template}.txt", full).strip() + "\n"
    html = render_to_string(f"{template}.html", full)
    return text, html
