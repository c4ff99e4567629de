"""Removing a patient's identifying strings from text the clinic keeps (a therapist's note that names
them, an alert that says "Urgent screening for Sam Taylor").

Only rows about the erased patient are passed through it, so a common first name elsewhere is never
touched. Matching ignores case and respects word edges ("Al" is removed from "Al is better", not from
"Alert"); longer strings are replaced first, so a full name goes before its parts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

REMOVED = "[removed]"
# Shorter strings would match too much even inside one patient's notes.
MIN_LENGTH = 2


def date_variants(day: date) -> list[str]:
    """The ways a date of birth is written in a note: 1979-11-23, 23/11/1979, 23.11.1979,
    23 November 1979, 23 Nov 1979, November 23, 1979."""
    return [
        day.isoformat(),
        f"{day:%d/%m/%Y}",
        f"{day.day}/{day.month}/{day.year}",
        f"{day:%d.%m.%Y}",
        f"{day.day} {day:%B %Y}",
        f"{day.day} {day:%b %Y}",
        f"{day:%B} {day.day}, {day.year}",
    ]


def phone_variants(phone: str) -> list[str]:
    """The number as typed, and its digits alone when there are enough of them to be distinctive."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return [phone.strip(), digits] if len(digits) >= 7 else [phone.strip()]


class Redactor:
    """Replaces every given identifier in a text, or in every string of a JSON value, with REMOVED."""

    def __init__(self, identifiers: Iterable[str] = ()):
        self.identifiers: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add(identifiers)

    def add(self, identifiers: Iterable[str]) -> None:
        for value in identifiers:
            value = " ".join(str(value or "").split())
            if len(value) >= MIN_LENGTH:
                self.identifiers.add(value)
        self._pattern = None

    @property
    def pattern(self) -> re.Pattern[str] | None:
        if self._pattern is None and self.identifiers:
            ordered = sorted(self.identifiers, key=lambda s: (-len(s), s))
            # Whitespace inside a name may be any run of whitespace in the text.
            alternatives = [r"\s+".join(re.escape(word) for word in value.split()) for value in ordered]
            self._pattern = re.compile(
                r"(?<![\w@])(?:" + "|".join(alternatives) + r")(?![\w@])", re.IGNORECASE
            )
        return self._pattern

    def text(self, value: str) -> str:
        if not value or self.pattern is None:
            return value
        return self.pattern.sub(REMOVED, value)

    def json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.json(item) for item in value]
        if isinstance(value, dict):
            return {key: self.json(item) for key, item in value.items()}
        return value

    def found_in(self, value: Any) -> bool:
        """Whether any identifier is in `value` (a text or a JSON value)."""
        return self.json(value) != value
