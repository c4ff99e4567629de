"""The review badge in the navigation."""

from __future__ import annotations

from clinic.audit.models import AccessKind

from . import permissions
from .review import selectors
from .review.alerts import alerts_open


def review_count(request) -> dict:
    """For clinic admins and therapists: the number of open cases they may see (one query). Nothing,
    and no query, for anyone else: the permission check reuses the cache the clinic processor filled."""
    user = getattr(request, "user", None)
    if not permissions.can_review(user):
        return {"review_nav": {"can_review": False, "open_count": 0}}
    return {"review_nav": {"can_review": True, "open_count": selectors.review_open_count(user=user)}}


class _OpenAlerts:
    """The open staff alerts, read only if a template asks for them (the staff dashboard and the
    review queue do; other pages cost no query). An alert shown names its patient and that their
    screening needs someone: each patient shown is recorded as read."""

    def __init__(self, request):
        self._request = request
        self._alerts = None

    @property
    def list(self) -> list:
        if self._alerts is None:
            self._alerts = list(alerts_open(user=self._request.user))
            permissions.record_reads(self._request, kind=AccessKind.ALERT, records=self._alerts)
        return self._alerts


def staff_alerts(request) -> dict:
    """For staff (clinic admins, therapists, front desk): their unacknowledged alerts, lazily."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and user.has_perm("clinic.access_staff_area")):
        return {"staff_alerts": None}
    return {"staff_alerts": _OpenAlerts(request)}
