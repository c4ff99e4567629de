"""The patient's side of the access log: who at the clinic has seen their record."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from .models import AccessEvent

EVENTS_PER_PAGE = 25


@login_required
def record_access(request):
    """The signed-in person's access events, newest first, a page at a time: who (name and role),
    what and when, in the clinic's zone. Two queries for the events whatever their number. Only ever
    their own: the events are read through the signed-in user, never by an id from the address."""
    events = AccessEvent.objects.about(request.user).only(
        "at", "actor_name", "actor_role", "kind", "object_type", "patient"
    )
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "clinic/record_access.html", {"page": page, "events": page.object_list})
