"""Review's panel on the staff dashboard (`clinic.dashboard`): the cases waiting for this reviewer's
decision, most severe first, with the time left before each is escalated. Each patient shown is
recorded as read (an outcome is health data)."""

from __future__ import annotations

from django.utils import timezone

from clinic.audit.models import AccessKind
from clinic.dashboard import PANEL_ROWS, Panel, register_panel
from clinic.models import ClinicPolicy

from .. import permissions
from . import selectors


def cases_waiting(request) -> Panel | None:
    user = request.user
    if not permissions.can_review(user):
        return None
    cases = list(selectors.review_queue(user=user)[: PANEL_ROWS + 1])
    shown = cases[:PANEL_ROWS]
    permissions.record_reads(request, kind=AccessKind.QUEUE, records=shown)
    now = timezone.now()
    deadline = ClinicPolicy.get().review_deadline_hours
    for case in shown:
        hours_left = (case.appointment.start - now).total_seconds() / 3600
        case.overdue = case.escalated_at is not None or hours_left <= deadline
    return Panel(
        "intake/dashboard/cases_waiting.html",
        order=20,
        context={"cases": shown, "more": len(cases) > PANEL_ROWS, "now": now, "deadline_hours": deadline},
    )


def register() -> None:
    register_panel(cases_waiting)
