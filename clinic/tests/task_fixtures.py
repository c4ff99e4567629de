"""Timed tasks in tests: the `deferred_tasks` fixture puts django-tasks on its dummy backend, which
records every enqueued task with its `run_after` instead of running it, and runs the recorded tasks
when the test moves the clock to them.

    with deferred_tasks.committed():      # the change commits: its tasks are enqueued
        appointment_book(...)
    deferred_tasks.times(expire_hold)     # [hold_expires_at]
    deferred_tasks.run_due(at=moment)     # every task due by `moment` runs, each at its own due time
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

import pytest
import time_machine
from django.utils import timezone
from django_tasks import task_backends

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


class DeferredTasks:
    def __init__(self, capture_on_commit):
        self._capture = capture_on_commit
        self._ran: set[str] = set()

    @property
    def _results(self):
        return task_backends["default"].results

    @contextmanager
    def committed(self):
        """Run the block as if its transaction committed: on-commit work (enqueuing tasks) happens."""
        with self._capture(execute=True):
            yield

    def pending(self, task=None) -> list:
        """Tasks enqueued and not run yet (of `task` only, if given), in the order they are due."""
        results = [
            result
            for result in self._results
            if result.id not in self._ran and (task is None or result.task.func is task.func)
        ]
        return sorted(results, key=_due)

    def times(self, task) -> list[datetime]:
        """When each pending `task` is due (its enqueue time when it has no `run_after`)."""
        return [_due(result) for result in self.pending(task)]

    def args(self, task) -> list[tuple]:
        return [tuple(result.args) for result in self.pending(task)]

    def run_due(self, *, at: datetime | None = None) -> dict[str, list]:
        """Run every pending task due by `at` (default: now), as a punctual worker would: each at the
        moment it is due, oldest first, committing its on-commit work; tasks those enqueue run too when
        due by `at`. Returns what the tasks returned, by name:
        {"complete_visit": ["completed"], "send_outbox_message": ["sent"]}."""
        at = at or timezone.now()
        returned: dict[str, list] = {}
        clock = None
        while True:
            due = [result for result in self.pending() if _due(result) <= at]
            if not due:
                return returned
            result = due[0]
            clock = max(clock or _due(result), _due(result))
            self._ran.add(result.id)
            with time_machine.travel(clock, tick=False), self.committed():
                value = result.task.call(*result.args, **result.kwargs)
            returned.setdefault(result.task.name, []).append(value)


def _due(result) -> datetime:
    return result.task.run_after or result.enqueued_at


@pytest.fixture
def deferred_tasks(settings, django_capture_on_commit_callbacks):
    settings.TASKS = DUMMY_TASKS
    return DeferredTasks(django_capture_on_commit_callbacks)
