"""Demo therapists, licences, weekly hours, services and closures for `seed_demo`."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

from django.utils import timezone

from clinic.demo import ensure_user
from clinic.models import Licence, LicenceType, Therapist
from clinic.roles import THERAPISTS
from clinic.tasks import schedule_licence_alert

from .models import Closure, Service, WeeklyHours

SERVICES = [
    # slug, name, minutes, buffer, price, licence codes, description
    (
        "first-consultation",
        "First consultation",
        45,
        15,
        "55.00",
        ["physical-therapist", "osteopath", "chiropractor"],
        "A first visit: we talk through your history and goals, check how your hips and back move, "
        "and agree a plan. Gentle hands-on work if there is time.",
    ),
    (
        "psoas-release-30",
        "Psoas Release Treatment, 30 minutes",
        30,
        10,
        "40.00",
        ["massage-therapist", "physical-therapist", "osteopath", "chiropractor"],
        "A short, focused session on the hip flexors, good as a follow-up visit.",
    ),
    (
        "psoas-release-60",
        "Psoas Release Treatment, 60 minutes",
        60,
        15,
        "70.00",
        ["massage-therapist", "physical-therapist", "osteopath", "chiropractor"],
        "Our standard session: massage, slow stretching and steady pressure around the hip, pelvis and "
        "lower back, with a few exercises to take home.",
    ),
    (
        "psoas-release-90",
        "Psoas Release Treatment, 90 minutes",
        90,
        15,
        "100.00",
        ["massage-therapist", "physical-therapist", "osteopath", "chiropractor"],
        "A longer session that also works the lower back, glutes and thighs around the psoas.",
    ),
]

# email, first, last, display name, bio, specialties, qualifications (one per line),
# [(licence code, number, body, days valid from today)],
# weekly windows [(weekdays, start, end)], services
THERAPISTS_DEMO = [
    (
        "therapist@clinic.example",
        "Priya",
        "Shah",
        "Priya Shah",
        "Priya has treated desk-bound backs and runners' hips for twelve years. A first visit starts with "
        "watching how you stand, walk and bend; then she works slowly, with steady pressure beside the "
        "navel to reach the psoas and small hip movements so the muscle lets go on its own.\n\n"
        "She says what she is about to do before she does it, and checks the pressure with you as she goes.",
        "Lower back pain, running injuries",
        "Master of Osteopathy (MOst)\nPostgraduate certificate in sports and exercise medicine\n"
        "Further training in abdominal and visceral techniques",
        [("osteopath", "OST-20417", "General Osteopathic Council", 700)],
        [((0, 1, 2, 3, 4), time(9, 0), time(12, 30)), ((0, 1, 2, 3, 4), time(13, 30), time(18, 0))],
        ["first-consultation", "psoas-release-30", "psoas-release-60", "psoas-release-90"],
    ),
    (
        "tom.okafor@clinic.example",
        "Tom",
        "Okafor",
        "Tom Okafor",
        "Tom's sessions are unhurried. He pairs deep, slow massage of the hips, glutes and lower back with "
        "calm breathing, because a psoas held tight by a stressful week often softens once the breath "
        "slows down.\n\nMany of his patients sit at a desk all day and come to him every few weeks.",
        "Deep tissue, stress-related tension",
        "Level 4 Certificate in Sports Massage Therapy\nDiploma in Holistic Massage",
        [("massage-therapist", "MT-88213", "Complementary Therapists Association", 30)],
        [((1, 2, 3, 4, 5), time(10, 0), time(16, 0))],
        ["psoas-release-30", "psoas-release-60", "psoas-release-90"],
    ),
    (
        "lena.kowalski@clinic.example",
        "Lena",
        "Kowalski",
        "Lena Kowalski",
        "Lena helps people get back to running, cycling and team sport after hip and pelvis problems. "
        "Alongside hands-on release she teaches a short home plan, such as half-kneeling and lunge "
        "stretches with core and glute work, so the progress lasts between visits.",
        "Sports rehabilitation, posture",
        "BSc (Hons) Physiotherapy\nMSc Sports Rehabilitation\nClinical Pilates instructor",
        [("physical-therapist", "PT-55102", "Health and Care Professions Council", 400)],
        [((0, 2, 4), time(8, 0), time(14, 0)), ((5,), time(9, 0), time(13, 0))],
        ["first-consultation", "psoas-release-60", "psoas-release-90"],
    ),
]

CLOSURES = [
    (date(2026, 12, 25), date(2026, 12, 26), "Christmas"),
    (date(2027, 1, 1), date(2027, 1, 1), "New Year's Day"),
]


def seed(out) -> None:
    codes = {lt.code: lt for lt in LicenceType.objects.all()}
    services = {}
    for slug, name, minutes, buffer, price, licence_codes, description in SERVICES:
        service, created = Service.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "duration_minutes": minutes,
                "buffer_minutes": buffer,
                "price": Decimal(price),
                "description": description,
            },
        )
        if created:
            service.licence_types.set([codes[c] for c in licence_codes])
        services[slug] = service
        out(f"{'created' if created else 'exists '}  Service        {name}")

    today = timezone.localdate()
    for (
        email,
        first,
        last,
        display,
        bio,
        specialties,
        qualifications,
        licences,
        windows,
        offered,
    ) in THERAPISTS_DEMO:
        user, _ = ensure_user(email, first, last, THERAPISTS)
        therapist, created = Therapist.objects.get_or_create(
            user=user,
            defaults={
                "display_name": display,
                "bio": bio,
                "specialties": specialties,
                "qualifications": qualifications,
            },
        )
        if not created and not therapist.qualifications:  # seeded before profiles had them
            Therapist.objects.filter(pk=therapist.pk).update(bio=bio, qualifications=qualifications)
        if created:
            for code, number, body, valid_days in licences:
                Licence.objects.create(
                    therapist=therapist,
                    licence_type=codes[code],
                    number=number,
                    issuing_body=body,
                    expires_on=today + timedelta(days=valid_days),
                )
            for weekdays, start, end in windows:
                for weekday in weekdays:
                    WeeklyHours.objects.create(
                        therapist=therapist, weekday=weekday, start_time=start, end_time=end
                    )
            for slug in offered:
                services[slug].therapists.add(therapist)
        else:
            # A new licence schedules its expiry alert as it is saved; on a second run, these again (a
            # worker's queue may have been emptied since; an alert already sent is not sent twice).
            for licence in therapist.licences.all():
                schedule_licence_alert(licence)
        out(f"{'created' if created else 'exists '}  Therapist      {display} <{email}>")

    for first_day, last_day, reason in CLOSURES:
        Closure.objects.get_or_create(first_day=first_day, last_day=last_day, defaults={"reason": reason})
