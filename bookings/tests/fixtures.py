"""The bookings tests' clock and booking fixtures, shared with every app's tests through the root
conftest's `pytest_plugins`; `at()` is a plain helper, imported by name."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from .factories import ServiceFactory, bookable_therapist

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=LONDON)  # Monday 1 June 2026, 08:00 in London


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def service(db):
    return ServiceFactory(slug="psoas-60", duration_minutes=60, buffer_minutes=15)


@pytest.fixture
def therapist(service):
    return bookable_therapist(service, display_name="Priya Shah")


@pytest.fixture
def other_therapist(service):
    return bookable_therapist(service, display_name="Omar Reyes")


def at(day: int, hour: int, minute: int = 0, month: int = 6) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON)
