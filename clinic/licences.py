"""The licence-expiry alert: clinic admins are emailed `ALERT_DAYS_BEFORE` days before a therapist's
licence expires, at `ALERT_TIME` on the clinic's clock, so there is time to record the renewal before
the therapist stops being bookable (availability reads licence validity per date).

A licence saved (admin, shell, `seed_demo`) schedules its alert task for its expiry (`clinic.tasks`);
the task checks the licence when it runs, so one whose expiry changed since (renewed, corrected) does
nothing and the task scheduled for the new date alerts instead. The email is an outbox row unique per
(licence, expiry, admin), so scheduling it again never sends it twice.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from . import roles
from .models import Licence
from .outbox.emails import absolute_url, email_subject, render_email
from .outbox.services import outbox_enqueue

LICENCE_EXPIRING = "licence.expiring"
ALERT_DAYS_BEFORE = 30
ALERT_TIME = time(9, 0)


def licence_alert_at(expires_on: date) -> datetime:
    """When admins hear of a licence that expires on `expires_on`: 09:00 clinic time, 30 days before."""
    day = expires_on - timedelta(days=ALERT_DAYS_BEFORE)
    return datetime.combine(day, ALERT_TIME, tzinfo=ZoneInfo(settings.CLINIC_TIME_ZONE))


def licence_alert_send(*, licence_id: int, expires_on: str) -> str:
    """Queue the alert to every clinic admin if the licence still expires on `expires_on` (ISO date),
    has not expired yet, belongs to an active therapist, and no later licence of the same type
    replaces it. Returns "queued", or why nothing was."""
    licence = Licence.objects.select_related("therapist", "licence_type").filter(pk=licence_id).first()
    if licence is None or licence.expires_on.isoformat() != expires_on:
        return "changed"
    today = timezone.now().astimezone(ZoneInfo(settings.CLINIC_TIME_ZONE)).date()
    if licence.expires_on < today or not licence.therapist.active:
        return "not needed"
    renewed = (
        Licence.objects.filter(
            therapist=licence.therapist, licence_type=licence.licence_type, expires_on__gt=licence.expires_on
        )
        .exclude(pk=licence.pk)
        .exists()
    )
    if renewed:
        return "not needed"
    admins = roles.role_emails(roles.CLINIC_ADMINS)
    if not admins:
        return "no clinic admins"
    body_text, body_html = render_email(
        "clinic/email/licence_expiring",
        {
            "licence": licence,
            "days_left": (licence.expires_on - today).days,
            "licence_url": absolute_url(reverse("admin:clinic_licence_change", args=[licence.pk])),
        },
    )
    outbox_enqueue(
        kind=LICENCE_EXPIRING,
        event=f"licence-{licence.pk}-expires-{expires_on}",
        to=admins,
        subject=email_subject(f"A therapist's licence expires on {licence.expires_on:%d %B %Y}"),
        body_text=body_text,
        body_html=body_html,
    )
    return "queued"
