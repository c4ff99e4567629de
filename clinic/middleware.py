from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from .accounts.second_factor import second_factor_missing
from .request_cache import request_scope

# Read by templates/mfa/recovery_codes/index.html (a template cannot look up a dotted key).
SECOND_FACTOR_NEXT_KEY = "clinic_second_factor_next"


class RequestCacheMiddleware:
    """Each request reads the clinic policy at most once, and never sees one read for another."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_scope():
            return self.get_response(request)


def leaves_session_alone(view):
    """Mark a view that must not touch the visitor's session, so its response never sets a cookie (a
    calendar feed, fetched by calendar apps and sometimes by a signed-in browser): the session's
    lifetime rules (`clinic.sessions.SessionLifetimeMiddleware`) neither renew nor end it there."""
    view.leaves_session_alone = True
    return view


class NoStoreMiddleware:
    """No browser or proxy keeps a copy of what a signed-in person sees, nor of any API answer:
    `Cache-Control: no-store` (with Django's other never-cache headers). Public pages seen signed out
    stay cacheable; static files never reach this middleware (whitenoise answers them first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith("/api/"):
            add_never_cache_headers(response)
        return response


class ApiJsonErrorsMiddleware:
    """Every error of the API is JSON `{code, message}`, also those that no API view wrote: django-ninja
    answers a method a route does not serve with a plain-text 405, and Django may refuse a request
    before the view (a body too large, a bad host). The status and its headers (`Allow`) are kept."""

    MESSAGES = {
        400: ("bad_request", "The request is not valid."),
        403: ("not_allowed", "You may not do this."),
        404: ("not_found", "Not found."),
        405: ("method_not_allowed", "This address does not answer %(method)s. Use %(allowed)s."),
        413: ("too_large", "The request is too large."),
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return self._as_json(request, response)
        return response

    def _as_json(self, request, response):
        code, message = self.MESSAGES.get(
            response.status_code, ("error", "The request could not be answered.")
        )
        allowed = sorted(m.strip() for m in response.get("Allow", "").split(",") if m.strip())
        message %= {"method": request.method, "allowed": " or ".join(allowed)}
        answer = JsonResponse({"code": code, "message": message}, status=response.status_code)
        for header in ("Allow", "Retry-After"):
            if header in response:
                answer[header] = response[header]
        return answer


class SecondFactorRequiredMiddleware:
    """A staff account without a second factor reaches nothing but the pages that set one up.

    Pages redirect to setting up an authenticator app (and come back to the page asked for, once it
    is set up); the API answers 403 `second_factor_required`. Open on the way: the second-factor pages,
    re-entering the password they may ask for, confirming an email address, logging out, static files,
    and views that leave the session alone (a calendar feed answers to its own token, not the session).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._open: tuple[str, ...] | None = None

    def __call__(self, request):
        return self.get_response(request)

    def open_paths(self) -> tuple[str, ...]:
        if self._open is None:
            self._open = (
                reverse("mfa_index"),
                reverse("account_reauthenticate"),
                reverse("account_logout"),
                reverse("account_email"),
                reverse("account_email_verification_sent"),
                reverse("account_confirm_email", args=["key"]).removesuffix("key/"),
                # The static files' URL prefix; `static("")` would ask production's manifest storage
                # for a file called '' and fail every request.
                settings.STATIC_URL,
                "/favicon.ico",
            )
        return self._open

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "leaves_session_alone", False) or request.path_info.startswith(
            self.open_paths()
        ):
            return None
        if not second_factor_missing(request):
            return None
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {
                    "code": "second_factor_required",
                    "message": "Staff accounts must set up two-step sign-in before using the clinic's "
                    "systems. Sign in on the website to set it up.",
                },
                status=403,
            )
        if request.method == "GET":
            request.session[SECOND_FACTOR_NEXT_KEY] = request.get_full_path()
        return redirect("mfa_activate_totp")
