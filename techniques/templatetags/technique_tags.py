from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def seconds_as_words(seconds: int | None) -> str:
    """90 -> "1 minute 30 seconds"; the same wording the timer announces."""
    if not seconds:
        return ""
    minutes, rest = divmod(int(seconds), 60)
    parts = []
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    if rest:
        parts.append(f"{rest} second{'s' if rest != 1 else ''}")
    return " ".join(parts)


@register.filter
def seconds_as_clock(seconds: int | None) -> str:
    """90 -> "1:30", as the timer shows it."""
    minutes, rest = divmod(int(seconds or 0), 60)
    return f"{minutes}:{rest:02d}"
