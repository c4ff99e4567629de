"""Making, replacing and turning off a therapist's calendar link, and finding the feed an address names.

The token is 32 random bytes (256 bits) from `secrets`; the database keeps only its SHA-256 hash, so
a copy of the database does not hand out working addresses, and the lookup compares hashes, not the
secret itself. Someone guessing addresses cannot learn anything from timing or from the answer: an
unknown token and a turned-off one both get the same 404.
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from clinic.models import Therapist

from ..errors import BookingError
from ..permissions import can_manage_calendar_feed
from .models import CalendarFeed

TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def calendar_feed_issue(*, therapist: Therapist, by) -> str:
    """Make the therapist's calendar link, or a new one in place of the old, which stops working at
    once (one link per therapist). Only the therapist and clinic admins may. Returns the new token:
    it is not stored, so this is the only time anyone sees it."""
    _check_may_manage(by, therapist)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        # The therapist's row serialises two requests making a link at once (one row, the later wins).
        Therapist.objects.select_for_update().filter(pk=therapist.pk).exists()
        CalendarFeed.objects.update_or_create(
            therapist=therapist,
            defaults={"token_hash": token_hash(token), "created_at": timezone.now(), "created_by": by},
        )
    return token


def calendar_feed_revoke(*, therapist: Therapist, by) -> bool:
    """Turn the therapist's calendar link off: it answers 404 from now on and calendars subscribed to it
    stop updating. Only the therapist and clinic admins may. Returns whether there was a link."""
    _check_may_manage(by, therapist)
    deleted, _ = CalendarFeed.objects.filter(therapist=therapist).delete()
    return bool(deleted)


def calendar_feed_find(token: str) -> CalendarFeed | None:
    """The live feed `token` opens, with its therapist and their account, or None (unknown, replaced or
    turned off, or the therapist's account is deactivated). One query."""
    return (
        CalendarFeed.objects.select_related("therapist__user")
        .filter(token_hash=token_hash(token), therapist__user__is_active=True)
        .first()
    )


def _check_may_manage(by, therapist: Therapist) -> None:
    if not can_manage_calendar_feed(by, therapist):
        raise BookingError(
            "Only the therapist and clinic admins can change this calendar link.", code="not_allowed"
        )
