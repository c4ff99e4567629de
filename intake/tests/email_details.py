"""The health details an intake email must never carry, gathered from what the patient answered and
what screening and review made of it: the form's free-text answers, each flag's rule, question,
condition name and staff action, and the reviewer's note."""

from __future__ import annotations

from intake.models import ReviewDecision, ScreeningResult
from techniques.models import Contraindication

from .review_fixtures import ANSWERS

# What a patient typed: never in an email (their name and preferred name excepted: the greeting uses
# the account's first name).
TYPED = [value for key, value in ANSWERS.items() if key not in ("legal_name", "preferred_name")]
# Who the patient is: never in an email to staff (the link leads to the page that may show it).
PATIENT = ["Sam Taylor", "Taylor", "sam@example.org"]


def health_details(result: ScreeningResult) -> list[str]:
    words = list(TYPED)
    keys = set()
    for flag in result.flags:
        keys.update(filter(None, [flag["rule_key"], flag["question_key"], flag["contraindication_key"]]))
        if flag["staff_action"]:
            words.append(flag["staff_action"])
    words += [key.replace("_", " ") for key in keys]
    words += list(Contraindication.objects.filter(key__in=keys).values_list("name", flat=True))
    words += list(ReviewDecision.objects.filter(result=result).values_list("note", flat=True))
    return words
