from __future__ import annotations

from django import forms
from django.contrib import admin

from clinic.audit.admin import RecordsAccessAdmin

from .models import (
    CheckIn,
    ClearanceLetter,
    HomeCarePlan,
    Intake,
    PlanItem,
    ReviewDecision,
    RuleSet,
    ScreeningResult,
    ScreeningRule,
    StaffAlert,
)
from .questionnaire.questions import KIND_BY_CONDITION, answer_kind
from .screening.engine import COMPUTED, RuleSpec, validate_rule
from .screening.rules import SNAPSHOT_FIELDS, screening_rule_save

KIND_WORDS = {
    "yes_no": "a yes / no answer",
    "number": "a number",
    "date": "a date",
    "choice": "a choice",
    "text": "a text",
}


class ScreeningRuleForm(forms.ModelForm):
    class Meta:
        model = ScreeningRule
        fields = [*SNAPSHOT_FIELDS, "contraindication"]
        help_texts = {"computed": "One of: " + ", ".join(sorted(COMPUTED))}

    def clean(self):
        cleaned = super().clean()
        spec = RuleSpec(
            key=cleaned.get("key") or "?",
            question_key=cleaned.get("question_key") or "?",
            condition=cleaned.get("condition") or "",
            severity=cleaned.get("severity") or "",
            threshold=cleaned.get("threshold"),
            values=tuple(v.strip() for v in (cleaned.get("values") or "").split(",") if v.strip()),
            computed=cleaned.get("computed") or "",
        )
        try:
            validate_rule(spec)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid_rule") from exc
        self._check_the_answer_fits(cleaned.get("question_key"), cleaned.get("condition"))
        return cleaned

    def _check_the_answer_fits(self, question_key: str | None, condition: str | None) -> None:
        """A rule whose condition cannot judge its answer's kind would never match: a silent gap."""
        if not question_key:
            return
        kind = answer_kind(question_key)
        if kind is None:
            self.add_error(
                "question_key",
                forms.ValidationError(
                    "No question of the intake gives the answer %(key)s.",
                    code="unknown_answer",
                    params={"key": question_key},
                ),
            )
        elif condition in KIND_BY_CONDITION and KIND_BY_CONDITION[condition] != kind:
            self.add_error(
                "condition",
                forms.ValidationError(
                    "The question %(key)s gives %(kind)s; this condition judges %(wanted)s.",
                    code="condition_does_not_fit_answer",
                    params={
                        "key": question_key,
                        "kind": KIND_WORDS[kind],
                        "wanted": KIND_WORDS[KIND_BY_CONDITION[condition]],
                    },
                ),
            )


@admin.register(ScreeningRule)
class ScreeningRuleAdmin(admin.ModelAdmin):
    """Rules are data the clinic's clinicians approve. Every saved edit makes a new rule-set version."""

    form = ScreeningRuleForm
    list_display = ["key", "question_key", "condition", "severity", "contraindication", "active"]
    list_filter = ["severity", "condition", "active", "per_visit"]
    search_fields = ["key", "question_key", "question", "staff_action"]
    list_select_related = ["contraindication"]
    autocomplete_fields = ["contraindication"]

    def save_model(self, request, obj, form, change):
        version = screening_rule_save(rule=obj, by=request.user)
        self.message_user(request, f"Saved. The screening rules are now version {version.version}.")

    def has_delete_permission(self, request, obj=None):
        # Switch a rule off instead: old results still refer to the versions that contained it.
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Clinical records are written by the intake services only; the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ClinicalRecordAdmin(RecordsAccessAdmin, ReadOnlyAdmin):
    """A patient's clinical record, read-only; every list and record page read is recorded."""


@admin.register(RuleSet)
class RuleSetAdmin(ReadOnlyAdmin):
    list_display = ["version", "created_at", "created_by", "note"]
    readonly_fields = ["version", "created_at", "created_by", "note", "snapshot"]
    list_select_related = ["created_by"]


@admin.register(Intake)
class IntakeAdmin(ClinicalRecordAdmin):
    list_display = ["patient", "status", "submitted_at", "step"]
    list_filter = ["status"]
    search_fields = ["patient__email", "patient__last_name"]
    list_select_related = ["patient"]
    date_hierarchy = "created_at"


@admin.register(ScreeningResult)
class ScreeningResultAdmin(ClinicalRecordAdmin):
    list_display = ["appointment", "outcome", "rule_set", "screened_on", "created_at"]
    list_filter = ["outcome"]
    search_fields = ["appointment__patient__email"]
    list_select_related = [
        "appointment__patient",
        "appointment__therapist",
        "appointment__service",
        "rule_set",
    ]


@admin.register(CheckIn)
class CheckInAdmin(ClinicalRecordAdmin):
    list_display = ["appointment", "patient", "health_changed", "unwell_today", "created_at"]
    list_select_related = [
        "appointment__therapist",
        "appointment__service",
        "appointment__patient",
        "patient",
    ]


@admin.register(StaffAlert)
class StaffAlertAdmin(ClinicalRecordAdmin):
    list_display = ["message", "appointment", "created_at", "acknowledged_at"]
    list_select_related = ["appointment__therapist", "appointment__service", "appointment__patient"]


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(ClinicalRecordAdmin):
    list_display = ["result", "decision", "decided_by", "decided_at"]
    list_filter = ["decision"]
    list_select_related = [
        "result__appointment__patient",
        "result__appointment__therapist",
        "result__appointment__service",
        "decided_by",
    ]


@admin.register(ClearanceLetter)
class ClearanceLetterAdmin(ClinicalRecordAdmin):
    list_display = ["appointment", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_select_related = [
        "appointment__patient",
        "appointment__therapist",
        "appointment__service",
        "uploaded_by",
    ]
    exclude = ["file"]  # served only through the checked download view


class PlanItemInline(admin.TabularInline):
    model = PlanItem
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(HomeCarePlan)
class HomeCarePlanAdmin(ClinicalRecordAdmin):
    list_display = ["patient", "therapist", "created_at"]
    list_select_related = ["patient", "therapist"]
    search_fields = ["patient__email", "therapist__display_name"]
    inlines = [PlanItemInline]
