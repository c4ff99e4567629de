"""Bookings' panel on the staff dashboard (`clinic.dashboard`): today's appointments. The desk sees the
whole clinic's day (counts per status, who is still to come); a therapist their own visits."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from clinic.dashboard import PANEL_ROWS, Panel, register_panel
from clinic.models import Therapist

from . import permissions
from .desk.day import day_sheets
from .models import Appointment, Status
from .selectors import clinic_zone
from .services import ARRIVAL_STATUSES

THERAPIST_DAY_STATUSES = (Status.PENDING_REVIEW, Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW)


def todays_appointments(request) -> Panel | None:
    user = request.user
    tz = clinic_zone()
    now = timezone.now()
    today = now.astimezone(tz).date()
    if permissions.can_manage_appointments(user):
        (sheet,), counts = day_sheets(first=today, last=today)
        to_come = [
            a
            for a in sheet.appointments
            if a.status in ARRIVAL_STATUSES and a.arrived_at is None and a.end > now
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
    therapist = Therapist.objects.filter(user=user).first()
    if therapist is None:
        return None
    start = datetime.combine(today, time.min, tzinfo=tz)
    visits = list(
        Appointment.objects.for_therapist(therapist)
        .filter(status__in=THERAPIST_DAY_STATUSES, start__gte=start, start__lt=start + timedelta(days=1))
        .select_related("patient", "service")
        .order_by("start", "pk")
    )
    return Panel(
        "bookings/dashboard/today_therapist.html", order=30, context={"today": today, "visits": visits}
    )


def register() -> None:
    register_panel(todays_appointments)
