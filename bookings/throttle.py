"""The brake on attempts to hold a slot (issue: one patient held 94 slots in 20 s through the API)."""

from __future__ import annotations

from django.conf import settings

from clinic.ratelimit import client_network, hit

HOLD_RATE_LIMITED_MESSAGE = (
    "Too many booking attempts in a short time. Please wait a minute and try again; "
    "times you already hold stay yours meanwhile."
)


def hold_attempt_allowed(request) -> bool:
    """One attempt to hold a slot (booking page or API), counted per user and per client address in
    the same window, so the page and the API share one allowance."""
    window = settings.HOLD_RATE_LIMIT_WINDOW_SECONDS
    by_user = hit(
        "hold", f"user:{request.user.pk}", limit=settings.HOLD_RATE_LIMIT_PER_USER, window_seconds=window
    )
    by_ip = hit(
        "hold", f"ip:{client_network(request)}", limit=settings.HOLD_RATE_LIMIT_PER_IP, window_seconds=window
    )
    return by_user and by_ip


def hold_retry_after() -> str:
    """The Retry-After header for a refused attempt: at most one window."""
    return str(settings.HOLD_RATE_LIMIT_WINDOW_SECONDS)
