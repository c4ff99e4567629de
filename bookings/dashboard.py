"""Bookings' panel on the staff dashboard (`clinic.dashboard`): today's appointments. The desk sees the
whole clinic's day (counts per status, who is still to come). A therapist's own visits are intake's panel
(intake.care.dashboard), since it links to the therapist's day."""

from __future__ import annotations

from django.utils import timezone

from clinic.dashboard import PANEL_ROWS, Panel, register_panel

from . import permissions
from .desk.day import day_sheets
from .selectors import clinic_zone
from .services import ARRIVAL_STATUSES


def todays_appointments(request) -> Panel | None:
    """The desk's panel: the clinic's day so far, with who is still to come."""
    if not permissions.can_manage_appointments(request.user):
        return None
    now = timezone.now()
    today = now.astimezone(clinic_zone()).date()
    (sheet,), counts = day_sheets(first=today, last=today)
    to_come = [
        a for a in sheet.appointments if a.status in ARRIVAL_STATUSES and a.arrived_at is None and a.end > now
    ]
    return Panel(
        "bookings/dashboard/today_desk.html",
        order=30,
        context={
            "today": today,
            "counts": counts,
            "total": sum(c.count for c in counts),
            "to_come": to_come[:PANEL_ROWS],
            "more": max(0, len(to_come) - PANEL_ROWS),
        },
    )


def register() -> None:
    register_panel(todays_appointments)
