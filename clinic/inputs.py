"""What people may type, checked the same way by forms, the API and the services.

- Dates: only between EARLIEST_DATE and LATEST_DATE. Python's calendar ends at year 1 and year 9999,
  so arithmetic on a date near either end overflows; nobody books, is born or starts hurting there.
- Free text: `clean_text` normalises it (NFC; no bidi overrides, zero-width or control characters
  except newline and tab; trimmed), so what is stored is what people see, and a note made only of
  invisible characters is empty. Every free-text field also has a length limit.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)

# Bidi embeddings/overrides and isolates, zero-width space/joiners, the BOM; then every other C0/C1
# control character except tab and newline (a carriage return is folded into the newline first).
_INVISIBLE = "\u202a-\u202e\u2066-\u2069\u200b-\u200d\u2060\ufeff"
_STRIP = re.compile(f"[{_INVISIBLE}\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(value: str | None) -> str:
    """The one normaliser of free text: NFC, line endings as \\n, invisible and control characters
    removed, surrounding whitespace trimmed."""
    if not value:
        return ""
    text = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    return _STRIP.sub("", text).strip()


def date_in_range(value: date | datetime | None) -> bool:
    if value is None:
        return True
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST_DATE <= day <= LATEST_DATE


def validate_date_range(value: date | datetime | None) -> None:
    """A form/model validator: refuse dates outside EARLIEST_DATE..LATEST_DATE."""
    if not date_in_range(value):
        raise ValidationError(
            "Please give a date between %(earliest)s and %(latest)s.",
            code="date_out_of_range",
            params={"earliest": EARLIEST_DATE.year, "latest": LATEST_DATE.year},
        )


class FreeTextField(forms.CharField):
    """A form's free-text field: the value is normalised by `clean_text` before it is checked, so
    'required' and `max_length` see what will be stored. A length limit is compulsory."""

    def __init__(self, *, max_length: int, **kwargs):
        super().__init__(max_length=max_length, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value if value in self.empty_values else clean_text(value)
