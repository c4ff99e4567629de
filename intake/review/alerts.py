"""Staff alerts: the open ones each person is shown, and acknowledging one with a note of what was done.

An alert stays at the top of the staff dashboard and the review queue until someone acknowledges it.
Who sees which is `permissions.alerts_visible_to`; the health details behind it only
`permissions.can_read_alert_case`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.utils import timezone

from clinic.audit.trail import acted_by

from ..models import ScreeningResult, StaffAlert
from ..permissions import alerts_visible_to

NOTE_MAX_LENGTH = 1000


class AlertError(ValidationError):
    """An alert rule refused the request; `code` says which."""


def alerts_open(*, user) -> QuerySet[StaffAlert]:
    """Unacknowledged alerts this user is shown, urgent first, then newest; with everything the list
    shows (patient, therapist, service, the case's screening result id) in one query."""
    return (
        alerts_visible_to(user)
        .filter(acknowledged_at__isnull=True)
        .select_related("appointment__patient", "appointment__therapist", "appointment__service")
        .annotate(
            result_id=Subquery(
                ScreeningResult.objects.filter(appointment=OuterRef("appointment")).values("pk")[:1]
            ),
            urgent_first=Case(
                When(kind=StaffAlert.Kind.URGENT, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .order_by("urgent_first", "-created_at", "-pk")
    )


def alert_acknowledge(*, alert: StaffAlert, by, note: str) -> StaffAlert:
    """Record who acknowledged the alert, when, and a note of what they did ('phoned, advised A&E').

    Only someone shown the alert may acknowledge it, and only with a note. The row is locked: of two
    people acknowledging at once the first is recorded and the second gets the alert as it stands,
    unchanged (so a form posted twice records nothing twice).
    """
    note = (note or "").strip()
    if not note:
        raise AlertError("Please write what you did, e.g. 'phoned, advised A&E'.", code="note_required")
    if len(note) > NOTE_MAX_LENGTH:
        raise AlertError(f"Please keep the note under {NOTE_MAX_LENGTH} characters.", code="note_too_long")
    if not alerts_visible_to(by).filter(pk=alert.pk).exists():
        raise AlertError("You may not acknowledge this alert.", code="not_allowed")
    with transaction.atomic(), acted_by(by):
        locked = StaffAlert.objects.select_for_update().get(pk=alert.pk)
        if locked.acknowledged_at is None:
            locked.acknowledged_by = by
            locked.acknowledged_at = timezone.now()
            locked.note = note
            locked.save(update_fields=["acknowledged_by", "acknowledged_at", "note"])
    alert.refresh_from_db()
    return alert
