"""The review badge in the navigation."""

from __future__ import annotations

from . import permissions
from .review import selectors


def review_count(request) -> dict:
    """For clinic admins and therapists: the number of open cases they may see (one query). Nothing,
    and no query, for anyone else: the permission check reuses the cache the clinic processor filled."""
    user = getattr(request, "user", None)
    if not permissions.can_review(user):
        return {"review_nav": {"can_review": False, "open_count": 0}}
    return {"review_nav": {"can_review": True, "open_count": selectors.review_open_count(user=user)}}
