"""The health questions of the intake, by answer key. Screening rules read these keys.

A follow-up question (`parent`) is asked only when its parent is answered yes; the server clears it
otherwise. Wording here is the default: where an active screening rule reads a key, the form shows
that rule's patient wording instead, so an admin's edit reaches the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..screening import engine

YES_NO, NUMBER, DATE, CHOICE, TEXT = "yes_no", "number", "date", "choice", "text"


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    kind: str = YES_NO
    parent: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    required: bool = True
    past_date: bool = True  # dates must not lie in the future


# Step "health 1": warning signs and general health.
RED_FLAGS: tuple[Question, ...] = (
    Question(
        "saddle_numbness",
        "Do you have new numbness between your legs or around your bottom, or new problems controlling your bladder or bowel?",
    ),
    Question(
        "progressive_weakness", "Is weakness, numbness or difficulty walking in your legs getting worse?"
    ),
    Question("systemic", "Have you had weight loss you cannot explain, fever, chills or night sweats?"),
    Question(
        "cancer_active",
        "Are you having cancer treatment now, or have you had chemotherapy in the last 72 hours?",
    ),
    Question("cancer_past", "Have you had cancer in the past?"),
    Question("night_pain", "Is your pain constant and not eased by rest, or worse at night?"),
    Question("injury", "Did your pain begin after a fall, an accident or an injury?"),
    Question("injury_date", "When did it happen?", kind=DATE, parent="injury"),
    Question("injury_minor_fall", "Was it a minor fall (from standing height or less)?", parent="injury"),
    Question(
        "aneurysm",
        "Have you ever been told you have an aneurysm (a swollen artery), for example in your belly?",
    ),
    Question(
        "aneurysm_signs",
        "Do you have a pulsing lump in your belly, or sudden severe pain in your belly, back or groin?",
    ),
    Question("ever_smoked", "Have you ever smoked?"),
    Question("family_aneurysm", "Has anyone in your family had an aneurysm?"),
    Question("heart_disease", "Do you have heart disease or disease of the arteries?"),
    Question(
        "blood_clot", "Do you have a blood clot now (DVT or PE), or a leg that is swollen, painful and warm?"
    ),
    Question("anticoagulants", "Do you take blood thinners, or have a bleeding disorder or low platelets?"),
    Question("heart_bp", "Do you have a heart condition or high blood pressure?"),
    Question("heart_bp_uncontrolled", "Is it currently not under control?", parent="heart_bp"),
)

# Step "health 2": surgery, bones and joints, belly, pregnancy, skin and sensation.
CONDITIONS: tuple[Question, ...] = (
    Question(
        "abdominal_surgery",
        "Have you had surgery on your belly or pelvis (including a caesarean, keyhole surgery or a hernia repair)?",
    ),
    Question(
        "abdominal_surgery_date", "When was the most recent one?", kind=DATE, parent="abdominal_surgery"
    ),
    Question("other_surgery", "Have you had any other surgery, or a stay in hospital, in the last 6 months?"),
    Question("hernia", "Do you have a hernia or hernia mesh?"),
    Question("hernia_complicated", "Is the hernia painful, or does it not go back in?", parent="hernia"),
    Question(
        "abdominal_condition_flare",
        "Do you have belly pain you cannot explain, or a flare-up of Crohn's disease, colitis, diverticulitis or an ulcer?",
    ),
    Question(
        "abdominal_condition_remission",
        "Do you have Crohn's disease, colitis, diverticulitis or an ulcer that is currently calm?",
    ),
    Question("kidney", "Do you have kidney disease or kidney stones, or a kidney transplant or dialysis?"),
    Question(
        "osteoporosis", "Do you have osteoporosis (thin bones), or have you broken a bone in a minor fall?"
    ),
    Question("long_term_steroids", "Do you take steroid tablets long-term?"),
    Question(
        "hip_fracture", "Have you broken your hip or pelvis, or had hip surgery other than a replacement?"
    ),
    Question("hip_fracture_date", "When?", kind=DATE, parent="hip_fracture"),
    Question(
        "hip_fracture_cleared",
        "Has your surgeon or doctor cleared you for normal activity?",
        parent="hip_fracture",
    ),
    Question("hip_replacement", "Do you have a hip replacement?"),
    Question(
        "hip_replacement_side",
        "Which side?",
        kind=CHOICE,
        parent="hip_replacement",
        choices=(("left", "Left"), ("right", "Right"), ("both", "Both")),
    ),
    Question(
        "hip_replacement_approach",
        "From which side did the surgeon operate?",
        kind=CHOICE,
        parent="hip_replacement",
        choices=(
            ("front", "From the front"),
            ("back", "From the back"),
            ("side", "From the side"),
            ("unknown", "I don't know"),
        ),
    ),
    Question("hip_replacement_date", "When was it done?", kind=DATE, parent="hip_replacement"),
    Question("knee", "Do you have a knee injury or knee surgery, or pain when kneeling?"),
    Question(
        "herniated_disc",
        "Have you been diagnosed with a herniated (slipped) disc, or do you have pain or tingling down a leg?",
    ),
    Question(
        "spinal_instability",
        "Do you have spondylolisthesis, an unstable spine, a spinal fracture or a spinal fusion?",
    ),
    Question(
        "spinal_instability_severe",
        "Has a doctor told you it is severe, or to avoid bending and twisting?",
        parent="spinal_instability",
    ),
    Question("pregnant", "Are you pregnant, or could you be?"),
    Question(
        "pregnancy_weeks",
        "How many weeks pregnant are you?",
        kind=NUMBER,
        parent="pregnant",
        min_value=0,
        max_value=45,
    ),
    Question(
        "pregnancy_high_risk",
        "Is your pregnancy high-risk, or have you had pre-eclampsia or bleeding?",
        parent="pregnant",
    ),
    Question(
        "reduced_sensation",
        "Do you have numb areas, nerve damage, diabetes that affects feeling, or poor circulation?",
    ),
    Question(
        "skin", "Do you have an open wound, a burn, a rash or a skin infection on your belly, hips or back?"
    ),
    Question(
        "iud_menstruation", "Do you have an IUD (coil), or will you be having your period at the appointment?"
    ),
)

# The headings each health step shows its questions under, so a screen of yes/no questions reads as a
# few short groups. Layout only: screening never reads them. Every question of a step is in one group of
# that step, a follow-up in its parent's (test_question_groups).
GROUPS_WARNING_SIGNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Warning signs", ("saddle_numbness", "progressive_weakness", "systemic", "night_pain")),
    ("Cancer and injuries", ("cancer_active", "cancer_past", "injury", "injury_date", "injury_minor_fall")),
    (
        "Arteries and aneurysm",
        ("aneurysm", "aneurysm_signs", "ever_smoked", "family_aneurysm", "heart_disease"),
    ),
    ("Blood and heart", ("blood_clot", "anticoagulants", "heart_bp", "heart_bp_uncontrolled")),
)
GROUPS_CONDITIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Operations and your belly",
        (
            "abdominal_surgery",
            "abdominal_surgery_date",
            "other_surgery",
            "hernia",
            "hernia_complicated",
            "abdominal_condition_flare",
            "abdominal_condition_remission",
            "kidney",
        ),
    ),
    (
        "Bones and joints",
        (
            "osteoporosis",
            "long_term_steroids",
            "hip_fracture",
            "hip_fracture_date",
            "hip_fracture_cleared",
            "hip_replacement",
            "hip_replacement_side",
            "hip_replacement_approach",
            "hip_replacement_date",
            "knee",
        ),
    ),
    (
        "Spine, nerves and circulation",
        ("herniated_disc", "spinal_instability", "spinal_instability_severe", "reduced_sensation"),
    ),
    (
        "Pregnancy, periods and skin",
        ("pregnant", "pregnancy_weeks", "pregnancy_high_risk", "iud_menstruation", "skin"),
    ),
    ("On the day of your visit", ("unwell_today",)),
)

# Asked before every visit, and in the full intake too.
UNWELL_TODAY = Question(
    "unwell_today",
    "Today, do you have a temperature of 38 °C or more, a cold, flu or an infection, or have you had alcohol or drugs in the last few hours?",
)

# The answer to it is for one visit: a form re-opened from a check-in keeps the answer given there, with
# the appointment it was given for, and does not ask it again.
VISIT_DAY_ANSWERED_FOR = "unwell_today_for"


def visit_day_question(visit_date: date | None, today: date, wording: str | None = None) -> str:
    """The per-visit question, about the day of the visit: 'today' only when the visit is today."""
    if visit_date is None or visit_date == today:
        return wording or UNWELL_TODAY.text
    return (
        f"Your visit is on {visit_date:%A} {visit_date.day} {visit_date:%B}. On that day, do you expect to "
        "have a temperature of 38 °C or more, a cold, flu or an infection, or to have had alcohol or drugs "
        "in the hours before? If this changes before your visit, please phone us to move it."
    )


HEALTH_QUESTIONS: tuple[Question, ...] = (*RED_FLAGS, *CONDITIONS, UNWELL_TODAY)
BY_KEY: dict[str, Question] = {q.key: q for q in HEALTH_QUESTIONS}

# Answers that rules read but that come from other steps of the form: date_of_birth ("about you"),
# pain_onset_date and pain_now, 0-10 ("your visit"), areas_to_avoid ("preferences").
OTHER_ANSWER_KINDS: dict[str, str] = {
    "date_of_birth": DATE,
    "pain_onset_date": DATE,
    "pain_now": NUMBER,
    "areas_to_avoid": TEXT,
}
OTHER_ANSWER_KEYS = tuple(OTHER_ANSWER_KINDS)

# The kind of answer each condition of a screening rule judges: on any other kind it never matches.
KIND_BY_CONDITION: dict[str, str] = {
    engine.YES: YES_NO,
    engine.NO: YES_NO,
    engine.GTE: NUMBER,
    engine.WITHIN_DAYS: DATE,
    engine.IN: CHOICE,
    engine.NOT_EMPTY: TEXT,
}


def answer_kind(key: str) -> str | None:
    """The kind of answer the form gives under `key`, or None when no step of the form gives it."""
    question = BY_KEY.get(key)
    return question.kind if question else OTHER_ANSWER_KINDS.get(key)


# The answers a closed account keeps for the clinic's retention period: what screening and the clinical
# record need (yes/no, numbers, choices, dates of events). Every other answer (names, phone numbers, the
# date of birth, all the patient wrote in their own words) is removed when the account is closed, so a
# new field is removed too until someone decides it is clinical and says so here.
KEPT_WHEN_ACCOUNT_CLOSED: frozenset[str] = frozenset(
    {
        *(question.key for question in HEALTH_QUESTIONS),
        *(engine.given_on_key(key) for key in engine.DATED_ANSWERS),
        VISIT_DAY_ANSWERED_FOR,
        "pain_onset_date",
        "onset_kind",
        "pain_now",
        "pain_worst",
        "pain_best",
        "pain_regions",
        "pain_side",
        "pressure",
        "consent_abdominal",
        "accuracy",
        "informed_consent",
        "privacy",
    }
)
