"""Intake's models on the change trail (clinic.audit.trail), registered from IntakeConfig.ready()."""

from __future__ import annotations

from clinic.audit.trail import track

from .models import (
    CheckIn,
    ClearanceLetter,
    HomeCarePlan,
    Intake,
    KioskPass,
    PlanItem,
    ReviewDecision,
    RuleSet,
    ScreeningResult,
    ScreeningRule,
    StaffAlert,
)


def register() -> None:
    """Every health value, and every name a patient typed, is masked: an entry says which field
    changed and who changed it, never what it says. The rules are the clinic's own wording, not a
    patient's, and stay readable; a rule set's snapshot repeats the rules, so it is left out."""
    track(ScreeningRule)
    track(RuleSet, excluded=["snapshot"])
    track(Intake, masked=["answers", "signature_name", "guardian_name", "guardian_signature"])
    track(CheckIn, masked=["health_changed", "unwell_today"])
    track(ScreeningResult, masked=["outcome", "flags", "techniques_ruled_out"])
    track(StaffAlert, masked=["kind", "message", "note"])
    track(ReviewDecision, masked=["note", "restricted_techniques"])
    track(ClearanceLetter, masked=["file", "original_name"])
    track(HomeCarePlan, masked=["note"])
    track(PlanItem, masked=["note", "override_reason"])
    track(KioskPass, masked=["code_hash", "session_hash"])
