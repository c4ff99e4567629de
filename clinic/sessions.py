"""How long a signed-in session lasts, and how a person ends theirs.

- The session cookie is a browser-session cookie (`SESSION_EXPIRE_AT_BROWSER_CLOSE`, no "remember
  me"): closing the browser ends it. Nothing here ever gives the cookie an expiry date.
- On the server a session ends after `STAFF_SESSION_IDLE_SECONDS` (staff, 30 minutes) or
  `PATIENT_SESSION_IDLE_SECONDS` (patients, 2 hours) without a request, and
  `SESSION_ABSOLUTE_SECONDS` (12 hours) after logging in whatever the activity
  (`SessionLifetimeMiddleware`, from the times stored in the session). The time of the last request
  is written back at most once every `SEEN_EVERY` seconds (a minute), not on every request, so a busy
  browser does not rewrite its session row each time: a session may end up to that minute before its
  idle limit, never after it.
- A password change or reset ends every other session: the session carries a hash of the password
  (Django's session verification), and the sessions allauth tracks are deleted too. "Log out
  everywhere" (`sessions_end_all`) moves the account's `session_generation` on, which ends every
  session however it was made, tracked or not; so does removing a second factor (every other session)
  or a clinic admin resetting it (every session).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import import_module

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import HASH_SESSION_KEY, get_user_model, logout, update_session_auth_hash
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from .roles import is_staff_member

STARTED_KEY = "clinic_session_started"  # seconds since the epoch, set at login
SEEN_KEY = "clinic_session_seen"  # the last request's time, to within SEEN_EVERY
SEEN_EVERY = 60  # seconds: a request this soon after the stored time leaves the session unsaved


def _now() -> float:
    return timezone.now().timestamp()


def idle_limit(user) -> int:
    staff = user.is_staff or is_staff_member(user)
    return settings.STAFF_SESSION_IDLE_SECONDS if staff else settings.PATIENT_SESSION_IDLE_SECONDS


def duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = max(1, seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def session_end_reason(data, user, *, now: float | None = None) -> str | None:
    """Why the session holding `data` has ended (a message for the person), or None while it lasts."""
    now = _now() if now is None else now
    started = data.get(STARTED_KEY)
    if started is not None and now - started > settings.SESSION_ABSOLUTE_SECONDS:
        return (
            f"For your privacy you are logged out {duration(settings.SESSION_ABSOLUTE_SECONDS)} after "
            "logging in. Please log in again."
        )
    seen = data.get(SEEN_KEY)
    if seen is None or now - seen <= min(
        settings.STAFF_SESSION_IDLE_SECONDS, settings.PATIENT_SESSION_IDLE_SECONDS
    ):
        return None  # within the shorter limit: who the user is (a role check) does not matter
    limit = idle_limit(user)
    if now - seen > limit:
        return (
            f"For your privacy you were logged out after {duration(limit)} without activity. "
            "Please log in again."
        )
    return None


def mark_session_start(sender, request, user, **kwargs) -> None:
    """On every login (`user_logged_in`): the clock of the absolute lifetime starts."""
    if hasattr(request, "session"):
        now = _now()
        request.session[STARTED_KEY] = now
        request.session[SEEN_KEY] = now


class SessionLifetimeMiddleware:
    """Log out a session that has been idle too long or lasted too long, with a message on the login
    page (the API answers 401 as for anyone signed out); otherwise note this request's time, when the
    stored one is `SEEN_EVERY` seconds old or more (so most requests do not save the session). A view
    marked `leaves_session_alone` (the calendar feed) is let through untouched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if getattr(view_func, "leaves_session_alone", False) or not (user and user.is_authenticated):
            return None
        reason = session_end_reason(request.session, user)
        if reason is None:
            now = _now()
            session = request.session
            if STARTED_KEY not in session:  # a session from before this rule
                session[STARTED_KEY] = now
            seen = session.get(SEEN_KEY)
            if seen is None or now - seen >= SEEN_EVERY:  # else the session is not saved again
                session[SEEN_KEY] = now
            return None
        logout(request)
        messages.info(request, reason)
        login_url = reverse(settings.LOGIN_URL)
        if request.path.startswith("/api/") or request.path == login_url:
            return None  # the API answers 401 as for anyone signed out; the login page shows itself
        return redirect_to_login(request.get_full_path(), login_url)


# --- ending sessions ---------------------------------------------------------------------------------


def _end_tracked(user, *, keep_key: str | None) -> None:
    for tracked in UserSession.objects.filter(user=user):
        if tracked.session_key != keep_key:
            tracked.end()


def sessions_end_every(user) -> None:
    """End every session of `user`, tracked or not, on any device, from outside them (an admin's
    reset of their second factor): the generation moves on, so every session's check fails."""
    with transaction.atomic():
        get_user_model().objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
        user.refresh_from_db(fields=["session_generation"])
        _end_tracked(user, keep_key=None)


def sessions_end_all(*, user, request, keep_this_one: bool) -> None:
    """End every session of `user`: tracked or not, on any device. With `keep_this_one` the browser
    making the request stays logged in (with a new session key); otherwise it is logged out too."""
    sessions_end_every(user)
    if keep_this_one:
        update_session_auth_hash(request, user)
        UserSession.objects.create_from_request(request)
    else:
        logout(request)


def end_other_sessions_on_password_change(sender, request, user, **kwargs) -> None:
    """allauth's `password_changed` and `password_set`: the sessions Django's password hash has
    already made useless are deleted as well; this browser keeps its (new) session."""
    _end_tracked(user, keep_key=request.session.session_key)


def end_other_sessions_on_factor_removed(sender, request, user, authenticator, **kwargs) -> None:
    """allauth.mfa's `authenticator_removed`: a second factor taken away (by its owner, or by whoever
    got into their session) ends every other session, as "log out on other devices" does; this browser
    stays. Recovery codes are removed only with the last app or key, which has ended them already.
    Regenerating recovery codes (`authenticator_reset`) ends nothing: it is routine (codes used up or
    printed again), the old codes stop working for any new sign-in at once, and the person's phone and
    laptop would be logged out for it."""
    if authenticator.type == "recovery_codes":
        return
    if request is not None and getattr(request, "user", None) is not None and request.user.pk == user.pk:
        sessions_end_all(user=user, request=request, keep_this_one=True)
    else:
        sessions_end_every(user)


def end_sessions_on_password_reset(sender, request, user, **kwargs) -> None:
    """allauth's `password_reset`: every tracked session ends; the person logs in afresh."""
    _end_tracked(user, keep_key=None)


# --- the account page's list -------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionInfo:
    started: datetime
    last_seen: datetime | None
    browser: str
    ip: str
    current: bool


def sessions_of(request) -> list[SessionInfo]:
    """The sessions the signed-in person is logged in with, this one first, then newest first, in two
    queries however many there are. This one is listed even if it was not tracked (a session made
    before tracking began)."""
    user, current_key = request.user, request.session.session_key
    tracked = list(UserSession.objects.filter(user=user).order_by("-created_at"))
    data = _session_data([t.session_key for t in tracked])
    auth_hash = user.get_session_auth_hash()
    found = []
    for session in tracked:
        values = data.get(session.session_key)
        if values is None or values.get(HASH_SESSION_KEY) != auth_hash:
            continue  # ended: logged out, password changed, logged out everywhere
        if session.session_key != current_key and session_end_reason(values, user) is not None:
            continue
        found.append(
            _info(
                values, session.created_at, session.user_agent, session.ip, session.session_key == current_key
            )
        )
    if not any(info.current for info in found):
        found.append(
            _info(
                request.session,
                None,
                request.META.get("HTTP_USER_AGENT", ""),
                get_account_adapter().get_client_ip(request),
                True,
            )
        )
    return sorted(found, key=lambda info: (not info.current, -info.started.timestamp()))


def _session_data(keys: list[str]) -> dict[str, dict]:
    """Each live session's data by key: one query with the database session engines, else one read
    per session (cache or file engines)."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if hasattr(store_class, "get_model_class"):
        rows = store_class.get_model_class().objects.filter(
            session_key__in=keys, expire_date__gt=timezone.now()
        )
        return {row.session_key: store_class().decode(row.session_data) for row in rows}
    found = {}
    for key in keys:
        store = store_class(key)
        values = store.load()
        if store.session_key == key:  # load() forgets a key that has no live session
            found[key] = values
    return found


def _info(values, created_at, user_agent: str, ip: str, current: bool) -> SessionInfo:
    started, seen = values.get(STARTED_KEY), values.get(SEEN_KEY)
    return SessionInfo(
        started=datetime.fromtimestamp(started, tz=UTC) if started else (created_at or timezone.now()),
        last_seen=datetime.fromtimestamp(seen, tz=UTC) if seen else None,
        browser=browser_name(user_agent),
        ip=ip,
        current=current,
    )


# First match wins: Edge and Opera also say "Chrome/", Chrome also says "Safari/".
BROWSERS = (
    ("Edg", "Edge"),
    ("OPR", "Opera"),
    ("CriOS", "Chrome"),
    ("FxiOS", "Firefox"),
    ("Firefox", "Firefox"),
    ("Chrome", "Chrome"),
    ("Safari", "Safari"),
)
SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def browser_name(user_agent: str) -> str:
    """'Firefox on Windows' from a browser's User-Agent; 'Unknown browser' when it says nothing known."""
    browser = next((name for token, name in BROWSERS if f"{token}/" in user_agent), None)
    system = next((name for token, name in SYSTEMS if token in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or (f"A browser on {system}" if system else "Unknown browser")
