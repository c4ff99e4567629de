"""Values read at most once per request (the clinic policy), kept for that request only.

A process-wide cache would go on serving a policy an admin has since changed (and app servers are
many); a request is the longest anything is kept. Outside a request (tasks, commands, a test's own
calls) nothing is kept and every read goes to the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_store: ContextVar[dict | None] = ContextVar("clinic_request_cache", default=None)


@contextmanager
def request_scope() -> Iterator[None]:
    """Keep values read inside this block until it ends (the middleware wraps each request in one)."""
    token = _store.set({})
    try:
        yield
    finally:
        _store.reset(token)


def cached(key: str, load: Callable[[], T]) -> T:
    store = _store.get()
    if store is None:
        return load()
    if key not in store:
        store[key] = load()
    return store[key]


def forget(key: str) -> None:
    store = _store.get()
    if store is not None:
        store.pop(key, None)
