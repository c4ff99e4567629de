"""The staff dashboard's panels. clinic shows the page but knows nothing of bookings or intake, so each
app registers the panels it owns from its `AppConfig.ready()`: intake the cases waiting for review,
bookings today's appointments, clinic itself licence expiries and failed messages. A provider returns
None when the panel is not for this person (a therapist sees no failed messages)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from .models import Licence
from .outbox.models import OutboxMessage
from .outbox.models import Status as OutboxStatus

LICENCE_WARNING_DAYS = 60
PANEL_ROWS = 8


@dataclass(frozen=True)
class Panel:
    """One panel: its template, what to render it with, and where it sits (lower first)."""

    template_name: str
    order: int
    context: Mapping[str, Any] = field(default_factory=dict)


Provider = Callable[[Any], "Panel | None"]  # given the request
_providers: list[Provider] = []


def register_panel(provider: Provider) -> None:
    """Add a panel; the same provider registered twice is kept once."""
    if provider not in _providers:
        _providers.append(provider)


def panels_for(request) -> list[Panel]:
    found = [panel for provider in _providers if (panel := provider(request)) is not None]
    return sorted(found, key=lambda panel: panel.order)


def licence_expiries(request) -> Panel | None:
    """Clinic admins: licences of active therapists that expire within LICENCE_WARNING_DAYS (or have
    expired) with no later licence of the same type recorded, soonest first. Two queries."""
    if not request.user.has_perm("clinic.change_licence"):
        return None
    today = timezone.localdate()
    cutoff = today + timedelta(days=LICENCE_WARNING_DAYS)
    renewed = set(
        Licence.objects.filter(therapist__active=True, expires_on__gt=cutoff).values_list(
            "therapist_id", "licence_type_id"
        )
    )
    expiring = [
        licence
        for licence in Licence.objects.filter(therapist__active=True, expires_on__lte=cutoff)
        .select_related("therapist", "licence_type")
        .order_by("expires_on", "pk")
        if (licence.therapist_id, licence.licence_type_id) not in renewed
    ]
    return Panel(
        "clinic/dashboard/licences.html",
        order=40,
        context={"licences": expiring[:PANEL_ROWS], "today": today, "days": LICENCE_WARNING_DAYS},
    )


def failed_messages(request) -> Panel | None:
    """Clinic admins: emails the outbox gave up on, newest first, with a link to resend them."""
    if not request.user.has_perm("clinic.view_outboxmessage"):
        return None
    failed = OutboxMessage.objects.filter(status=OutboxStatus.FAILED)
    rows = list(
        failed.only("pk", "kind", "subject", "created_at").order_by("-created_at", "-pk")[: PANEL_ROWS + 1]
    )
    return Panel(
        "clinic/dashboard/failed_messages.html",
        order=50,
        context={
            "messages_failed": rows[:PANEL_ROWS],
            "more": len(rows) > PANEL_ROWS,
            "admin_url": reverse("admin:clinic_outboxmessage_changelist") + "?status__exact=failed",
        },
    )


def register() -> None:
    register_panel(licence_expiries)
    register_panel(failed_messages)
