"""Load the starting screening rules from SCREENING.md, and rule-set version 1 with their snapshot.

One row of SCREENING.md can need several rules: a follow-up that raises the severity (`*_severe`,
`*_uncontrolled`, `hernia_complicated`), a time window (`*_recent`), or a choice (hip approach). The
content lives here, not in app code, so that this migration keeps working after the models or their
helpers change. Clinic admins edit the rules afterwards in the Django admin.
"""

from django.db import migrations

# The question as the patient reads it, by the answer key it fills. Rules reading the same key share
# the wording, because the intake form shows a rule's wording in place of its default.
QUESTIONS = {
    "saddle_numbness": (
        "Have you recently noticed numbness between your legs or around your bottom, or new trouble "
        "holding in or passing urine or stools?"
    ),
    "progressive_weakness": "Are your legs getting weaker or more numb, or is walking getting harder?",
    "systemic": "Have you lost weight without trying, or had a fever, chills or heavy sweating at night?",
    "cancer_active": (
        "Are you being treated for cancer at the moment, or have you had chemotherapy in the last 3 days?"
    ),
    "cancer_past": "Have you had cancer at any time in the past?",
    "night_pain": "Is your pain there all the time, even when you rest, or is it worse at night?",
    "injury_date": "On what date did the fall, accident or injury happen?",
    "injury_minor_fall": "Was it a small fall, from standing height or lower?",
    "aneurysm": (
        "Has a doctor ever told you that you have an aneurysm (a bulging, weakened artery), for example in "
        "your belly?"
    ),
    "aneurysm_signs": (
        "Right now, can you feel a throbbing lump in your belly, or do you have sudden, very bad pain in "
        "your belly, back or groin?"
    ),
    "date_of_birth": "What is your date of birth?",
    "pregnant": "Are you pregnant, or is there a chance you might be?",
    "pregnancy_weeks": "How many weeks pregnant are you?",
    "pregnancy_high_risk": (
        "Has your midwife or doctor called your pregnancy high-risk, or have you had pre-eclampsia or any "
        "bleeding?"
    ),
    "abdominal_surgery_date": (
        "When was your most recent operation on your belly or pelvis, such as a caesarean, keyhole "
        "surgery or a hernia repair?"
    ),
    "other_surgery": "In the last 6 months, have you had any other operation, or stayed in hospital?",
    "hernia": "Do you have a hernia, or mesh from a hernia repair?",
    "hernia_complicated": (
        "Does the hernia hurt, or does the bulge stay out when you lie down or press gently on it?"
    ),
    "anticoagulants": (
        "Do you take medicine that thins your blood, or do you have a bleeding disorder or a low platelet "
        "count?"
    ),
    "blood_clot": (
        "Do you have a blood clot at the moment (such as a DVT or a clot in the lung), or a leg that is "
        "swollen, sore and warm?"
    ),
    "abdominal_condition_flare": (
        "Do you have belly pain that nobody has explained yet, or is Crohn's disease, colitis, "
        "diverticulitis or a stomach ulcer flaring up at the moment?"
    ),
    "abdominal_condition_remission": (
        "Do you have Crohn's disease, colitis, diverticulitis or a stomach ulcer that is settled at the "
        "moment?"
    ),
    "kidney": (
        "Do you have kidney disease or kidney stones, or have you had a kidney transplant or dialysis?"
    ),
    "osteoporosis": (
        "Have you been told your bones are thin or weak (osteoporosis), or have you broken a bone in a "
        "small fall?"
    ),
    "long_term_steroids": "Do you take steroid tablets, such as prednisolone, for months at a time?",
    "hip_fracture_date": "When did the break or the operation happen?",
    "hip_fracture_cleared": (
        "Has your surgeon or doctor told you that you can go back to all your normal activities?"
    ),
    "hip_fracture": (
        "Have you broken your hip or pelvis, or had an operation on your hip other than a hip replacement?"
    ),
    "hip_replacement": "Do you have an artificial hip (a hip replacement)?",
    "hip_replacement_approach": (
        "Where did the surgeon go in to replace your hip: from the front, the back or the side? If you "
        "are not sure, choose 'I don't know'."
    ),
    "knee": "Have you hurt your knee or had knee surgery, or does it hurt when you kneel?",
    "herniated_disc": (
        "Has a doctor told you that you have a slipped (herniated) disc, or do you have pain, pins and "
        "needles or tingling running down a leg?"
    ),
    "spinal_instability": (
        "Have you been told you have a slipped vertebra (spondylolisthesis) or an unstable spine, or have "
        "you had a broken bone in your spine or a spinal fusion?"
    ),
    "spinal_instability_severe": (
        "Has a doctor said that this is severe, or told you not to bend or twist your back?"
    ),
    "pain_onset_date": "When did the pain you are coming to see us about begin?",
    "pain_now": "How strong is your pain right now, from 0 (no pain at all) to 10 (the worst you can imagine)?",
    "reduced_sensation": (
        "Do you have patches of skin with little or no feeling, nerve damage, diabetes that has affected "
        "your feeling, or poor circulation?"
    ),
    "skin": (
        "Do you have an open cut or sore, a burn, a rash or a skin infection on your belly, hips or back?"
    ),
    "heart_bp": "Do you have a heart problem or high blood pressure?",
    "heart_bp_uncontrolled": "Is it poorly controlled at the moment, even with treatment?",
    "unwell_today": (
        "Today, do you have a temperature of 38 °C or more, a cold, flu or any other infection, or have "
        "you had alcohol or recreational drugs in the last few hours?"
    ),
    "iud_menstruation": (
        "Do you have a coil (IUD), or do you expect to have your period on the day of your appointment?"
    ),
    "areas_to_avoid": (
        "Are there any parts of your body you would rather we did not touch, or anything about touch you "
        "would like us to know?"
    ),
}

EMERGENCY = (
    "Please do not wait for your appointment. Get medical help today: go to an emergency department or "
    "call emergency services. We will phone you as well."
)
HOLD = (
    "We need to check this with you, and perhaps with your doctor, before we can confirm your booking. "
    "We will be in touch soon."
)
REVIEW = "Your therapist will talk this through with you before your session and adapt it to keep you safe."
NOTED = "Thank you for telling us. Your therapist will keep this in mind."

ANSWER_TYPE_BY_CONDITION = {
    "yes": "yes_no",
    "no": "yes_no",
    "gte": "number",
    "within_days": "date",
    "in": "choice",
    "not_empty": "text",
}

# In SCREENING.md's order. `contraindication` is a techniques Contraindication key, or None when the
# rule rules out no technique of its own. Optional: threshold, values, computed, requires_yes,
# answer_type (else from the condition), per_visit.
RULES = [
    {
        "key": "saddle_numbness",
        "question_key": "saddle_numbness",
        "condition": "yes",
        "severity": "urgent",
        "contraindication": "saddle_numbness",
        "staff_action": "Emergency care today: phone the patient at once and tell them to go to an emergency "
        "department or call emergency services.",
        "patient_message": EMERGENCY,
    },
    {
        "key": "progressive_weakness",
        "question_key": "progressive_weakness",
        "condition": "yes",
        "severity": "absolute",
        "contraindication": "progressive_weakness",
        "staff_action": "Refer to a doctor. No treatment until their clearance is recorded.",
        "patient_message": HOLD,
    },
    {
        "key": "systemic",
        "question_key": "systemic",
        "condition": "yes",
        "severity": "absolute",
        "contraindication": "systemic",
        "staff_action": "Refer to a doctor. No treatment until their clearance is recorded.",
        "patient_message": HOLD,
    },
    {
        "key": "cancer_active",
        "question_key": "cancer_active",
        "condition": "yes",
        "severity": "absolute",
        "contraindication": "cancer_active",
        "staff_action": "Get the oncologist's approval before any deep pressure; record it as the clearance.",
        "patient_message": HOLD,
    },
    {
        "key": "cancer_past",
        "question_key": "cancer_past",
        "condition": "yes",
        "severity": "relative",
        "contraindication": None,
        "staff_action": "Past cancer: ask about the cancer and its treatment before the session.",
        "patient_message": REVIEW,
    },
    {
        "key": "night_pain",
        "question_key": "night_pain",
        "condition": "yes",
        "severity": "relative",
        "contraindication": "night_pain",
        "staff_action": "Therapist review before the session; consider referral to a doctor.",
        "patient_message": REVIEW,
    },
    {
        "key": "night_pain_red_flags",
        "question_key": "night_pain",
        "condition": "computed",
        "computed": "night_pain_red_flags",
        "answer_type": "yes_no",
        "severity": "absolute",
        "contraindication": "night_pain",
        "staff_action": "Constant or night pain together with systemic symptoms or active cancer: refer to a "
        "doctor before any treatment.",
        "patient_message": HOLD,
    },
    {
        "key": "recent_trauma",
        "question_key": "injury_date",
        "condition": "within_days",
        "threshold": 42,
        "requires_yes": "injury",
        "severity": "absolute",
        "contraindication": "recent_trauma",
        "staff_action": "Injury in the last 6 weeks: a doctor's clearance must rule out a fracture first.",
        "patient_message": HOLD,
    },
    {
        "key": "recent_trauma_bone_risk",
        "question_key": "injury_minor_fall",
        "condition": "computed",
        "computed": "minor_fall_bone_risk",
        "answer_type": "yes_no",
        "severity": "absolute",
        "contraindication": "recent_trauma",
        "staff_action": "Minor fall with osteoporosis or long-term steroids: a doctor's clearance must rule "
        "out a fracture first.",
        "patient_message": HOLD,
    },
    {
        "key": "aneurysm",
        "question_key": "aneurysm",
        "condition": "yes",
        "severity": "absolute",
        "contraindication": "aneurysm",
        "staff_action": "No abdominal pressure. Stretches only once a doctor's clearance is recorded.",
        "patient_message": HOLD,
    },
    {
        "key": "aneurysm_signs",
        "question_key": "aneurysm_signs",
        "condition": "yes",
        "severity": "urgent",
        "contraindication": "aneurysm_signs",
        "staff_action": "Emergency advice: phone the patient at once and tell them to call emergency "
        "services or go to an emergency department now.",
        "patient_message": EMERGENCY,
    },
    {
        "key": "aneurysm_risk",
        "question_key": "date_of_birth",
        "condition": "computed",
        "computed": "aneurysm_risk",
        "threshold": 65,
        "answer_type": "date",
        "severity": "relative",
        "contraindication": "aneurysm_risk",
        "staff_action": "Aged 65 or over with smoking, a family history of aneurysm or heart/artery disease: "
        "the therapist decides whether deep abdominal work is safe.",
        "patient_message": REVIEW,
    },
    {
        "key": "pregnancy",
        "question_key": "pregnant",
        "condition": "yes",
        "severity": "relative",
        "contraindication": "pregnancy",
        "staff_action": "Side-lying positioning; no deep abdominal work, cobra or heat.",
        "patient_message": REVIEW,
    },
    {
        "key": "pregnancy_20_weeks",
        "question_key": "pregnancy_weeks",
        "condition": "gte",
        "threshold": 20,
        "requires_yes": "pregnant",
        "severity": "relative",
        "contraindication": "pregnancy_20_weeks",
        "staff_action": "20 weeks or more: nothing lying flat on the back; side-lying positions only.",
        "patient_message": REVIEW,
    },
    {
        "key": "pregnancy_high_risk",
        "question_key": "pregnancy_high_risk",
        "condition": "yes",
        "requires_yes": "pregnant",
        "severity": "absolute",
        "contraindication": "pregnancy",
        "staff_action": "High-risk pregnancy, pre-eclampsia or bleeding: clearance from the midwife or "
        "obstetrician before treatment.",
        "patient_message": HOLD,
    },
    {
        "key": "abdominal_surgery_recent",
        "question_key": "abdominal_surgery_date",
        "condition": "within_days",
        "threshold": 42,
        "requires_yes": "abdominal_surgery",
        "severity": "absolute",
        "contraindication": "abdominal_surgery",
        "staff_action": "Belly or pelvic surgery in the last 6 weeks: the surgeon's clearance before "
        "treatment.",
        "patient_message": HOLD,
    },
    {
        "key": "abdominal_surgery",
        "question_key": "abdominal_surgery_date",
        "condition": "within_days",
        "threshold": 84,
        "requires_yes": "abdominal_surgery",
        "severity": "relative",
        "contraindication": "abdominal_surgery",
        "staff_action": "Belly or pelvic surgery in the last 12 weeks: follow the surgeon's clearance and "
        "keep off the surgical site.",
        "patient_message": REVIEW,
    },
    {
        "key": "other_surgery",
        "question_key": "other_surgery",
        "condition": "yes",
        "severity": "relative",
        "contraindication": "other_surgery",
        "staff_action": "Review the surgery site and any restrictions the surgeon set.",
        "patient_message": REVIEW,
    },
    {
        "key": "hernia",
        "question_key": "hernia",
        "condition": "yes",
        "severity": "relative",
        "contraindication": "hernia",
        "staff_action": "No pressure at the hernia site.",
        "patient_message": REVIEW,
    },
    {
        "key": "hernia_complicated",
        "question_key": "hernia_complicated",
        "condition": "yes",
        "requires_yes": "hernia",
        "severity": "absolute",
        "contraindication": "hernia",
        "staff_action": "Painful or non-reducible hernia: refer to a doctor; no treatment until cleared.",
        "patient_message": HOLD,
    },
    {
        "key": "anticoagulants",
        "question_key": "anticoagulants",
        "condition": "yes",
        "severity": "relative",
        "contraindication": "anticoagulants",
        "staff_action": "No deep pressure.",
        "patient_message": REVIEW,
    },
    {
        "key": "blood_clot",
        "question_key": "blood_clot",
        "condition": "yes",
        "severity": "absolute",
        "contraindication": "blood_clot",
        "staff_action": "No treatment until a doctor confirms the clot has resolved.",
        "patient_message": HOLD,
    },
    {
        "key": "abdominal_condition_flare",
        "question_key": "abdominal_condition_flare",
        "condition": "yes",
        "severity": "absolute",
        "contraindication": "abdominal_condition",
        "staff_action": "Unexplained belly pain or a flare: refer to a doctor; no treatment until cleared.",
        "patient_message": HOLD,
    },
    {
        "key": "abdominal_condition_remission",
        "question_key": "abdominal_condition_remission",
        "condition": "yes",
        "severity": "relative",
        "contraindication": "abdominal_condition",
        "staff_action": "Bowel condition or ulcer in remission: therapist review; no deep belly work.",
        "patient_message": REVIEW,
    },
    {
        "key": "kidney",
        "question_key": "kidney",
        "condition": "yes",
        "severity": "relative",
        "contraindication": "kidney",
        "staff_action": "Avoid pressure over the kidneys and any transplant or dialysis site.",
        "patient_message": REVIEW,
    },
    {
        "key": "osteoporosis",
        "question_key": "osteoporosis",
        "condition": "yes",
        "severity": "relative",
        "contraindication": "osteoporosis",
        "staff_action": "Light pressure only; no forceful stretching.",
        "patient_message": REVIEW,
    },
    {
        "key": "osteoporosis_steroids",
        "question_key": "long_term_steroids",
        "condition": "yes",
        "severity": "relative",
        "contraindication": "osteoporosis",
        "staff_action": "Long-term steroid tablets weaken bone: light pressure only; no forceful stretching.",
        "patient_message": REVIEW,
    },
    {
        "key": "hip_fracture_recent",
        "question_key": "hip_fracture_date",
        "condition": "within_days",
        "threshold": 84,
        "requires_yes": "hip_fracture",
        "severity": "absolute",
        "contraindication": "hip_fracture",
        "staff_action": "Hip or pelvic fracture or surgery in the last 12 weeks: the surgeon's clearance, "
        "then follow their restrictions.",
        "patient_message": HOLD,
    },
    {
        "key": "hip_fracture_not_cleared",
        "question_key": "hip_fracture_cleared",
        "condition": "computed",
        "computed": "hip_fracture_not_cleared",
        "answer_type": "yes_no",
        "severity": "absolute",
        "contraindication": "hip_fracture",
        "staff_action": "Hip or pelvic fracture or surgery not yet cleared: record the surgeon's clearance, "
        "then follow their restrictions.",
        "patient_message": HOLD,
    },
    {
        "key": "hip_fracture",
        "question_key": "hip_fracture",
        "condition": "yes",
        "severity": "relative",
        "contraindication": "hip_fracture",
        "staff_action": "Follow the surgeon's restrictions.",
        "patient_message": REVIEW,
    },
    {
        "key": "hip_replacement",
        "question_key": "hip_replacement",
        "condition": "yes",
        "severity": "relative",
        "contraindication": None,
        "staff_action": "Follow the surgeon's hip precautions. The approach rules below add the positions "
        "to avoid.",
        "patient_message": REVIEW,
    },
    {
        "key": "hip_replacement_posterior",
        "question_key": "hip_replacement_approach",
        "condition": "in",
        "values": "back",
        "requires_yes": "hip_replacement",
        "severity": "relative",
        "contraindication": "hip_replacement_posterior",
        "staff_action": "Posterior approach: follow the surgeon's hip precautions; no deep hip bending or "
        "turning the leg inwards.",
        "patient_message": REVIEW,
    },
    {
        "key": "hip_replacement_anterior",
        "question_key": "hip_replacement_approach",
        "condition": "in",
        "values": "front",
        "requires_yes": "hip_replacement",
        "severity": "relative",
        "contraindication": "hip_replacement_anterior",
        "staff_action": "Anterior approach: follow the surgeon's hip precautions; no taking the leg far "
        "behind the body.",
        "patient_message": REVIEW,
    },
    {
        "key": "hip_replacement_unknown",
        "question_key": "hip_replacement_approach",
        "condition": "in",
        "values": "unknown",
        "requires_yes": "hip_replacement",
        "severity": "relative",
        "contraindication": "hip_replacement",
        "staff_action": "Approach unknown: avoid every position risky after either approach until the "
        "surgeon's precautions are known.",
        "patient_message": REVIEW,
    },
    {
        "key": "knee",
        "question_key": "knee",
        "condition": "yes",
        "severity": "relative",
        "contraindication": "knee",
        "staff_action": "Offer standing or lying alternatives to kneeling.",
        "patient_message": REVIEW,
    },
    {
        "key": "herniated_disc",
        "question_key": "herniated_disc",
        "condition": "yes",
        "severity": "relative",
        "contraindication": "herniated_disc",
        "staff_action": "Therapist review before the session.",
        "patient_message": REVIEW,
    },
    {
        "key": "spinal_instability",
        "question_key": "spinal_instability",
        "condition": "yes",
        "severity": "relative",
        "contraindication": "spinal_instability",
        "staff_action": "Therapist review; a doctor's clearance if in doubt.",
        "patient_message": REVIEW,
    },
    {
        "key": "spinal_instability_severe",
        "question_key": "spinal_instability_severe",
        "condition": "yes",
        "requires_yes": "spinal_instability",
        "severity": "absolute",
        "contraindication": "spinal_instability",
        "staff_action": "Severe spinal instability: a doctor's clearance before treatment.",
        "patient_message": HOLD,
    },
    {
        "key": "acute_back_pain",
        "question_key": "pain_onset_date",
        "condition": "within_days",
        "threshold": 42,
        "severity": "relative",
        "contraindication": "acute_back_pain",
        "staff_action": "Pain began in the last 6 weeks: gentle work only; no heat on the acute area.",
        "patient_message": REVIEW,
    },
    {
        "key": "acute_back_pain_severe",
        "question_key": "pain_now",
        "condition": "gte",
        "threshold": 8,
        "severity": "relative",
        "contraindication": "acute_back_pain",
        "staff_action": "Pain of 8/10 or more today: gentle work only; no heat on the acute area.",
        "patient_message": REVIEW,
    },
    {
        "key": "reduced_sensation",
        "question_key": "reduced_sensation",
        "condition": "yes",
        "severity": "relative",
        "contraindication": "reduced_sensation",
        "staff_action": "No heat on areas with reduced feeling or poor circulation.",
        "patient_message": REVIEW,
    },
    {
        "key": "skin",
        "question_key": "skin",
        "condition": "yes",
        "severity": "relative",
        "contraindication": "skin",
        "staff_action": "Keep off the affected skin.",
        "patient_message": REVIEW,
    },
    {
        "key": "heart_bp",
        "question_key": "heart_bp",
        "condition": "yes",
        "severity": "relative",
        "contraindication": "heart_bp",
        "staff_action": "Therapist review; a doctor's clearance if in doubt.",
        "patient_message": REVIEW,
    },
    {
        "key": "heart_bp_uncontrolled",
        "question_key": "heart_bp_uncontrolled",
        "condition": "yes",
        "requires_yes": "heart_bp",
        "severity": "absolute",
        "contraindication": "heart_bp",
        "staff_action": "Uncontrolled heart condition or blood pressure: a doctor's clearance before "
        "treatment.",
        "patient_message": HOLD,
    },
    {
        "key": "unwell_today",
        "question_key": "unwell_today",
        "condition": "yes",
        "per_visit": True,
        "severity": "absolute",
        "contraindication": "unwell_today",
        "staff_action": "Reschedule this visit.",
        "patient_message": "Please do not come in while you are unwell. We will help you move your "
        "appointment to another day.",
    },
    {
        "key": "iud_menstruation",
        "question_key": "iud_menstruation",
        "condition": "yes",
        "severity": "info",
        "contraindication": "iud_menstruation",
        "staff_action": "The therapist may lighten lower-abdominal work.",
        "patient_message": NOTED,
    },
    {
        "key": "areas_to_avoid",
        "question_key": "areas_to_avoid",
        "condition": "not_empty",
        "severity": "info",
        "contraindication": "areas_to_avoid",
        "staff_action": "Leave the named areas alone; get written consent before working near sensitive "
        "areas.",
        "patient_message": NOTED,
    },
]

# The shape of a rule in a rule-set snapshot; intake.selectors.rule_set_snapshot writes the same.
SNAPSHOT_FIELDS = (
    "key",
    "question_key",
    "question",
    "answer_type",
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


def snapshot(ScreeningRule):
    rules = ScreeningRule.objects.select_related("contraindication").prefetch_related(
        "contraindication__rules_out"
    )
    rows = []
    for rule in rules.order_by("position", "key"):
        codes = sorted(t.code for t in rule.contraindication.rules_out.all()) if rule.contraindication else []
        rows.append(
            {
                **{field: getattr(rule, field) for field in SNAPSHOT_FIELDS},
                "contraindication": rule.contraindication.key if rule.contraindication else None,
                "techniques": codes,
            }
        )
    return rows


def load_rules(apps, schema_editor):
    ScreeningRule = apps.get_model("intake", "ScreeningRule")
    RuleSet = apps.get_model("intake", "RuleSet")
    Contraindication = apps.get_model("techniques", "Contraindication")

    contraindications = {c.key: c for c in Contraindication.objects.all()}
    for position, data in enumerate(RULES, start=1):
        data = dict(data)
        contraindication_key = data.pop("contraindication")
        data.setdefault("answer_type", ANSWER_TYPE_BY_CONDITION.get(data["condition"], "yes_no"))
        ScreeningRule.objects.create(
            question=QUESTIONS[data["question_key"]],
            contraindication=contraindications[contraindication_key] if contraindication_key else None,
            position=position * 10,
            **data,
        )

    RuleSet.objects.create(
        version=1, note="Starting rule set from SCREENING.md.", snapshot=snapshot(ScreeningRule)
    )


def unload_rules(apps, schema_editor):
    ScreeningRule = apps.get_model("intake", "ScreeningRule")
    RuleSet = apps.get_model("intake", "RuleSet")
    RuleSet.objects.filter(version=1).delete()
    ScreeningRule.objects.filter(key__in=[data["key"] for data in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0001_initial"),
        ("techniques", "0002_seed_catalogue"),
    ]

    operations = [migrations.RunPython(load_rules, unload_rules)]
