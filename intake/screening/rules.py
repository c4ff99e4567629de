"""Screening rules as data: loading them for the engine, snapshots and rule-set versions, wording."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from clinic.audit.trail import acted_by

from ..models import RuleSet, ScreeningRule
from .engine import RuleSpec

# --- screening rules -------------------------------------------------------------------------------

# The fields of a rule that a rule-set snapshot keeps, besides its contraindication and techniques.
# Migration 0002 wrote version 1 in the same shape plus "answer_type" (a field since removed: the type
# of an answer is the question's, in intake.questionnaire.questions); a test checks that they agree.
# Old snapshots are plain JSON and keep that key; nothing reads it.
SNAPSHOT_FIELDS = (
    "key",
    "question_key",
    "question",
    "condition",
    "threshold",
    "values",
    "computed",
    "requires_yes",
    "severity",
    "staff_action",
    "patient_message",
    "per_visit",
    "active",
    "position",
)


def _rules_with_contraindications() -> QuerySet[ScreeningRule]:
    return ScreeningRule.objects.select_related("contraindication").prefetch_related(
        "contraindication__rules_out"
    )


def _technique_codes(rule: ScreeningRule) -> tuple[str, ...]:
    if rule.contraindication is None:
        return ()
    return tuple(sorted(technique.code for technique in rule.contraindication.rules_out.all()))


def rule_spec_from_row(rule: ScreeningRule) -> RuleSpec:
    """The engine's view of one rule row; prefetch its contraindication's `rules_out` first."""
    return RuleSpec(
        key=rule.key,
        question_key=rule.question_key,
        condition=rule.condition,
        severity=rule.severity,
        threshold=rule.threshold,
        values=tuple(value.strip() for value in rule.values.split(",") if value.strip()),
        computed=rule.computed,
        requires_yes=rule.requires_yes,
        staff_action=rule.staff_action,
        patient_message=rule.patient_message,
        contraindication_key=rule.contraindication.key if rule.contraindication else None,
        techniques=_technique_codes(rule),
        per_visit=rule.per_visit,
    )


def load_active_rules() -> list[RuleSpec]:
    """The active rules as the engine reads them, in admin order; two queries however many rules."""
    return [rule_spec_from_row(rule) for rule in _rules_with_contraindications().filter(active=True)]


def rule_set_snapshot() -> list[dict[str, Any]]:
    """Every rule, active or not, as plain JSON data: enough to explain an old result later."""
    return [
        {
            **{field: getattr(rule, field) for field in SNAPSHOT_FIELDS},
            "contraindication": rule.contraindication.key if rule.contraindication else None,
            "techniques": list(_technique_codes(rule)),
        }
        for rule in _rules_with_contraindications()
    ]


def current_rule_set() -> RuleSet:
    """The newest rule-set version. A read: migration 0002 makes version 1 and every rule edit makes
    the next (`screening_rule_save`), so there is always one; versions are never deleted."""
    newest = RuleSet.objects.order_by("-version").first()
    if newest is None:
        raise RuleSet.DoesNotExist("No screening rule-set version exists: run the migrations.")
    return newest


def rule_set_bump(*, by=None, note: str = "") -> RuleSet:
    """A new rule-set version after an edit; the old versions and their snapshots stay."""
    with transaction.atomic():
        last = RuleSet.objects.select_for_update().order_by("-version").first()
        return RuleSet.objects.create(
            version=(last.version + 1) if last else 1,
            created_by=by,
            note=note[:200],
            snapshot=rule_set_snapshot(),
        )


def screening_rule_save(*, rule: ScreeningRule, by, note: str = "") -> RuleSet:
    """Save an added or edited rule and make the next rule-set version, in one transaction: every
    write path goes through here, so no screening is ever judged by rules no version records."""
    with transaction.atomic(), acted_by(by):
        added = rule.pk is None
        rule.save()
        return rule_set_bump(by=by, note=note or f"{'Added' if added else 'Edited'} rule {rule.key}")


def question_wording() -> dict[str, str]:
    """Answer key -> the patient wording of the first active rule that reads it (an admin edit shows up)."""
    wording: dict[str, str] = {}
    for key, text in (
        ScreeningRule.objects.filter(active=True)
        .order_by("position", "key")
        .values_list("question_key", "question")
    ):
        wording.setdefault(key, text)
    return wording
