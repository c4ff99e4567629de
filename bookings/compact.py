"""The compact availability representation (`/api/v2/availability`) and its validators.

Compact: per local day, each free start once, with the ids of the therapists free then; each
therapist's name once per response. Built as plain dicts and lists in one pass over the engine's
grouped times (`availability.free_times`), for orjson to write: nothing walks them through pydantic.

Validators: the ETag names the availability version (`AvailabilityVersion`, raised by every write that
can change availability), the query it answers, and the instant from which the clock alone may change
the answer (`selectors.SlotListing.fresh_until`). A request carrying such an ETag is answered 304 while
the version is the same and that instant has not come, after one query.

Server-side cache: an answer is kept in the shared cache (`CACHES["default"]`) under the version and
the query, until the instant the clock alone may change it and for `AVAILABILITY_CACHE_SECONDS` at
most (default 300; 0 turns it off). A new version makes every kept answer unreachable, so a kept answer
is never older than the data the version stands for. Only this listing reads it: booking always checks
the database (`selectors.slot_is_bookable` under the schedule lock).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.utils.http import parse_etags

log = logging.getLogger(__name__)

# Raise it when the shape of the response changes, so no client keeps an answer in the old shape.
SHAPE = "2.1"


def compact_days(
    times: list[tuple[datetime, list[int]]],
    names: dict[int, str],
    *,
    tz: ZoneInfo,
    first_day: date,
    days: int,
) -> dict:
    """`{"days": [...], "therapists": [...]}` for `times` (`availability.free_times`: each start once,
    ascending, with its therapists by name): every local day asked for, those without a free time
    too, and each therapist listed under a time named once, in name order."""
    by_day: dict[date, list[dict]] = {first_day + timedelta(days=i): [] for i in range(days)}
    listed: set[int] = set()
    for start, therapists in times:
        local = start.astimezone(tz)
        by_day[local.date()].append({"start": local.isoformat(), "therapists": therapists})
        listed.update(therapists)
    return {
        "days": [{"date": day.isoformat(), "times": found} for day, found in by_day.items()],
        "therapists": [
            {"id": pk, "name": names[pk]} for pk in sorted(listed, key=lambda pk: (names[pk], pk))
        ],
    }


def query_key(*, service: str, therapist: int | None, first_day: date | None, days: int, tz: ZoneInfo) -> str:
    """A short digest of everything the answer depends on besides the data and the clock."""
    text = f"{SHAPE}|{tz.key}|{service}|{therapist or ''}|{first_day or ''}|{days}"
    return hashlib.blake2s(text.encode(), digest_size=6).hexdigest()


def etag(*, version: int, key: str, fresh_until: datetime) -> str:
    return f'"{version}.{int(fresh_until.timestamp())}.{key}"'


def _parts(tag: str) -> tuple[int, int, str] | None:
    version, _, rest = tag.removeprefix("W/").strip('"').partition(".")
    fresh_until, _, key = rest.partition(".")
    if not (version.isdigit() and fresh_until.isdigit() and key):
        return None
    return int(version), int(fresh_until), key


def still_fresh(if_none_match: str, *, version: int, key: str, now: datetime) -> str | None:
    """The ETag in `if_none_match` that still describes the answer, if any: same version, same query,
    and the clock has not reached the instant it named."""
    for tag in parse_etags(if_none_match):
        parts = _parts(tag)
        if parts and parts[0] == version and parts[2] == key and now.timestamp() < parts[1]:
            return tag.removeprefix("W/")
    return None


def matches(if_none_match: str, tag: str) -> bool:
    """RFC 9110's weak comparison of a freshly made ETag with If-None-Match (or `*`)."""
    tags = [t.removeprefix("W/") for t in parse_etags(if_none_match)]
    return "*" in tags or tag in tags


def _cache_seconds() -> int:
    return settings.AVAILABILITY_CACHE_SECONDS


def _cache_key(version: int, key: str) -> str:
    return f"availability-v2:{SHAPE}:{version}:{key}"


def kept_answer(*, version: int, key: str, now: datetime) -> tuple[str, bytes] | None:
    """The ETag and body kept for this version and query, while the clock has not changed them."""
    if _cache_seconds() <= 0:
        return None
    try:
        kept = cache.get(_cache_key(version, key))
    except Exception:  # the cache is an optimisation: when it is down, the answer is computed
        log.warning("availability cache unreadable", exc_info=True)
        return None
    if kept is None:
        return None
    tag, fresh_until, body = kept
    return (tag, body) if now.timestamp() < fresh_until else None


def keep_answer(
    *, version: int, key: str, tag: str, fresh_until: datetime, body: bytes, now: datetime
) -> None:
    seconds = min(_cache_seconds(), int((fresh_until - now).total_seconds()))
    if seconds <= 0:
        return
    try:
        cache.set(_cache_key(version, key), (tag, fresh_until.timestamp(), body), seconds)
    except Exception:
        log.warning("availability cache unwritable", exc_info=True)
