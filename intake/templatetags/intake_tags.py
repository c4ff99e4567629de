"""`{% outcome_badge result.outcome %}`: one colour for each screening outcome on every staff page."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from ..models import Outcome

register = template.Library()

# Bootstrap's `text-bg-*` colours, rising with the weight of the outcome.
OUTCOME_COLOURS: dict[str, str] = {
    Outcome.CLEAR: "success",
    Outcome.REVIEW: "info",
    Outcome.BLOCKED: "warning",
    Outcome.URGENT: "danger",
}


@register.simple_tag
def outcome_badge(outcome: str) -> str:
    label = Outcome(outcome).label if outcome in Outcome.values else outcome
    return format_html(
        '<span class="badge text-bg-{}" data-outcome="{}">{}</span>',
        OUTCOME_COLOURS.get(outcome, "secondary"),
        outcome,
        label,
    )
