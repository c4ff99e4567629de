"""The health record in a patient's export: every section reads its rows in one query (plans and their
items in two), so the export's query count does not grow with the record."""

from __future__ import annotations

from django.db.models import Prefetch

from clinic.rights.registry import ExportSection, utc_iso
from techniques.models import Technique

from ..models import (
    CheckIn,
    ClearanceLetter,
    HomeCarePlan,
    Intake,
    PlanItem,
    ReviewDecision,
    ScreeningResult,
    StaffAlert,
)
from ..questionnaire.display import answer_sections
from ..screening.rules import question_wording


def export(patient) -> list[ExportSection]:
    return [
        _intakes(patient),
        _check_ins(patient),
        _screening_results(patient),
        _decisions(patient),
        _letters(patient),
        _plans(patient),
        _alerts(patient),
    ]


def _intakes(patient) -> ExportSection:
    intakes = list(Intake.objects.filter(patient=patient).order_by("-created_at", "-pk"))
    wording = question_wording() if intakes else {}
    shown = [
        {"intake": intake, "sections": answer_sections(intake.answers, user=patient, wording=wording)}
        for intake in intakes
    ]
    data = [
        {
            "id": intake.pk,
            "status": intake.status,
            "created_at": utc_iso(intake.created_at),
            "submitted_at": utc_iso(intake.submitted_at),
            "signed_at": utc_iso(intake.signed_at),
            "signature_name": intake.signature_name,
            "guardian_name": intake.guardian_name,
            "guardian_signature": intake.guardian_signature,
            "answers": intake.answers,
        }
        for intake in intakes
    ]
    return ExportSection(
        key="intakes",
        title="Health forms",
        position=30,
        data=data,
        template="intake/rights/export_intakes.html",
        context={"intakes": shown},
    )


def _check_ins(patient) -> ExportSection:
    check_ins = list(
        CheckIn.objects.filter(patient=patient).select_related("appointment").order_by("-created_at", "-pk")
    )
    data = [
        {
            "id": check_in.pk,
            "appointment_id": check_in.appointment_id,
            "intake_id": check_in.intake_id,
            "created_at": utc_iso(check_in.created_at),
            "health_changed": check_in.health_changed,
            "unwell_today": check_in.unwell_today,
        }
        for check_in in check_ins
    ]
    return ExportSection(
        key="check_ins",
        title="Check-ins before a visit",
        position=35,
        data=data,
        template="intake/rights/export_check_ins.html",
        context={"check_ins": check_ins},
    )


def _screening_results(patient) -> ExportSection:
    results = list(
        ScreeningResult.objects.filter(appointment__patient=patient)
        .select_related("rule_set", "appointment")
        .order_by("-screened_at", "-pk")
    )
    data = [
        {
            "id": result.pk,
            "appointment_id": result.appointment_id,
            "intake_id": result.intake_id,
            "outcome": result.outcome,
            "outcome_label": result.get_outcome_display(),
            "screened_on": result.screened_on.isoformat(),
            "screened_at": utc_iso(result.screened_at),
            "rule_set_version": result.rule_set.version,
            "flags": result.flags,
            "techniques_ruled_out": result.techniques_ruled_out,
        }
        for result in results
    ]
    return ExportSection(
        key="screening_results",
        title="Screening results",
        position=40,
        data=data,
        template="intake/rights/export_screening.html",
        context={"results": results},
    )


def _decisions(patient) -> ExportSection:
    decisions = list(
        ReviewDecision.objects.filter(result__appointment__patient=patient)
        .select_related("decided_by", "result__appointment")
        .order_by("-decided_at", "-pk")
    )
    codes = {code for decision in decisions for code in decision.restricted_techniques}
    names = dict(Technique.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    for decision in decisions:  # the page names the techniques; the JSON keeps the codes
        decision.restricted_names = [names.get(code, code) for code in decision.restricted_techniques]
    data = [
        {
            "id": decision.pk,
            "appointment_id": decision.result.appointment_id,
            "screening_result_id": decision.result_id,
            "decision": decision.decision,
            "decision_label": decision.get_decision_display(),
            "note": decision.note,
            "restricted_techniques": decision.restricted_techniques,
            "decided_by": str(decision.decided_by),
            "decided_at": utc_iso(decision.decided_at),
            "supersedes_id": decision.supersedes_id,
        }
        for decision in decisions
    ]
    return ExportSection(
        key="review_decisions",
        title="Review decisions",
        position=50,
        data=data,
        template="intake/rights/export_decisions.html",
        context={"decisions": decisions},
    )


def _letters(patient) -> ExportSection:
    letters = list(
        ClearanceLetter.objects.filter(appointment__patient=patient)
        .select_related("appointment")
        .order_by("-uploaded_at", "-pk")
    )
    data = [
        {
            "id": letter.pk,
            "appointment_id": letter.appointment_id,
            "original_name": letter.original_name,
            "content_type": letter.content_type,
            "size": letter.size,
            "uploaded_at": utc_iso(letter.uploaded_at),
        }
        for letter in letters
    ]
    return ExportSection(
        key="clearance_letters",
        title="Clearance letters you sent",
        position=60,
        data=data,
        template="intake/rights/export_letters.html",
        context={"letters": letters},
    )


def _plans(patient) -> ExportSection:
    plans = list(
        HomeCarePlan.objects.filter(patient=patient)
        .select_related("therapist", "appointment__service")
        .prefetch_related(
            Prefetch("items", queryset=PlanItem.objects.select_related("technique").order_by("pk"))
        )
        .order_by("-created_at", "-pk")
    )
    data = [
        {
            "id": plan.pk,
            "appointment_id": plan.appointment_id,
            "therapist": plan.therapist.display_name,
            "created_at": utc_iso(plan.created_at),
            "note": plan.note,
            "items": [
                {
                    "technique": item.technique.name,
                    "technique_code": item.technique.code,
                    "hold_seconds": item.hold_seconds,
                    "repetitions": item.repetitions,
                    "frequency": item.frequency,
                    "note": item.note,
                    "override_reason": item.override_reason,
                }
                for item in plan.items.all()
            ],
        }
        for plan in plans
    ]
    return ExportSection(
        key="home_care_plans",
        title="Home-care plans",
        position=70,
        data=data,
        template="intake/rights/export_plans.html",
        context={"plans": plans},
    )


def _alerts(patient) -> ExportSection:
    alerts = list(
        StaffAlert.objects.filter(appointment__patient=patient)
        .select_related("appointment")
        .order_by("-created_at", "-pk")
    )
    data = [
        {
            "id": alert.pk,
            "appointment_id": alert.appointment_id,
            "kind": alert.kind,
            "kind_label": alert.get_kind_display(),
            "message": alert.message,
            "created_at": utc_iso(alert.created_at),
            "acknowledged_at": utc_iso(alert.acknowledged_at),
            "note": alert.note,
        }
        for alert in alerts
    ]
    return ExportSection(
        key="staff_alerts",
        title="Alerts raised for our staff",
        position=75,
        data=data,
        template="intake/rights/export_alerts.html",
        context={"alerts": alerts},
    )
