"""Timed effects: a django-tasks task enqueued to run at a given moment (`run_after`), once the
transaction that made it necessary commits.

Every timed task of the clinic (a hold that lapses, a review deadline, a visit to complete, a licence
about to expire, an email due later) is scheduled through `run_at`. The task itself reads the state
when it runs and does nothing when it no longer applies (the appointment was cancelled or moved, the
licence renewed), so scheduling one again after every change is harmless: the last change wins.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)


def run_at(task, *args, at: datetime) -> None:
    """Enqueue `task(*args)` to run at `at` (at once if that has passed), after the current
    transaction commits: if it rolls back, nothing is scheduled."""
    transaction.on_commit(lambda: enqueue_at(task, *args, at=at))


def enqueue_at(task, *args, at: datetime) -> bool:
    """Enqueue `task(*args)` now, to run at `at`. Returns whether it was enqueued.

    A backend that cannot defer (the immediate one the tests use) runs a due task at once and leaves
    a future one out. A failure to enqueue is logged, never raised: the change that asked for the
    task has committed already, and every timed task has a way back (the outbox sweep for messages,
    the lazy hold expiry, the `review_deadlines` command)."""
    try:
        if at > timezone.now():
            if not task.get_backend().supports_defer:
                return False
            task = task.using(run_after=at)
        task.enqueue(*args)
    except Exception:
        log.exception("Could not enqueue task %s%r due at %s", task.name, args, at.isoformat())
        return False
    return True
