"""A visitor who picks a time keeps it through signing up or logging in.

The pick (service, start, therapist or "any") waits in the session; the moment the visitor becomes
signed in (allauth's `user_logged_in`, sent by login and by sign-up alike) the time is held for them,
inside the login request, and the outcome waits in the session for the page they come back to
(`views.hold_resume`): the held slot's next step, or, if it was taken meanwhile, why, with the same
day's times. Django keeps session data across login, so nothing is carried in the URL."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode

from clinic.errors import error_text

from . import extensions, selectors, services
from .models import Service

CHOICE_KEY = "bookings.visitor_choice"
OUTCOME_KEY = "bookings.visitor_choice_outcome"


def remember(request, *, service: Service, start: datetime, therapist_id: int | None) -> None:
    request.session[CHOICE_KEY] = {
        "service": service.pk,
        "start": start.isoformat(),
        "therapist": therapist_id,
    }


def slots_url(service: Service, start: datetime, therapist_id: int | None = None) -> str:
    """The service's slot page on the local day of `start`."""
    params = {"date": start.astimezone(selectors.clinic_zone()).date().isoformat()}
    if therapist_id:
        params = {"therapist": therapist_id, **params}
    return f"{reverse('bookings:service-slots', args=[service.slug])}?{urlencode(params)}"


def hold_remembered(request, user) -> None:
    """Hold the time the visitor picked before signing in, if any; the outcome waits in the session."""
    choice = request.session.pop(CHOICE_KEY, None)
    if not isinstance(choice, dict):
        return
    service = Service.objects.active().filter(pk=choice.get("service")).first()
    start = parse_datetime(str(choice.get("start", "")))
    if service is None or start is None or start.tzinfo is None:
        return
    therapist_id = choice.get("therapist")
    try:
        appointment = services.appointment_book_choice(
            patient=user, service=service, start=start, therapist_id=therapist_id
        )
    except services.BookingError as exc:
        outcome = {"error": error_text(exc), "url": slots_url(service, start, therapist_id)}
    else:
        outcome = {
            "appointment": appointment.pk,
            "url": extensions.next_step_url(appointment) or appointment.get_absolute_url(),
        }
    request.session[OUTCOME_KEY] = outcome


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        hold_remembered(request, user)
