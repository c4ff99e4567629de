"""Load the starting technique catalogue and the contraindications from SCREENING.md.

The content lives here, not in app code, so that this migration keeps working after the models or
their helpers change. Clinic admins edit it afterwards in the Django admin.
"""

from django.db import migrations

STOP_AND_SEE = "Stop if it hurts, and see a professional if your symptoms persist."

TECHNIQUES = [
    {
        "code": "MAN",
        "slug": "manual-psoas-release",
        "name": "Manual psoas release",
        "kind": "manual_therapy",
        "position": 10,
        "summary": (
            "Your therapist works slowly through the belly to reach the psoas, the deep muscle that joins "
            "your lower spine to your thigh bone, and holds steady pressure until it lets go. It can ease a "
            "stiff lower back, tight hips and a posture pulled forward by long hours of sitting."
        ),
        "hold_seconds": None,
        "repetitions": None,
        "feel": (
            "Deep tenderness under the pressure is common, and it may spread towards your hip or groin. "
            "Afterwards many people find their lower back and hips feel loose and warm, and their breathing "
            "gets deeper. Some soreness for a day is normal and soon fades."
        ),
        "precautions": (
            "Tell your therapist at once if the pressure feels sharp, if you feel a strong pulse under their "
            "hand, or if you feel dizzy or sick: they will stop. You can ask to stop at any time. Only a "
            "trained therapist does this, in the clinic; please do not try deep belly pressure at home or on "
            "a friend. " + STOP_AND_SEE
        ),
        "equipment": "A treatment table and a bolster, provided by the clinic.",
        "steps": [
            "You rest face up on the treatment table with a bolster under your knees, so your hips and "
            "knees are a little bent and your belly muscles can soften.",
            "Your therapist places their fingertips a little to one side of your navel and sinks in slowly, "
            "giving your belly time to relax around them. They keep clear of the large artery in the middle.",
            "To check they have found the right muscle, they ask you to lift your knee a little: you will "
            "feel the psoas tighten under their fingers.",
            "They keep a gentle, steady pressure, from half a minute up to a few minutes, while you breathe "
            "slowly and deeply into your belly.",
            "Once the muscle softens they ease off slowly and let you rest, then work on the other side if "
            "it needs it.",
        ],
    },
    {
        "code": "PNS",
        "slug": "pin-and-stretch",
        "name": "Pin-and-stretch",
        "kind": "manual_therapy",
        "position": 20,
        "summary": (
            "Your therapist keeps a steady pin on the psoas while you move your leg, so the muscle lengthens "
            "under their hand. Pressure and your own movement together help the muscle get back to its "
            "natural resting length."
        ),
        "hold_seconds": None,
        "repetitions": 5,
        "feel": (
            "A deep stretch along the front of the hip as your heel slides away, often with tenderness under "
            "the pin. The hip usually moves more freely afterwards."
        ),
        "precautions": (
            "Move slowly and only as far as is comfortable. Tell your therapist if you feel sharp pain, "
            "tingling down the leg or a pulsing under their hand. Only a trained therapist does this, in the "
            "clinic. " + STOP_AND_SEE
        ),
        "equipment": "A treatment table, provided by the clinic.",
        "steps": [
            "You rest face up, knees bent, head on a pillow.",
            "Your therapist finds the psoas beside your navel, as in the manual release, and holds a gentle, "
            "steady pin on it.",
            "With the pin in place, you slowly slide one heel down the table until the leg is straight, then "
            "draw it back up. That is one heel slide.",
            "You do about five heel slides. Your therapist may also ask you to raise and lower one arm "
            "slowly above your head.",
            "Your therapist moves the pin a little and repeats, then changes to the other side.",
        ],
    },
    {
        "code": "SUP",
        "slug": "supine-psoas-release",
        "name": "Supine psoas release",
        "kind": "stretch",
        "position": 10,
        "summary": (
            "A gentle release done face up, with a rolled towel lifting your pelvis slightly so the front of "
            "the hip can open. A good place to start if kneeling or lunging is uncomfortable."
        ),
        "hold_seconds": 30,
        "repetitions": 2,
        "feel": (
            "A mild, spreading stretch across the front of the hip of the lowered leg, with your lower back "
            "feeling supported rather than arched."
        ),
        "precautions": (
            "The towel should lift you only slightly: if your lower back pinches, use a thinner roll or none. "
            "From 20 weeks of pregnancy, do not lie flat on your back; ask your therapist for a side-lying "
            "stretch instead. " + STOP_AND_SEE
        ),
        "equipment": "A mat or carpet; a rolled-up towel or a small cushion.",
        "steps": [
            "Lie face up on a mat or carpet. Bend both knees and set your feet on the floor, hip-width apart.",
            "Lift your hips for a moment and slide a rolled-up towel or a small cushion under the flat bone at "
            "the base of your spine (the sacrum), then settle back onto it.",
            "Let one leg slowly lengthen towards the floor, allowing the knee to roll a little outwards. The "
            "other knee stays bent.",
            "Rest there and breathe slowly for 30 seconds, or up to a minute if it feels good.",
            "Bend the leg back up and repeat with the other leg. Do each side twice.",
        ],
    },
    {
        "code": "SIDE",
        "slug": "side-lying-psoas-stretch",
        "name": "Side-lying psoas stretch",
        "kind": "stretch",
        "position": 20,
        "summary": (
            "A stretch done lying on your side, which suits people who find kneeling or lying on their back "
            "awkward. It lengthens the psoas of the leg underneath."
        ),
        "hold_seconds": 30,
        "repetitions": 2,
        "feel": "A stretch along the front of the hip and the upper thigh of the leg underneath.",
        "precautions": (
            "Keep the movement small and slow, and do not force the top hip down. " + STOP_AND_SEE
        ),
        "equipment": "A mat or carpet; a cushion for your head.",
        "steps": [
            "Lie on one side with both legs long, and rest your head on your lower arm or a cushion.",
            "Bend your upper knee and bring that leg forward, so its foot rests on the floor in front of the "
            "leg underneath.",
            "Keeping the lower leg long, let your upper hip roll gently towards the floor until the front of "
            "the lower hip begins to stretch.",
            "Stay there for 30 seconds, or up to a minute, breathing slowly.",
            "Roll onto your other side and repeat. Do each side twice.",
        ],
    },
    {
        "code": "SEAT",
        "slug": "seated-psoas-stretch",
        "name": "Seated psoas stretch",
        "kind": "stretch",
        "position": 30,
        "summary": (
            "A stretch you can do on a chair at home or at work, handy as a break from long spells of sitting."
        ),
        "hold_seconds": 30,
        "repetitions": 2,
        "feel": "A light stretch through the hip and along the straight leg. It should never feel sharp.",
        "precautions": (
            "Use a steady chair without wheels. Tip forward only a little: there is no need to round your "
            "back or reach for your toes. " + STOP_AND_SEE
        ),
        "equipment": "A sturdy chair without wheels.",
        "steps": [
            "Sit near the front edge of a sturdy chair that will not slide, both feet on the floor.",
            "Stretch one leg out in front of you with the heel resting on the floor, and sit up tall.",
            "Keeping your back long, tip forward a little from the hips until you notice a gentle stretch.",
            "Stay there for 30 seconds, or up to a minute, breathing slowly.",
            "Bring the leg back and repeat with the other one. Do each side twice.",
        ],
    },
    {
        "code": "HK",
        "slug": "half-kneeling-psoas-stretch",
        "name": "Half-kneeling psoas stretch",
        "kind": "stretch",
        "position": 40,
        "summary": (
            "One of the most useful home stretches for the psoas: kneeling on one knee, you shift your hips "
            "forward to lengthen the front of the back hip."
        ),
        "hold_seconds": 30,
        "repetitions": 2,
        "feel": "A stretch at the front of the hip and the top of the thigh on the side you kneel on.",
        "precautions": (
            "Pad the kneeling knee. Move your hips forward only a short way; leaning back or arching your "
            "lower back strains the spine. " + STOP_AND_SEE
        ),
        "equipment": "A folded towel or cushion for your knee; a chair or wall for balance.",
        "steps": [
            "Kneel on one knee on a folded towel, with the other foot in front so that both knees make a "
            "right angle.",
            "Sit up tall and gently draw your tailbone down, so your lower back does not arch.",
            "Shift your hips slowly forward until you notice a stretch at the front of the hip of the "
            "kneeling leg.",
            "Stay there for 30 seconds, breathing calmly. Hold a chair or the wall if you need balance.",
            "Come back upright, change legs and repeat. Do each side twice.",
        ],
    },
    {
        "code": "LNG",
        "slug": "lunge-stretch",
        "name": "Lunge stretch",
        "kind": "stretch",
        "position": 50,
        "summary": (
            "A deeper cousin of the half-kneeling stretch: with the back knee further behind you, easing "
            "forward opens the groin and the front of the hip."
        ),
        "hold_seconds": 30,
        "repetitions": 2,
        "feel": "A strong but comfortable stretch in the groin and the front of the back hip.",
        "precautions": (
            "Keep your front knee above your ankle, not past your toes, and ease off if it aches. "
            + STOP_AND_SEE
        ),
        "equipment": "A mat, and a folded towel under the back knee.",
        "steps": [
            "Kneel on a padded surface, then step one foot well forward so the front knee sits over the "
            "ankle, and slide the back knee further behind you.",
            "Rest your hands on your front thigh, or on blocks beside your front foot.",
            "Let your weight move slowly forward and down until you notice a stretch in the groin of the "
            "back leg.",
            "Stay there for 30 seconds, breathing steadily.",
            "Return to kneeling, swap legs and repeat. Do each side twice.",
        ],
    },
    {
        "code": "SLL",
        "slug": "supine-leg-lift",
        "name": "Supine leg lift",
        "kind": "stretch",
        "position": 60,
        "summary": (
            "An exercise done face up: raising one straight leg works and lengthens the muscles that bend "
            "the hip."
        ),
        "hold_seconds": 30,
        "repetitions": 2,
        "feel": "Work in the front of the hip and thigh of the raised leg, and a mild pull behind the knee.",
        "precautions": (
            "Lower the leg slowly rather than letting it drop. If your lower back arches or aches, lift "
            "less high. From 20 weeks of pregnancy, do not lie flat on your back. " + STOP_AND_SEE
        ),
        "equipment": "A mat or carpet.",
        "steps": [
            "Lie face up on a mat. Bend one knee and set that foot on the floor; keep the other leg long.",
            "Gently tighten your belly muscles so your lower back stays still.",
            "Raise the long leg slowly, knee straight, only as high as is comfortable.",
            "Keep it there for up to 30 seconds. If that is too long, start with 10 and build up.",
            "Lower the leg slowly, then swap sides. Do each side twice.",
        ],
    },
    {
        "code": "BALL",
        "slug": "ball-release",
        "name": "Ball release",
        "kind": "self_massage",
        "position": 10,
        "summary": (
            "Self-massage with a tennis ball or small massage ball, using your own weight to press on tight "
            "spots at the front of the hip."
        ),
        "hold_seconds": 30,
        "repetitions": None,
        "feel": (
            "A tender, 'good' ache under the ball that fades as you breathe. It should never be sharp, "
            "burning or tingling."
        ),
        "precautions": (
            "Keep the ball off the middle of your belly and off any bony point. Use a softer ball, or press "
            "less, if you bruise easily. " + STOP_AND_SEE
        ),
        "equipment": "A tennis ball or small massage ball; a mat. A foam roller gives broader, gentler pressure.",
        "steps": [
            "Lie face up on a mat, knees bent, feet resting on the floor.",
            "Place the ball under the front of one hip, a little above the crease of the groin.",
            "Let your weight sink onto it slowly, then shift your hips in small circles to find a tender spot.",
            "Rest on that spot and breathe slowly for about 30 seconds, or until the tenderness eases.",
            "Find one or two more spots, then move the ball to the other side.",
        ],
    },
    {
        "code": "PIG",
        "slug": "pigeon-pose",
        "name": "Pigeon pose",
        "kind": "yoga",
        "position": 10,
        "summary": (
            "A yoga pose that opens the hips: one leg folds in front of you while the other reaches back, "
            "lengthening the front of the back hip."
        ),
        "hold_seconds": 30,
        "repetitions": 2,
        "feel": (
            "A deep stretch in the outer hip and buttock of the front leg, and across the front of the "
            "trailing hip."
        ),
        "precautions": (
            "Support the front hip with a blanket rather than forcing it down, and keep the front foot "
            "flexed to protect the knee. " + STOP_AND_SEE
        ),
        "equipment": "A yoga mat; a folded blanket or cushion.",
        "steps": [
            "Start on your hands and knees on a mat.",
            "Bring one knee forward behind the wrist on that side and let the shin rest on the mat, angled "
            "across your body.",
            "Slide the other leg straight back, top of the foot on the mat, and turn your hips to face "
            "forward. Put a folded blanket under the front hip if it does not reach the floor.",
            "Stay up on your hands, or lower onto your forearms, and breathe slowly for 30 seconds.",
            "Come back to hands and knees and repeat on the other side. Do each side twice.",
        ],
    },
    {
        "code": "COB",
        "slug": "cobra-pose",
        "name": "Cobra pose",
        "kind": "yoga",
        "position": 20,
        "summary": (
            "A gentle back-bend done face down, which stretches the front of the body, including the belly "
            "and the muscles that bend the hip."
        ),
        "hold_seconds": 15,
        "repetitions": 3,
        "feel": "A stretch across your belly and the front of your hips, with your back muscles working gently.",
        "precautions": (
            "Keep the lift low at first: a small cobra works the muscles without squeezing the lower back. "
            + STOP_AND_SEE
        ),
        "equipment": "A yoga mat.",
        "steps": [
            "Lie face down on a mat with your legs long and the tops of your feet on the floor.",
            "Put your hands flat under your shoulders, elbows tucked in by your sides.",
            "Press your hips and legs into the mat and slowly lift your head and chest, using your back "
            "muscles more than your arms.",
            "Lift only as high as feels comfortable, elbows still bent, and stay there for 15 seconds.",
            "Lower slowly and rest your cheek on your hands. Repeat three times.",
        ],
    },
    {
        "code": "CHD",
        "slug": "childs-pose",
        "name": "Child's pose",
        "kind": "yoga",
        "position": 30,
        "summary": (
            "A restful kneeling pose that gently stretches the lower back and lets the hips and breathing "
            "settle. A calm way to finish a stretching session."
        ),
        "hold_seconds": 60,
        "repetitions": None,
        "feel": "A soft stretch in the lower back and hips, and a sense of calm as your breathing slows.",
        "precautions": (
            "If your knees complain, put a folded blanket under them or a cushion behind them. Come up "
            "slowly if you feel light-headed. " + STOP_AND_SEE
        ),
        "equipment": "A yoga mat; a cushion or folded blanket.",
        "steps": [
            "Kneel on a mat with your big toes touching and your knees about hip-width apart.",
            "Sit back towards your heels, with a cushion between heels and bottom if they do not meet.",
            "Walk your hands forward and lower your chest towards the floor, forehead on the mat or a cushion.",
            "Let your arms rest, breathe slowly into your belly and lower back, and stay for about a minute.",
            "Walk your hands back and come up slowly.",
        ],
    },
    {
        "code": "HEAT",
        "slug": "heat-therapy",
        "name": "Heat therapy",
        "kind": "heat",
        "position": 10,
        "summary": (
            "Warmth on the lower back or the front of the hip relaxes tight muscles and helps blood flow, "
            "which makes it a good start before stretching."
        ),
        "hold_seconds": 600,
        "repetitions": None,
        "feel": (
            "A comfortable, soothing warmth and muscles that feel looser. Your skin may turn slightly pink; "
            "it should not go red and blotchy or blister."
        ),
        "precautions": (
            "Use heat for 10 to 15 minutes at a time, always through a towel, and never while you are asleep "
            "or lying on the heat source. Do not put heat on skin that is numb, broken or swollen, or on a "
            "new injury. Stop if it hurts or feels too hot, and see a professional if your symptoms persist."
        ),
        "equipment": "A heat pack, hot-water bottle or electric heating pad; a towel.",
        "steps": [
            "Warm a heat pack, hot-water bottle or heating pad as its instructions say: warm, never hot.",
            "Wrap it in a towel, or lay a towel over your skin first, so the heat never touches bare skin.",
            "Sit or lie comfortably, staying awake, with the heat on your lower back or the front of your hip.",
            "Leave it there for 10 to 15 minutes, checking your skin every few minutes.",
            "Take it away and let your skin cool, then stretch while the muscles are still warm. A warm "
            "shower works too.",
        ],
    },
]

ALL = "ALL"

# key, plain name, explanation, the technique codes it rules out (ALL: every technique).
CONTRAINDICATIONS = [
    (
        "saddle_numbness",
        "New numbness around the groin or bottom, or new bladder or bowel problems",
        "These can mean nerves at the base of the spine are being squeezed, which needs emergency care "
        "today. Do not do any technique: go to an emergency department or call emergency services.",
        ALL,
    ),
    (
        "progressive_weakness",
        "Leg weakness, numbness or trouble walking that is getting worse",
        "Symptoms that keep getting worse need a doctor's assessment before any treatment or exercise.",
        ALL,
    ),
    (
        "systemic",
        "Unexplained weight loss, fever, chills or night sweats",
        "Alongside back pain, these can point to an illness a doctor should check first. Please see your "
        "doctor before any treatment or exercise.",
        ALL,
    ),
    (
        "cancer_active",
        "Cancer treatment now, or chemotherapy in the last 72 hours",
        "Deep pressure and heat are not safe during cancer treatment unless your cancer specialist agrees.",
        ["MAN", "BALL", "HEAT"],
    ),
    (
        "night_pain",
        "Constant pain that rest does not ease, or pain that is worse at night",
        "Your therapist will look into this kind of pain and may suggest you see a doctor. On its own it "
        "does not rule out a technique.",
        [],
    ),
    (
        "recent_trauma",
        "Pain that started after a fall, accident or injury",
        "A recent injury can hide a broken bone. A doctor needs to rule that out before treatment or "
        "stretching.",
        ALL,
    ),
    (
        "aneurysm",
        "An aneurysm, especially in the belly",
        "An aneurysm is a weak, bulging artery. Pressing on the belly could harm it, so there is no belly "
        "pressure, and stretches only once your doctor agrees.",
        ["MAN", "BALL", "PNS", "SUP"],
    ),
    (
        "aneurysm_signs",
        "A pulsing lump in the belly, or sudden severe pain in the belly, back or groin",
        "These can be signs of a serious problem with the body's main artery. Call emergency services or "
        "go to an emergency department now.",
        ALL,
    ),
    (
        "aneurysm_risk",
        "Higher aneurysm risk: 65 or over, with smoking, family history of aneurysm, or heart disease",
        "Your therapist will decide whether deep work on the belly is safe for you.",
        ["MAN", "BALL"],
    ),
    (
        "pregnancy",
        "Pregnancy",
        "Deep pressure on the belly, lying face down with the back arched, and heat are avoided during "
        "pregnancy. Your therapist will have you lie on your side.",
        ["MAN", "BALL", "COB", "HEAT"],
    ),
    (
        "pregnancy_20_weeks",
        "Pregnancy of 20 weeks or more",
        "From about halfway through pregnancy, lying flat on your back can press on a large vein and make "
        "you feel faint, so these positions are avoided as well.",
        ["SUP", "SLL"],
    ),
    (
        "abdominal_surgery",
        "Surgery on the belly or pelvis, including a caesarean, keyhole surgery or a hernia repair",
        "Healing tissue must not be pressed or stretched hard. Your surgeon needs to agree before these "
        "techniques.",
        ["MAN", "BALL", "PNS", "COB", "CHD"],
    ),
    (
        "other_surgery",
        "Other surgery, or a hospital stay, in the last six months",
        "Your therapist will check the area and any limits your surgeon set. On its own it does not rule "
        "out a technique.",
        [],
    ),
    (
        "hernia",
        "A hernia or hernia mesh",
        "Pressing on a hernia can make it worse, so that area is left alone.",
        ["MAN", "BALL"],
    ),
    (
        "anticoagulants",
        "Blood thinners, a bleeding disorder or low platelets",
        "You bruise and bleed more easily, so deep pressure is avoided.",
        ["MAN", "BALL", "PNS"],
    ),
    (
        "blood_clot",
        "A blood clot now (such as DVT or PE), or a swollen, painful, warm leg",
        "Massage or exercise could move a clot. No treatment until a doctor confirms the clot has gone.",
        ALL,
    ),
    (
        "abdominal_condition",
        "Unexplained belly pain, or a flare of Crohn's disease, colitis, diverticulitis or an ulcer",
        "A sore or inflamed belly should not be pressed or folded; a doctor should check it first.",
        ["MAN", "BALL", "CHD"],
    ),
    (
        "kidney",
        "Kidney disease, kidney stones, a kidney transplant or dialysis",
        "The kidneys lie close to the psoas, so pressure near them is avoided.",
        ["MAN", "BALL"],
    ),
    (
        "osteoporosis",
        "Osteoporosis, a bone broken in a minor fall, or long-term steroid tablets",
        "Weaker bones need light pressure and no forceful stretching.",
        ["BALL", "MAN", "PIG", "COB"],
    ),
    (
        "hip_fracture",
        "A broken hip or pelvis, or hip surgery",
        "Deep hip bends, kneeling and leg lifts must wait until your surgeon says the hip has healed.",
        ["HK", "LNG", "PIG", "CHD", "PNS", "SLL"],
    ),
    (
        "hip_replacement",
        "A hip replacement (approach not known)",
        "Some positions can dislocate a new hip. Until your therapist knows how your surgeon reached the "
        "joint, every position that could be risky is avoided.",
        ["PIG", "CHD", "PNS", "HK", "LNG"],
    ),
    (
        "hip_replacement_posterior",
        "A hip replacement done from the back (posterior approach)",
        "After this kind of hip replacement, bending the hip deeply or turning the knee inwards can "
        "dislocate the joint.",
        ["PIG", "CHD", "PNS"],
    ),
    (
        "hip_replacement_anterior",
        "A hip replacement done from the front (anterior approach)",
        "After this kind of hip replacement, stretching the leg far behind you can strain the healing joint.",
        ["HK", "LNG"],
    ),
    (
        "knee",
        "A knee injury or knee surgery, or pain when kneeling",
        "These put weight on the knee or bend it fully. Your therapist will suggest standing or lying "
        "alternatives.",
        ["HK", "LNG", "PIG", "CHD"],
    ),
    (
        "herniated_disc",
        "A herniated (slipped) disc, or pain or tingling down a leg",
        "Arching the back, lifting a straight leg and deep pressure near the spine can irritate a disc or "
        "a nerve.",
        ["COB", "SLL", "MAN"],
    ),
    (
        "spinal_instability",
        "Spondylolisthesis, an unstable spine, a broken bone in the spine or a spinal fusion",
        "Back-bends and positions that pull on the lower spine can strain it, so your doctor needs to "
        "agree first.",
        ["COB", "HK", "LNG", "SLL", "PIG"],
    ),
    (
        "acute_back_pain",
        "Back pain that started in the last six weeks, or very strong back pain today",
        "A newly painful back needs gentle work only, and heat is not put on a fresh, painful area.",
        ["MAN", "COB", "PIG", "HEAT"],
    ),
    (
        "reduced_sensation",
        "Numb areas, nerve damage, diabetes that affects feeling, or poor circulation",
        "If you cannot feel heat properly, you could be burned without noticing.",
        ["HEAT"],
    ),
    (
        "skin",
        "Open wounds, burns, a rash or a skin infection on the belly, hips or back",
        "Pressure or heat on damaged skin can hurt it or spread an infection, so the area is avoided.",
        ["MAN", "BALL", "HEAT"],
    ),
    (
        "heart_bp",
        "A heart condition or high blood pressure",
        "Deep belly pressure and heat can change blood pressure and heart rate, so your doctor needs to "
        "agree first.",
        ["MAN", "HEAT"],
    ),
    (
        "unwell_today",
        "Unwell today (38 °C or more, cold, flu, infection), or alcohol or drugs in the last hours",
        "Treatment and exercise should wait until you are well. Please move your appointment to another day.",
        ALL,
    ),
    (
        "iud_menstruation",
        "An IUD (coil), or having your period on the day of your appointment",
        "Nothing is ruled out; your therapist may use lighter pressure low on the belly.",
        [],
    ),
    (
        "areas_to_avoid",
        "Parts of your body you want left alone",
        "Tell us about any area you do not want touched, and your therapist will leave it alone. We ask "
        "for your written consent before working near sensitive areas.",
        [],
    ),
]


def load_catalogue(apps, schema_editor):
    Technique = apps.get_model("techniques", "Technique")
    TechniqueStep = apps.get_model("techniques", "TechniqueStep")
    Contraindication = apps.get_model("techniques", "Contraindication")

    by_code = {}
    for data in TECHNIQUES:
        fields = {k: v for k, v in data.items() if k != "steps"}
        technique = Technique.objects.create(published=True, **fields)
        TechniqueStep.objects.bulk_create(
            TechniqueStep(technique=technique, number=number, text=text)
            for number, text in enumerate(data["steps"], start=1)
        )
        by_code[technique.code] = technique

    for key, name, explanation, codes in CONTRAINDICATIONS:
        contraindication = Contraindication.objects.create(key=key, name=name, explanation=explanation)
        ruled_out = by_code.values() if codes == ALL else [by_code[code] for code in codes]
        contraindication.rules_out.set(ruled_out)


def unload_catalogue(apps, schema_editor):
    Technique = apps.get_model("techniques", "Technique")
    Contraindication = apps.get_model("techniques", "Contraindication")
    Contraindication.objects.filter(key__in=[row[0] for row in CONTRAINDICATIONS]).delete()
    Technique.objects.filter(code__in=[data["code"] for data in TECHNIQUES]).delete()


class Migration(migrations.Migration):
    dependencies = [("techniques", "0001_initial")]

    operations = [migrations.RunPython(load_catalogue, unload_catalogue)]
