"""One error type for a domain rule that refused an action, and the one way it reaches a page.

Services raise a `DomainError` (or an app's subclass: `BookingError`, `IntakeError`, `ReviewError`)
with a stable `code` that programs may rely on and a `message` written for people. Pages show it
through `show_error` (on the form when there is one, otherwise as a flash message); the JSON API maps
it once, in its exception handler, to `{"code": ..., "message": ...}` with a status chosen by code.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """A rule refused the request. `code` says which rule (stable); `message` is the finished text.

    It stays a `ValidationError`, so a form's `add_error` and any `except ValidationError` take it.
    `params` fill `%(name)s` placeholders once, here; they are kept as `details` for callers.
    """

    def __init__(self, message: str, *, code: str, params: dict | None = None):
        text = message % params if params else message
        super().__init__(text, code=code)
        self.details = dict(params or {})

    def __str__(self) -> str:
        return self.message

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def error_text(exc: ValidationError) -> str:
    """Every message of a ValidationError as one sentence-separated line."""
    return " ".join(exc.messages)


def show_error(request, exc: ValidationError, *, form=None, field: str | None = None) -> None:
    """Put a refused action in front of the person: on `form` (at `field`, or above it) when given,
    otherwise as an error message on the next page."""
    if form is not None:
        form.add_error(field, exc)
    else:
        messages.error(request, error_text(exc))
