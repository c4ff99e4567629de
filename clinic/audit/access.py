"""Access events: every staff read of a patient's health data is written in the request that reads it.

The apps' permission layers hand a view a record about a patient through `get_record_or_404` (from a
queryset scoped to what the user may see), `intake.permissions.read_intake` or `record_reads`, all of
which call `record_access`; the admin of every such
model records its list and record pages (`clinic.audit.admin.RecordsAccessAdmin`). A view that shows
health data is marked `@reads_health_data`: it fails loudly if a staff member was shown a page without
the permission layer recording it, so a new view cannot forget (the tests walk every route).

A record "about a patient" is a model with `get_additional_data()` returning `{"patient": <id>}` (the
same hook the change trail uses, see `trail`). A patient reading their own record is not recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist
from django.db import models
from django.shortcuts import get_object_or_404

from ..roles import is_staff_member, role_label
from .models import AccessEvent
from .trail import request_ip

RECORDED = "_clinic_access_recorded"
_ACTOR = "_clinic_access_actor"


def patient_id_of(record: models.Model) -> int:
    """The id of the patient a record is about (its `get_additional_data()["patient"]`)."""
    return record.get_additional_data()["patient"]


def _actor_details(request) -> tuple[str, str]:
    """The reader's name and role as the patient will see them (read once per request)."""
    details = getattr(request, _ACTOR, None)
    if details is None:
        user = request.user
        try:  # often loaded already by the view (the therapist's own pages)
            name = user.therapist.display_name
        except ObjectDoesNotExist:
            name = ""
        details = ((name or user.get_full_name() or "")[:150], role_label(user)[:80])
        setattr(request, _ACTOR, details)
    return details


def record_access(request, *, kind: str, records: Iterable[models.Model]) -> list[AccessEvent]:
    """Write one access event per patient among `records` (the first record of each names what was
    read), by the signed-in user, from the request's address, now. Nothing for a patient reading their
    own record or for an anonymous request. One query for the events, however many, plus two the first
    time in a request (the reader's name and role)."""
    setattr(request, RECORDED, True)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    first: dict[int, models.Model] = {}
    for record in records:
        patient_id = patient_id_of(record)
        if patient_id != user.pk:
            first.setdefault(patient_id, record)
    if not first:
        return []
    name, role = _actor_details(request)
    ip_address = request_ip(request)
    user_agent = request.headers.get("User-Agent", "")[:300]
    path = request.path[:300]
    events = [
        AccessEvent(
            patient_id=patient_id,
            actor=user,
            actor_name=name,
            actor_role=role,
            kind=kind,
            object_type=record._meta.label_lower,
            object_id=str(record.pk),
            path=path,
            ip_address=ip_address,
            user_agent=user_agent,
        )
        for patient_id, record in first.items()
    ]
    return AccessEvent.objects.bulk_create(events)


def get_record_or_404(request, queryset: models.QuerySet, *, kind: str, **lookup) -> models.Model:
    """The record of `queryset` (already scoped to what the user may see: an app's `*_visible_to(user)`)
    matching `lookup`, or 404; a staff member's read of it is recorded."""
    record = get_object_or_404(queryset, **lookup)
    record_access(request, kind=kind, records=[record])
    return record


def reads_health_data(view: Callable) -> Callable:
    """Mark a view that shows health data. When it shows a page (2xx, or 400 with the form again) to a
    staff member without having passed through `record_access`, it raises instead of returning it:
    an unrecorded read is a bug, and the tests of every marked route find it."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        shown = response.status_code < 300 or response.status_code == 400
        user = getattr(request, "user", None)
        staff = bool(user and (is_staff_member(user) or user.is_superuser))
        if shown and staff and not getattr(request, RECORDED, False):
            raise ImproperlyConfigured(
                f"{view.__module__}.{view.__qualname__} showed health data to staff without recording "
                "an access event: hand it its records through the permission layer."
            )
        return response

    wrapper.reads_health_data = True
    return wrapper
