"""A fixed-window rate limiter on the shared cache (`CACHES["default"]`).

Every app server must count in the same place, so this only ever uses the configured default cache:
Redis in production, the database cache otherwise. Redis increments atomically; the database cache
reads and writes, so two requests in the same instant may be counted once. The limiter is a brake on
bursts, not an invariant: the rules that must hold (one slot, one booking; the cap on live holds) are
kept by the booking transaction.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.cache import caches
from django.utils import timezone


def hit(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt by `key` in `scope`; True while the attempts in this window are within `limit`.

    Windows are aligned to the clock (minute 08:00-08:01, ...), so a count starts afresh at each
    boundary; the key names its window, and the cache forgets it shortly after it closes.
    """
    cache = caches["default"]
    window = int(timezone.now().timestamp()) // window_seconds
    cache_key = f"ratelimit:{scope}:{key}:{window}"
    # The window's first attempt creates its count (one write); later ones increment it.
    if cache.add(cache_key, 1, timeout=window_seconds + 5):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # evicted between add and incr: this attempt opens the window again
            cache.set(cache_key, 1, timeout=window_seconds + 5)
            count = 1
    return count <= limit


def client_ip(request) -> str:
    """The client's address, as the proxy in front of the app saw it.

    Behind a proxy that names the client in a header of its own (`TRUSTED_CLIENT_IP_HEADER`), that
    header; behind `TRUSTED_PROXY_COUNT` proxies that append to X-Forwarded-For, the entry the first of
    them appended (entries further left are whatever the client chose to send); else the connection's
    address. A missing or malformed value falls back to the connection's address, never an error.
    Allauth's rate limits read the address through this function too (clinic.adapters).
    """
    header = settings.TRUSTED_CLIENT_IP_HEADER
    proxies = settings.TRUSTED_PROXY_COUNT
    candidate = ""
    if header:
        candidate = request.headers.get(header, "")
    elif proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
    return _valid_ip(candidate) or _valid_ip(request.META.get("REMOTE_ADDR", "")) or "unknown"


def client_network(request) -> str:
    """The address a limit counts by: an IPv4 address, or the /64 an IPv6 address lies in (one home or
    phone holds a whole /64, so counting single IPv6 addresses would let it rotate past the limit)."""
    ip = client_ip(request)
    if ":" in ip:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return ip


def _valid_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return ""
