from __future__ import annotations

from django.conf import settings

from .request_cache import request_scope
from .roles import is_staff_member


class RequestCacheMiddleware:
    """Each request reads the clinic policy at most once, and never sees one read for another."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_scope():
            return self.get_response(request)


def leaves_session_alone(view):
    """Mark a view that must not touch the visitor's session, so its response never sets a cookie (a
    calendar feed, fetched by calendar apps and sometimes by a signed-in browser): the idle timeout
    does not renew the session for it."""
    view.leaves_session_alone = True
    return view


class IdleSessionTimeoutMiddleware:
    """End a signed-in session after a period without requests; staff sooner than patients.

    Setting the expiry on every request makes the session's lifetime count from the last request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "leaves_session_alone", False):
            return None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            staff = user.is_staff or is_staff_member(user)
            request.session.set_expiry(
                settings.STAFF_SESSION_IDLE_SECONDS if staff else settings.PATIENT_SESSION_IDLE_SECONDS
            )
        return None
