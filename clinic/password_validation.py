"""An offline estimate of how easy a password is to guess, as a Django password validator.

zxcvbn (Dropbox's estimator, pure Python, no network) scores a password 0-4 by the guesses it would
take, counting dictionary words, names, dates, keyboard runs and repeats; the person's own name and
email address and the clinic's name count as easy words too. Below `min_score` the password is refused
with the estimator's own hint.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from zxcvbn import zxcvbn

# zxcvbn refuses (ValueError) anything longer, as its work grows with length; the start of a long
# password decides its score anyway.
ESTIMATED_LENGTH = 72


class GuessabilityValidator:
    def __init__(self, min_score: int = 3):
        self.min_score = min_score

    def validate(self, password: str, user=None) -> None:
        result = zxcvbn(
            password[:ESTIMATED_LENGTH], user_inputs=_easy_words(user), max_length=ESTIMATED_LENGTH
        )
        if result["score"] >= self.min_score:
            return
        feedback = result["feedback"]
        hint = feedback.get("warning") or next(iter(feedback.get("suggestions") or []), "")
        message = "This password is too easy to guess."
        if hint:
            message += f" {hint.rstrip('.')}."
        raise ValidationError(
            f"{message} A few unrelated words together make a strong password that is easy to remember.",
            code="password_too_guessable",
        )

    def get_help_text(self) -> str:
        return "Your password must be hard to guess: a few unrelated words together work well."


def _easy_words(user) -> list[str]:
    words = re.findall(r"[a-z]+", settings.CLINIC_NAME.lower())
    if user is not None:
        for value in (
            getattr(user, "email", ""),
            getattr(user, "first_name", ""),
            getattr(user, "last_name", ""),
        ):
            words += [value, *re.findall(r"[a-z]+", (value or "").lower())]
    return [word for word in words if word]
