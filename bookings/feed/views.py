"""The feed itself (no sign-in: the address is the key) and the therapist's page that makes, replaces
and turns off their link."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponse, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from clinic.errors import show_error
from clinic.middleware import leaves_session_alone
from clinic.models import ClinicPolicy, ClinicProfile, Therapist

from ..errors import BookingError
from ..ics import appointment_location
from ..selectors import clinic_zone
from .ics import DAYS_BACK, feed_appointments, therapist_feed_ics
from .models import CalendarFeed
from .services import calendar_feed_find, calendar_feed_issue, calendar_feed_revoke

# The new address waits here (in the server-side session) between the POST that makes it and the one
# page that shows it.
NEW_TOKEN_SESSION_KEY = "calendar_feed_new_token"  # noqa: S105 - a session key, not a secret

NOT_FOUND_TEXT = (
    "This calendar link does not work: it was turned off or replaced by a new one, or it never existed.\n"
)


def feed_url(token: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse('bookings:calendar-feed', args=[token])}"


def webcal_url(url: str) -> str:
    """The same address with the webcal scheme, which opens a calendar app's "subscribe" dialogue."""
    return "webcal://" + url.split("://", 1)[1]


def feed_location() -> str:
    """Where every session is: the clinic's name and address, as in the patients' calendar files."""
    return appointment_location(ClinicProfile.get())


@leaves_session_alone
@never_cache
@require_safe
def calendar_feed(request, token: str):
    """The therapist's appointments as `.ics` for calendar apps: three queries however many there are;
    never cached, no cookie; an unknown, replaced or turned-off address gets a plain 404."""
    feed = calendar_feed_find(token)
    if feed is None:
        return HttpResponseNotFound(NOT_FOUND_TEXT, content_type="text/plain; charset=utf-8")
    appointments = feed_appointments(feed.therapist, now=timezone.now())
    body = therapist_feed_ics(feed.therapist, appointments, location=feed_location())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="appointments.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _own_therapist(user) -> Therapist:
    try:
        return user.therapist
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


@never_cache
@login_required
def my_calendar_feed(request):
    """The signed-in therapist's calendar link: on or off, and the new address once, just after it is
    made (it is never stored, so never shown again)."""
    therapist = _own_therapist(request.user)
    feed = CalendarFeed.objects.filter(therapist=therapist).select_related("created_by").first()
    token = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    url = feed_url(token) if token and feed is not None else None
    return render(
        request,
        "bookings/calendar_feed.html",
        {
            "feed": feed,
            "new_url": url,
            "webcal_url": webcal_url(url) if url else None,
            "days_back": DAYS_BACK,
            "days_ahead": ClinicPolicy.get().horizon_days,
            "time_zone": clinic_zone().key,
        },
    )


@login_required
@require_POST
def my_calendar_feed_new(request):
    therapist = _own_therapist(request.user)
    try:
        token = calendar_feed_issue(therapist=therapist, by=request.user)
    except BookingError as exc:
        show_error(request, exc)
    else:
        request.session[NEW_TOKEN_SESSION_KEY] = token
    return redirect("bookings:my-calendar-feed")


@login_required
@require_POST
def my_calendar_feed_off(request):
    therapist = _own_therapist(request.user)
    try:
        was_on = calendar_feed_revoke(therapist=therapist, by=request.user)
    except BookingError as exc:
        show_error(request, exc)
    else:
        request.session.pop(NEW_TOKEN_SESSION_KEY, None)
        if was_on:
            messages.success(request, "Your calendar link is off: it stopped working just now.")
        else:
            messages.info(request, "Your calendar link was already off.")
    return redirect("bookings:my-calendar-feed")
