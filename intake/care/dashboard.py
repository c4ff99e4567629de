"""The therapist's panel on the staff dashboard (`clinic.dashboard`): today's own visits, linking to the
therapist's day (intake's page, which shows each visit's screening outcome and plan)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from bookings.models import Appointment, Status
from bookings.selectors import clinic_zone
from clinic.dashboard import Panel, register_panel
from clinic.models import Therapist

THERAPIST_DAY_STATUSES = (Status.PENDING_REVIEW, Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW)


def todays_visits(request) -> Panel | None:
    """A therapist's visits today, in time order; None for anyone without a therapist record."""
    therapist = Therapist.objects.filter(user=request.user).first()
    if therapist is None:
        return None
    tz = clinic_zone()
    today = timezone.now().astimezone(tz).date()
    start = datetime.combine(today, time.min, tzinfo=tz)
    visits = list(
        Appointment.objects.for_therapist(therapist)
        .filter(status__in=THERAPIST_DAY_STATUSES, start__gte=start, start__lt=start + timedelta(days=1))
        .select_related("patient", "service")
        .order_by("start", "pk")
    )
    return Panel(
        "intake/dashboard/today_therapist.html", order=30, context={"today": today, "visits": visits}
    )


def register() -> None:
    register_panel(todays_visits)
