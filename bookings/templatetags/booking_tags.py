"""`{% status_badge appointment %}`: one colour for each appointment status on every page."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from ..models import Appointment, Status

register = template.Library()

# Bootstrap's `text-bg-*` colours. Waiting is amber, booked green, refused or declined red, the rest grey.
STATUS_COLOURS: dict[str, str] = {
    Status.HELD: "warning",
    Status.PENDING_REVIEW: "warning",
    Status.CONFIRMED: "success",
    Status.COMPLETED: "primary",
    Status.NO_SHOW: "dark",
    Status.CANCELLED: "secondary",
    Status.DECLINED: "danger",
    Status.REFUSED: "danger",
    Status.EXPIRED: "secondary",
}


@register.simple_tag
def status_badge(appointment: Appointment) -> str:
    """The status as people should read it (`status_label`: a lapsed hold shows as expired). Long labels
    wrap, so a table of appointments still fits a phone's width."""
    status = Status.EXPIRED if appointment.hold_lapsed else appointment.status
    return format_html(
        '<span class="badge text-bg-{} text-wrap" data-status="{}">{}</span>',
        STATUS_COLOURS.get(status, "secondary"),
        status,
        appointment.status_label,
    )


@register.filter
def hours_before(hours: int) -> str:
    """A policy's notice in words: 24 → "the day before", 48 → "2 days before", 3 → "3 hours before"."""
    hours = int(hours)
    if hours == 24:
        return "the day before"
    if hours and hours % 24 == 0:
        return f"{hours // 24} days before"
    return f"{hours} hour{'s' if hours != 1 else ''} before"


@register.filter
def short_name(user) -> str:
    """How staff name a patient in a heading: "Anna K." (first name, initial of the last), else as
    the account names itself (its full name or email, or a closed account)."""
    first = (getattr(user, "first_name", "") or "").strip()
    last = (getattr(user, "last_name", "") or "").strip()
    if first and last and not getattr(user, "is_erased", False):
        return f"{first} {last[0]}."
    return str(user)
