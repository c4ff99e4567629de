"""Whether a message that falls due is still wanted, asked of the app that owns its kind.

A reminder queued a day ahead may be about an appointment that was cancelled or moved since. The
outbox knows nothing of appointments' rules, so the app that owns a kind registers a check for it
(from its `AppConfig.ready()`); `outbox_deliver` asks it with the row locked, just before sending,
and a message that is no longer wanted becomes `skipped` with the check's reason instead of being sent.
Kinds without a check are always sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import OutboxMessage

# Returns "" while the message is still wanted, otherwise the reason it is not (kept on the row).
StillWanted = Callable[["OutboxMessage"], str]

_checks: dict[str, StillWanted] = {}


def register(kind: str, check: StillWanted) -> None:
    """Ask `check` about every message of `kind` as it falls due. One check per kind; registering
    again replaces it (so a repeated `ready()` is harmless)."""
    _checks[kind] = check


def reason_not_wanted(message: OutboxMessage) -> str:
    """Why `message` should not be sent now ("" when it should, or when its kind has no check)."""
    check = _checks.get(message.kind)
    return check(message) if check is not None else ""
