"""The first versions of the clinic's policy pages, for a clinic admin to adapt in the admin. The
numbers that bind (the cancellation window, the hold, how long records are kept) are not written here:
the pages show them from the clinic policy, so they never disagree with what the app does."""

from django.db import migrations

PAGES = [
    (
        "cancellation",
        "Cancellation and changes",
        "How to cancel or move a booking, and what happens when plans change on our side.",
        """We keep each session's time for you alone, so please tell us as early as you can if you cannot come.

## Cancelling or moving online
- Open My appointments, choose the visit and pick Cancel or Move.
- You get an email straight away, with an updated calendar file.
- Moving a visit keeps your current time booked until the new time is confirmed.

## When it is too late to change online
Once a visit is closer than the online limit shown above, please phone us instead. We would rather hear from you than keep an empty room waiting, and we will always try to find you another time.

## Held times and health questions
When you pick a time we hold it for a short while so you can answer the health questions. If the questions are not finished in time, the hold lapses and the time goes back on the list. Nothing is charged for a lapsed hold.

## When we have to change a visit
If your therapist is ill or the clinic has to close, we cancel or move the visit for you and email you at once, with the clinic's number so you can choose a new time. If a health answer means a therapist needs to look at your case first, we tell you by email what happens next.""",
    ),
    (
        "privacy",
        "Privacy",
        "What we keep about you, why, who can read it and how long we keep it.",
        """We hold health information, so we keep as little as we need and show it only to the people caring for you.

## What we keep
- Your account: name, email address, phone number if you give it, and your password (stored only in a scrambled form we cannot read back).
- Your bookings: which session, when, with whom, and any changes.
- Your health form and the short check-ins before visits, the result of the safety screening, and any notes or decisions your therapist records.
- Home-care plans your therapist gives you.

## Why we keep it
To book and run your visits, and to make sure a treatment is safe for you before it starts. We do not sell your information or use it for advertising.

## Who can read it
- You: every record is on your My data page, and you can download a copy.
- Your therapist, for the visits you book with them.
- Front desk staff see your bookings and whether a health review is needed, but not your answers.
- Every time a member of staff opens your health record it is logged, and you can see those reads on the Who saw my record page.

## How long we keep it
Clinical records are kept for the period shown at the top of this page, counted from your last visit, as the rules for health records require. If you close your account, your name and contact details are removed at once and the clinical record is kept without them until that period ends.

## Your rights
You can see and download your data and close your account at any time from your account pages, and ask us to correct anything that is wrong. For anything else, write to us or phone us: the contact page has our details.""",
    ),
    (
        "accessibility",
        "Accessibility",
        "How we make this website and the clinic usable for everyone, and how to tell us when something is in your way.",
        """We want everyone to be able to book and prepare for a visit without help, on any device.

## This website
- It aims to meet the Web Content Accessibility Guidelines (WCAG) 2.1 at level AA.
- Pages are built to work with a keyboard alone and with screen readers, and to stay usable when zoomed to 200%.
- Pages fit a phone's screen without scrolling sideways; tables turn into cards on small screens.
- Colours are chosen for strong contrast, and nothing is shown by colour alone.
- We check the booking and health-form pages with automated accessibility tools and by hand.

## The clinic
The contact page explains how to reach us, including step-free access. Tell us before your visit if you need more time, a different treatment position, or someone with you, and we will plan for it.

## Something not working for you?
Please tell us what you were trying to do and on which page, by email or phone (see the contact page). We aim to reply within five working days, and we can always book you by phone in the meantime.""",
    ),
]


def forwards(apps, schema_editor):
    PolicyPage = apps.get_model("clinic", "PolicyPage")
    for slug, title, summary, body in PAGES:
        PolicyPage.objects.get_or_create(slug=slug, defaults={"title": title, "summary": summary, "body": body})


def backwards(apps, schema_editor):
    PolicyPage = apps.get_model("clinic", "PolicyPage")
    PolicyPage.objects.filter(slug__in=[slug for slug, *_ in PAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("clinic", "0021_policy_page")]

    operations = [migrations.RunPython(forwards, backwards)]
