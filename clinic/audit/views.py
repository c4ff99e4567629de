"""The patient's side of the access log: who at the clinic has seen their record."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from .models import AccessEvent, AccessKind

EVENTS_PER_PAGE = 25
ADMIN_KINDS = (AccessKind.ADMIN_LIST, AccessKind.ADMIN_VIEW)


def _what(event: AccessEvent) -> str:
    """What was seen, in the patient's words; for the admin pages, which kind of record."""
    label = event.get_kind_display()
    if event.kind in ADMIN_KINDS:
        try:
            model = apps.get_model(event.object_type)
        except (LookupError, ValueError):
            return label
        return f"{label}: {model._meta.verbose_name}"
    return label


@login_required
def record_access(request):
    """The signed-in person's access events, newest first, a page at a time: who (name and role),
    what and when, in the clinic's zone. Two queries for the events whatever their number. Only ever
    their own: the events are read through the signed-in user, never by an id from the address."""
    events = AccessEvent.objects.about(request.user).only(
        "at", "actor_name", "actor_role", "kind", "object_type", "patient"
    )
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"event": event, "what": _what(event)} for event in page.object_list]
    return render(request, "clinic/record_access.html", {"page": page, "rows": rows})
