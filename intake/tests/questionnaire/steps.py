"""POST data for the intake's steps, shared by the questionnaire tests."""

from __future__ import annotations

from intake.questionnaire import questions as q


def clear_steps(first="Sam", last="Taylor", **overrides) -> list[dict]:
    """POST data for every step of a healthy adult's intake; `overrides` replace answers by key."""
    health = {question.key: "no" for question in q.HEALTH_QUESTIONS if not question.parent}
    steps = [
        {
            "legal_name": f"{first} {last}",
            "preferred_name": first,
            "date_of_birth": "1985-04-12",
            "phone": "+44 7700 900123",
            "emergency_contact_name": "Alex Taylor",
            "emergency_contact_phone": "+44 7700 900456",
            "doctor_name": "Dr Jones",
            "doctor_phone": "020 7946 0000",
            "guardian_name": "",
        },
        {
            "main_complaint": "Stiff lower back after long days at my desk.",
            "pain_onset_date": "2025-09-01",
            "onset_kind": "gradual",
            "pain_now": "3",
            "pain_worst": "6",
            "pain_best": "1",
            "pain_regions": ["lower_back", "hip"],
            "pain_side": "both",
        },
        {k: v for k, v in health.items() if k in {x.key for x in q.RED_FLAGS}},
        {k: v for k, v in health.items() if k not in {x.key for x in q.RED_FLAGS}},
        {"medications": "none", "allergies": "none", "implants": "none", "other_conditions": ""},
        {"pressure": "medium", "consent_abdominal": "yes", "areas_to_avoid": ""},
        {
            "accuracy": "on",
            "informed_consent": "on",
            "privacy": "on",
            "signature_name": f"{first} {last}",
            "guardian_signature": "",
        },
    ]
    for key, value in overrides.items():
        for step in steps:
            if key in step or _belongs(key, step):
                step[key] = value
                break
    return steps


def _belongs(key: str, step: dict) -> bool:
    question = q.BY_KEY.get(key)
    return bool(question and question.parent and question.parent in step)
