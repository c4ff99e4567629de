"""The seeded rule set (migration 0002) judged by the engine: every row of SCREENING.md works."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from intake.models import Condition, Outcome, RuleSet, ScreeningRule, Severity
from intake.questionnaire.questions import BY_KEY, KIND_BY_CONDITION, OTHER_ANSWER_KEYS, answer_kind
from intake.screening import engine as screening
from intake.screening import rules as rules_module
from intake.screening.engine import screen
from intake.screening.rules import current_rule_set, load_active_rules, rule_set_snapshot, screening_rule_save

pytestmark = pytest.mark.django_db

APPOINTMENT = date(2026, 6, 15)

# Technique codes as SCREENING.md spells them.
ALL = frozenset(
    {"MAN", "PNS", "BALL", "SUP", "SIDE", "SEAT", "HK", "LNG", "SLL", "PIG", "COB", "CHD", "HEAT"}
)
NONE: frozenset[str] = frozenset()
CANCER = frozenset({"MAN", "BALL", "HEAT"})
ANEURYSM = frozenset({"MAN", "BALL", "PNS", "SUP"})
ANEURYSM_RISK = frozenset({"MAN", "BALL"})
PREGNANCY = frozenset({"MAN", "BALL", "COB", "HEAT"})
PREGNANCY_20_WEEKS = frozenset({"SUP", "SLL"})
ABDOMINAL_SURGERY = frozenset({"MAN", "BALL", "PNS", "COB", "CHD"})
HERNIA = frozenset({"MAN", "BALL"})
ANTICOAGULANTS = frozenset({"MAN", "BALL", "PNS"})
ABDOMINAL_CONDITION = frozenset({"MAN", "BALL", "CHD"})
KIDNEY = frozenset({"MAN", "BALL"})
OSTEOPOROSIS = frozenset({"BALL", "MAN", "PIG", "COB"})
HIP_FRACTURE = frozenset({"HK", "LNG", "PIG", "CHD", "PNS", "SLL"})
HIP_BACK = frozenset({"PIG", "CHD", "PNS"})
HIP_FRONT = frozenset({"HK", "LNG"})
KNEE = frozenset({"HK", "LNG", "PIG", "CHD"})
HERNIATED_DISC = frozenset({"COB", "SLL", "MAN"})
SPINAL_INSTABILITY = frozenset({"COB", "HK", "LNG", "SLL", "PIG"})
ACUTE_BACK_PAIN = frozenset({"MAN", "COB", "PIG", "HEAT"})
REDUCED_SENSATION = frozenset({"HEAT"})
SKIN = frozenset({"MAN", "BALL", "HEAT"})
HEART_BP = frozenset({"MAN", "HEAT"})

# Every key of SCREENING.md, and the rules that carry it out.
SCREENING_ROWS: dict[str, tuple[str, ...]] = {
    "saddle_numbness": ("saddle_numbness",),
    "progressive_weakness": ("progressive_weakness",),
    "systemic": ("systemic",),
    "cancer_active": ("cancer_active", "cancer_past"),
    "night_pain": ("night_pain", "night_pain_red_flags"),
    "recent_trauma": ("recent_trauma", "recent_trauma_bone_risk"),
    "aneurysm": ("aneurysm",),
    "aneurysm_signs": ("aneurysm_signs",),
    "aneurysm_risk": ("aneurysm_risk",),
    "pregnancy": ("pregnancy", "pregnancy_20_weeks", "pregnancy_high_risk"),
    "abdominal_surgery": ("abdominal_surgery_recent", "abdominal_surgery"),
    "other_surgery": ("other_surgery",),
    "hernia": ("hernia", "hernia_complicated"),
    "anticoagulants": ("anticoagulants",),
    "blood_clot": ("blood_clot",),
    "abdominal_condition": ("abdominal_condition_flare", "abdominal_condition_remission"),
    "kidney": ("kidney",),
    "osteoporosis": ("osteoporosis", "osteoporosis_steroids"),
    "hip_fracture": ("hip_fracture_recent", "hip_fracture_not_cleared", "hip_fracture"),
    "hip_replacement": (
        "hip_replacement",
        "hip_replacement_posterior",
        "hip_replacement_anterior",
        "hip_replacement_unknown",
    ),
    "knee": ("knee",),
    "herniated_disc": ("herniated_disc",),
    "spinal_instability": ("spinal_instability", "spinal_instability_severe"),
    "acute_back_pain": ("acute_back_pain", "acute_back_pain_severe"),
    "reduced_sensation": ("reduced_sensation",),
    "skin": ("skin",),
    "heart_bp": ("heart_bp", "heart_bp_uncontrolled"),
    "unwell_today": ("unwell_today",),
    "iud_menstruation": ("iud_menstruation",),
    "areas_to_avoid": ("areas_to_avoid",),
}


def days_before(days: int, on: date = APPOINTMENT) -> str:
    return (on - timedelta(days=days)).isoformat()


def born_years_before(years: int, on: date = APPOINTMENT) -> str:
    return on.replace(year=on.year - years).isoformat()


# rule key, answers that raise it, the opposite answers, severity, the technique codes it rules out.
CASES = [
    ("saddle_numbness", {"saddle_numbness": True}, {"saddle_numbness": False}, "urgent", ALL),
    (
        "progressive_weakness",
        {"progressive_weakness": True},
        {"progressive_weakness": False},
        "absolute",
        ALL,
    ),
    ("systemic", {"systemic": True}, {"systemic": False}, "absolute", ALL),
    ("cancer_active", {"cancer_active": True}, {"cancer_active": False}, "absolute", CANCER),
    ("cancer_past", {"cancer_past": True}, {"cancer_past": False}, "relative", NONE),
    ("night_pain", {"night_pain": True}, {"night_pain": False}, "relative", NONE),
    (
        "night_pain_red_flags",
        {"night_pain": True, "systemic": True},
        {"night_pain": True, "systemic": False, "cancer_active": False},
        "absolute",
        NONE,
    ),
    (
        "recent_trauma",
        {"injury": True, "injury_date": days_before(10)},
        {"injury": True, "injury_date": days_before(60)},
        "absolute",
        ALL,
    ),
    (
        "recent_trauma_bone_risk",
        {"injury": True, "injury_date": days_before(400), "injury_minor_fall": True, "osteoporosis": True},
        {"injury": True, "injury_date": days_before(400), "injury_minor_fall": False, "osteoporosis": True},
        "absolute",
        ALL,
    ),
    ("aneurysm", {"aneurysm": True}, {"aneurysm": False}, "absolute", ANEURYSM),
    ("aneurysm_signs", {"aneurysm_signs": True}, {"aneurysm_signs": False}, "urgent", ALL),
    (
        "aneurysm_risk",
        {"date_of_birth": born_years_before(70), "ever_smoked": True},
        {"date_of_birth": born_years_before(50), "ever_smoked": True},
        "relative",
        ANEURYSM_RISK,
    ),
    ("pregnancy", {"pregnant": True}, {"pregnant": False}, "relative", PREGNANCY),
    (
        "pregnancy_20_weeks",
        {"pregnant": True, "pregnancy_weeks": 24},
        {"pregnant": True, "pregnancy_weeks": 12},
        "relative",
        PREGNANCY_20_WEEKS,
    ),
    (
        "pregnancy_high_risk",
        {"pregnant": True, "pregnancy_high_risk": True},
        {"pregnant": True, "pregnancy_high_risk": False},
        "absolute",
        PREGNANCY,
    ),
    (
        "abdominal_surgery_recent",
        {"abdominal_surgery": True, "abdominal_surgery_date": days_before(20)},
        {"abdominal_surgery": True, "abdominal_surgery_date": days_before(60)},
        "absolute",
        ABDOMINAL_SURGERY,
    ),
    (
        "abdominal_surgery",
        {"abdominal_surgery": True, "abdominal_surgery_date": days_before(60)},
        {"abdominal_surgery": True, "abdominal_surgery_date": days_before(200)},
        "relative",
        ABDOMINAL_SURGERY,
    ),
    ("other_surgery", {"other_surgery": True}, {"other_surgery": False}, "relative", NONE),
    ("hernia", {"hernia": True}, {"hernia": False}, "relative", HERNIA),
    (
        "hernia_complicated",
        {"hernia": True, "hernia_complicated": True},
        {"hernia": True, "hernia_complicated": False},
        "absolute",
        HERNIA,
    ),
    ("anticoagulants", {"anticoagulants": True}, {"anticoagulants": False}, "relative", ANTICOAGULANTS),
    ("blood_clot", {"blood_clot": True}, {"blood_clot": False}, "absolute", ALL),
    (
        "abdominal_condition_flare",
        {"abdominal_condition_flare": True},
        {"abdominal_condition_flare": False},
        "absolute",
        ABDOMINAL_CONDITION,
    ),
    (
        "abdominal_condition_remission",
        {"abdominal_condition_remission": True},
        {"abdominal_condition_remission": False},
        "relative",
        ABDOMINAL_CONDITION,
    ),
    ("kidney", {"kidney": True}, {"kidney": False}, "relative", KIDNEY),
    ("osteoporosis", {"osteoporosis": True}, {"osteoporosis": False}, "relative", OSTEOPOROSIS),
    (
        "osteoporosis_steroids",
        {"long_term_steroids": True},
        {"long_term_steroids": False},
        "relative",
        OSTEOPOROSIS,
    ),
    (
        "hip_fracture_recent",
        {"hip_fracture": True, "hip_fracture_date": days_before(30), "hip_fracture_cleared": True},
        {"hip_fracture": True, "hip_fracture_date": days_before(120), "hip_fracture_cleared": True},
        "absolute",
        HIP_FRACTURE,
    ),
    (
        "hip_fracture_not_cleared",
        {"hip_fracture": True, "hip_fracture_date": days_before(365), "hip_fracture_cleared": False},
        {"hip_fracture": True, "hip_fracture_date": days_before(365), "hip_fracture_cleared": True},
        "absolute",
        HIP_FRACTURE,
    ),
    ("hip_fracture", {"hip_fracture": True}, {"hip_fracture": False}, "relative", HIP_FRACTURE),
    (
        "hip_replacement",
        {"hip_replacement": True, "hip_replacement_approach": "side"},
        {"hip_replacement": False},
        "relative",
        NONE,
    ),
    (
        "hip_replacement_posterior",
        {"hip_replacement": True, "hip_replacement_approach": "back"},
        {"hip_replacement": True, "hip_replacement_approach": "front"},
        "relative",
        HIP_BACK,
    ),
    (
        "hip_replacement_anterior",
        {"hip_replacement": True, "hip_replacement_approach": "front"},
        {"hip_replacement": True, "hip_replacement_approach": "back"},
        "relative",
        HIP_FRONT,
    ),
    (
        "hip_replacement_unknown",
        {"hip_replacement": True, "hip_replacement_approach": "unknown"},
        {"hip_replacement": True, "hip_replacement_approach": "side"},
        "relative",
        HIP_BACK | HIP_FRONT,
    ),
    ("knee", {"knee": True}, {"knee": False}, "relative", KNEE),
    ("herniated_disc", {"herniated_disc": True}, {"herniated_disc": False}, "relative", HERNIATED_DISC),
    (
        "spinal_instability",
        {"spinal_instability": True},
        {"spinal_instability": False},
        "relative",
        SPINAL_INSTABILITY,
    ),
    (
        "spinal_instability_severe",
        {"spinal_instability": True, "spinal_instability_severe": True},
        {"spinal_instability": True, "spinal_instability_severe": False},
        "absolute",
        SPINAL_INSTABILITY,
    ),
    (
        "acute_back_pain",
        {"pain_onset_date": days_before(10)},
        {"pain_onset_date": days_before(100)},
        "relative",
        ACUTE_BACK_PAIN,
    ),
    ("acute_back_pain_severe", {"pain_now": 8}, {"pain_now": 7}, "relative", ACUTE_BACK_PAIN),
    (
        "reduced_sensation",
        {"reduced_sensation": True},
        {"reduced_sensation": False},
        "relative",
        REDUCED_SENSATION,
    ),
    ("skin", {"skin": True}, {"skin": False}, "relative", SKIN),
    ("heart_bp", {"heart_bp": True}, {"heart_bp": False}, "relative", HEART_BP),
    (
        "heart_bp_uncontrolled",
        {"heart_bp": True, "heart_bp_uncontrolled": True},
        {"heart_bp": True, "heart_bp_uncontrolled": False},
        "absolute",
        HEART_BP,
    ),
    ("unwell_today", {"unwell_today": True}, {"unwell_today": False}, "absolute", ALL),
    ("iud_menstruation", {"iud_menstruation": True}, {"iud_menstruation": False}, "info", NONE),
    ("areas_to_avoid", {"areas_to_avoid": "My feet, please."}, {"areas_to_avoid": "  "}, "info", NONE),
]


@pytest.fixture
def rules() -> list[screening.RuleSpec]:
    return load_active_rules()


def flag_keys(result: screening.ScreeningResult) -> set[str]:
    return {flag.rule_key for flag in result.flags}


@pytest.mark.parametrize(
    ("key", "answers", "opposite", "severity", "codes"), CASES, ids=[c[0] for c in CASES]
)
def test_seeded_rule_flags_with_its_severity_and_rules_out_its_techniques(
    rules, key, answers, opposite, severity, codes
):
    result = screen(answers, rules, APPOINTMENT)

    (flag,) = [flag for flag in result.flags if flag.rule_key == key]
    assert flag.severity == severity
    assert frozenset(flag.techniques) == codes
    assert codes <= result.techniques_ruled_out


@pytest.mark.parametrize(
    ("key", "answers", "opposite", "severity", "codes"), CASES, ids=[c[0] for c in CASES]
)
def test_seeded_rule_does_not_flag_the_opposite_answer(rules, key, answers, opposite, severity, codes):
    assert key not in flag_keys(screen(opposite, rules, APPOINTMENT))


def test_every_active_rule_has_a_case():
    assert {case[0] for case in CASES} == {rule.key for rule in load_active_rules()}


def test_every_screening_key_has_an_active_rule():
    active = {rule.key for rule in load_active_rules()}

    missing = {row: keys for row, keys in SCREENING_ROWS.items() if not set(keys) <= active}

    assert missing == {}
    assert set().union(*SCREENING_ROWS.values()) == active


def test_no_answers_at_all_are_clear(rules):
    result = screen({}, rules, APPOINTMENT)

    assert result.outcome == Outcome.CLEAR
    assert result.flags == ()


# --- aneurysm risk ---------------------------------------------------------------------------------


@pytest.mark.parametrize("factor", ["ever_smoked", "family_aneurysm", "heart_disease"])
def test_aneurysm_risk_flags_on_the_65th_birthday_with_a_risk_factor(rules, factor):
    result = screen({"date_of_birth": born_years_before(65), factor: True}, rules, APPOINTMENT)

    assert "aneurysm_risk" in flag_keys(result)
    assert result.outcome == Outcome.REVIEW
    assert result.techniques_ruled_out == ANEURYSM_RISK


def test_aneurysm_risk_does_not_flag_at_64(rules):
    # Turns 65 the day after the appointment.
    answers = {"date_of_birth": "1961-06-16", "ever_smoked": True}

    assert "aneurysm_risk" not in flag_keys(screen(answers, rules, APPOINTMENT))


def test_aneurysm_risk_does_not_flag_age_without_a_risk_factor(rules):
    answers = {
        "date_of_birth": born_years_before(80),
        "ever_smoked": False,
        "family_aneurysm": False,
        "heart_disease": False,
    }

    assert screen(answers, rules, APPOINTMENT).flags == ()


# --- pregnancy -------------------------------------------------------------------------------------


def test_pregnancy_at_19_weeks_keeps_lying_on_the_back(rules):
    result = screen({"pregnant": True, "pregnancy_weeks": 19}, rules, APPOINTMENT)

    assert flag_keys(result) == {"pregnancy"}
    assert result.techniques_ruled_out == PREGNANCY


def test_pregnancy_from_week_20_also_rules_out_lying_on_the_back(rules):
    result = screen({"pregnant": True, "pregnancy_weeks": 20}, rules, APPOINTMENT)

    assert flag_keys(result) == {"pregnancy", "pregnancy_20_weeks"}
    assert result.outcome == Outcome.REVIEW
    assert result.techniques_ruled_out == PREGNANCY | {"SUP", "SLL"}


def test_high_risk_pregnancy_is_held_for_clearance(rules):
    result = screen({"pregnant": True, "pregnancy_weeks": 8, "pregnancy_high_risk": True}, rules, APPOINTMENT)

    assert result.outcome == Outcome.BLOCKED
    assert result.techniques_ruled_out == PREGNANCY


# --- surgery and injury windows --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "outcome", "keys"),
    [
        (41, Outcome.BLOCKED, {"abdominal_surgery_recent", "abdominal_surgery"}),
        (42, Outcome.REVIEW, {"abdominal_surgery"}),  # "< 6 weeks": six full weeks are not less
        (43, Outcome.REVIEW, {"abdominal_surgery"}),
        (83, Outcome.REVIEW, {"abdominal_surgery"}),
        (84, Outcome.REVIEW, {"abdominal_surgery"}),
        (85, Outcome.CLEAR, set()),
    ],
)
def test_abdominal_surgery_window_days(rules, days, outcome, keys):
    answers = {"abdominal_surgery": True, "abdominal_surgery_date": days_before(days)}

    result = screen(answers, rules, APPOINTMENT)

    assert result.outcome == outcome
    assert flag_keys(result) == keys
    assert result.techniques_ruled_out == (ABDOMINAL_SURGERY if keys else NONE)


def test_abdominal_surgery_windows_move_with_the_appointment_date(rules):
    answers = {"abdominal_surgery": True, "abdominal_surgery_date": "2026-05-01"}

    assert screen(answers, rules, date(2026, 6, 1)).outcome == Outcome.BLOCKED
    assert screen(answers, rules, date(2026, 7, 1)).outcome == Outcome.REVIEW
    assert screen(answers, rules, date(2026, 8, 1)).outcome == Outcome.CLEAR


def test_abdominal_surgery_date_is_ignored_when_the_patient_answered_no_surgery(rules):
    answers = {"abdominal_surgery": False, "abdominal_surgery_date": days_before(5)}

    assert screen(answers, rules, APPOINTMENT).outcome == Outcome.CLEAR


@pytest.mark.parametrize(("days", "outcome"), [(42, Outcome.BLOCKED), (43, Outcome.CLEAR)])
def test_injury_is_held_for_clearance_for_six_weeks(rules, days, outcome):
    answers = {"injury": True, "injury_date": days_before(days), "injury_minor_fall": False}

    assert screen(answers, rules, APPOINTMENT).outcome == outcome


def test_old_minor_fall_with_long_term_steroids_is_held_for_clearance(rules):
    answers = {
        "injury": True,
        "injury_date": days_before(300),
        "injury_minor_fall": True,
        "long_term_steroids": True,
    }

    result = screen(answers, rules, APPOINTMENT)

    assert result.outcome == Outcome.BLOCKED
    assert flag_keys(result) == {"recent_trauma_bone_risk", "osteoporosis_steroids"}
    assert result.techniques_ruled_out == ALL


@pytest.mark.parametrize(
    ("days", "cleared", "outcome"),
    [
        (84, True, Outcome.BLOCKED),
        (85, True, Outcome.REVIEW),
        (200, False, Outcome.BLOCKED),
    ],
)
def test_hip_fracture_is_held_within_12_weeks_or_until_cleared(rules, days, cleared, outcome):
    answers = {"hip_fracture": True, "hip_fracture_date": days_before(days), "hip_fracture_cleared": cleared}

    result = screen(answers, rules, APPOINTMENT)

    assert result.outcome == outcome
    assert result.techniques_ruled_out == HIP_FRACTURE


# --- night pain ------------------------------------------------------------------------------------


def test_night_pain_alone_is_for_therapist_review(rules):
    result = screen({"night_pain": True, "systemic": False, "cancer_active": False}, rules, APPOINTMENT)

    assert flag_keys(result) == {"night_pain"}
    assert result.outcome == Outcome.REVIEW
    assert result.techniques_ruled_out == NONE


def test_night_pain_with_systemic_symptoms_is_held_for_clearance(rules):
    result = screen({"night_pain": True, "systemic": True}, rules, APPOINTMENT)

    assert flag_keys(result) == {"night_pain", "night_pain_red_flags", "systemic"}
    assert result.outcome == Outcome.BLOCKED
    assert result.techniques_ruled_out == ALL


def test_night_pain_with_active_cancer_is_held_for_clearance(rules):
    result = screen({"night_pain": True, "cancer_active": True}, rules, APPOINTMENT)

    assert flag_keys(result) == {"night_pain", "night_pain_red_flags", "cancer_active"}
    assert result.outcome == Outcome.BLOCKED
    assert result.techniques_ruled_out == CANCER


# --- hip replacement -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("approach", "keys", "codes"),
    [
        ("back", {"hip_replacement", "hip_replacement_posterior"}, HIP_BACK),
        ("front", {"hip_replacement", "hip_replacement_anterior"}, HIP_FRONT),
        ("side", {"hip_replacement"}, NONE),
        ("unknown", {"hip_replacement", "hip_replacement_unknown"}, HIP_BACK | HIP_FRONT),
    ],
)
def test_hip_replacement_rules_out_positions_by_surgical_approach(rules, approach, keys, codes):
    answers = {"hip_replacement": True, "hip_replacement_approach": approach}

    result = screen(answers, rules, APPOINTMENT)

    assert flag_keys(result) == keys
    assert result.outcome == Outcome.REVIEW
    assert result.techniques_ruled_out == codes


def test_hip_replacement_approach_is_ignored_without_a_hip_replacement(rules):
    answers = {"hip_replacement": False, "hip_replacement_approach": "unknown"}

    assert screen(answers, rules, APPOINTMENT).flags == ()


# --- a realistic mix -------------------------------------------------------------------------------


def test_urgent_sign_wins_over_everything_else(rules):
    answers = {"aneurysm_signs": True, "pregnant": True, "iud_menstruation": True, "blood_clot": True}

    result = screen(answers, rules, APPOINTMENT)

    assert result.outcome == Outcome.URGENT
    assert [flag.rule_key for flag in result.flags] == [
        "aneurysm_signs",
        "blood_clot",
        "pregnancy",
        "iud_menstruation",
    ]


# --- the rules as data -----------------------------------------------------------------------------


def test_load_active_rules_takes_two_queries(django_assert_num_queries):
    with django_assert_num_queries(2):
        load_active_rules()


def test_edited_rule_is_what_the_engine_reads_next():
    ScreeningRule.objects.filter(key="knee").update(severity=Severity.ABSOLUTE)

    (knee,) = [rule for rule in load_active_rules() if rule.key == "knee"]

    assert knee.severity == "absolute"
    assert screen({"knee": True}, load_active_rules(), APPOINTMENT).outcome == Outcome.BLOCKED


def test_edited_time_window_is_what_the_engine_reads_next():
    ScreeningRule.objects.filter(key="recent_trauma").update(threshold=90)

    answers = {"injury": True, "injury_date": days_before(60)}

    assert screen(answers, load_active_rules(), APPOINTMENT).outcome == Outcome.BLOCKED


def test_deactivated_rule_no_longer_flags():
    ScreeningRule.objects.filter(key="knee").update(active=False)

    assert screen({"knee": True}, load_active_rules(), APPOINTMENT).flags == ()


def test_techniques_come_from_the_contraindication_as_edited():
    knee_rule = ScreeningRule.objects.get(key="knee")
    knee_rule.contraindication.rules_out.remove(*knee_rule.contraindication.rules_out.filter(code="PIG"))

    (knee,) = [rule for rule in load_active_rules() if rule.key == "knee"]

    assert set(knee.techniques) == KNEE - {"PIG"}


def test_unwell_today_is_asked_before_every_visit():
    per_visit = {rule.key for rule in load_active_rules() if rule.per_visit}

    assert per_visit == {"unwell_today"}


def test_seeded_rules_pass_model_validation():
    for rule in ScreeningRule.objects.select_related("contraindication"):
        rule.full_clean()  # max_length, choices and slugs, as PostgreSQL would hold them


def test_seeded_rules_read_answer_keys_the_intake_form_produces():
    known = set(BY_KEY) | set(OTHER_ANSWER_KEYS)

    for rule in ScreeningRule.objects.all():
        assert rule.question_key in known, rule.key
        assert not rule.requires_yes or BY_KEY[rule.requires_yes].kind == "yes_no", rule.key


def test_seeded_rules_judge_the_kind_of_answer_their_question_gives():
    for rule in ScreeningRule.objects.exclude(condition=Condition.COMPUTED):
        assert answer_kind(rule.question_key) == KIND_BY_CONDITION[rule.condition], rule.key


def test_seeded_choice_rules_use_the_forms_choices():
    for rule in ScreeningRule.objects.filter(condition=Condition.IN):
        choices = {value for value, _ in BY_KEY[rule.question_key].choices}
        assert set(rule.values.split(",")) <= choices, rule.key


def test_rules_reading_the_same_answer_ask_it_the_same_way():
    wording: dict[str, set[str]] = {}
    for rule in ScreeningRule.objects.all():
        wording.setdefault(rule.question_key, set()).add(rule.question)

    assert {key: texts for key, texts in wording.items() if len(texts) > 1} == {}


def test_engine_constants_agree_with_the_models():
    assert set(screening.SEVERITY_RANK) == set(Severity.values)
    assert set(screening.CONDITIONS) == set(Condition.values)
    assert set(screening.OUTCOME_BY_SEVERITY.values()) == set(Outcome.values)


# --- rule-set versions -----------------------------------------------------------------------------


def test_seeded_rule_set_version_1_holds_the_snapshot_of_the_seeded_rules():
    seeded = RuleSet.objects.get(version=1)

    # Version 1 was written while rules still had an answer type; it keeps it, as old snapshots do.
    assert all("answer_type" in row for row in seeded.snapshot)
    assert len(seeded.snapshot) == ScreeningRule.objects.count()
    assert {row["key"]: row["threshold"] for row in seeded.snapshot}["abdominal_surgery_recent"] == 42


def test_the_corrected_belly_surgery_window_is_a_new_rule_set_version():
    # Migration 0009: "< 6 weeks" is 41 days, a rule edit like any other, so a new version.
    rule_set = current_rule_set()

    assert rule_set.version == 2
    assert rule_set.snapshot == rule_set_snapshot()
    assert ScreeningRule.objects.get(key="abdominal_surgery_recent").threshold == 41


def test_snapshot_names_each_rules_contraindication_and_techniques():
    by_key = {row["key"]: row for row in rule_set_snapshot()}

    assert by_key["aneurysm"]["contraindication"] == "aneurysm"
    assert by_key["aneurysm"]["techniques"] == sorted(ANEURYSM)
    assert by_key["cancer_past"]["contraindication"] is None
    assert by_key["cancer_past"]["techniques"] == []
    assert by_key["aneurysm_risk"]["threshold"] == 65


def test_current_rule_set_is_the_newest_version():
    newest = RuleSet.objects.order_by("-version").first().version + 1
    RuleSet.objects.create(version=newest, snapshot=[])

    assert current_rule_set().version == newest


def test_current_rule_set_writes_nothing_when_none_exists():
    RuleSet.objects.all().delete()

    with pytest.raises(RuleSet.DoesNotExist):
        current_rule_set()

    assert not RuleSet.objects.exists()


def test_saving_a_rule_outside_the_admin_makes_the_next_version():
    rule = ScreeningRule.objects.get(key="knee")
    rule.severity = "info"
    before = current_rule_set().version

    version = screening_rule_save(rule=rule, by=None)

    assert version.version == before + 1
    assert current_rule_set() == version
    assert {r["key"]: r for r in version.snapshot}["knee"]["severity"] == "info"


def test_a_rule_save_that_fails_makes_no_version(monkeypatch):
    def broken_bump(**kwargs):
        raise RuntimeError("no version")

    monkeypatch.setattr(rules_module, "rule_set_bump", broken_bump)
    rule = ScreeningRule.objects.get(key="knee")
    rule.severity = "info"
    with pytest.raises(RuntimeError):
        screening_rule_save(rule=rule, by=None)
    rule.refresh_from_db()
    assert rule.severity == "relative"  # the edit did not stay without its version
