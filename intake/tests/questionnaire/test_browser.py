"""A patient's whole journey in a real browser: log in, pick a slot, answer the health form (with its
follow-up questions appearing as they answer), and see the booking confirmed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.tests.factories import ServiceFactory, bookable_therapist
from clinic.tests.browser import check_page
from clinic.tests.factories import PASSWORD, UserFactory
from intake.questionnaire import questions as q

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_patient_books_and_answers_the_health_form_in_the_browser(browser_page):
    page = browser_page
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    service = ServiceFactory(slug="psoas-60", name="Psoas Release 60")
    bookable_therapist(service, display_name="Priya Shah")
    UserFactory(email="sam@example.org", first_name="Sam", last_name="Taylor")
    day = timezone.localdate() + timedelta(days=3)

    page.goto(f"/book/psoas-60/?date={day.isoformat()}")
    check_page(page)
    page.click("#slots button >> nth=0")  # anonymous: the pick is kept while we log in
    check_page(page)
    page.fill("input[name=login]", "sam@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/intake/**")  # back with the slot held, on to its health questions
    assert "We are holding this time" in page.content()

    # Step 1: about you.
    check_page(page)
    page.fill("#id_legal_name", "Sam Taylor")
    page.fill("#id_date_of_birth", "12/04/1985")  # typed the British way
    page.fill("#id_phone", "+44 7700 900123")
    page.fill("#id_emergency_contact_name", "Alex Taylor")
    page.fill("#id_emergency_contact_phone", "+44 7700 900456")
    page.click("text=Save and continue")
    # Step 2: the visit.
    check_page(page)
    page.fill("#id_main_complaint", "Stiff lower back.")
    page.fill("#id_pain_onset_date", "1 September 2025")
    page.check("input[name=onset_kind][value=gradual]")
    for field, score in (("pain_now", 3), ("pain_worst", 6), ("pain_best", 1)):  # the 0-10 scales
        page.click(f"label[for=id_{field}_{score}]")
        assert page.is_checked(f"#id_{field}_{score}")
    page.click("text=Save and continue")
    # Steps 3 and 4: health questions, all "no"; a follow-up appears only after a "yes".
    check_page(page)
    follow_up = page.locator("#div_id_injury_date")
    assert follow_up.is_hidden()
    page.check("input[name=injury][value=yes]")
    assert follow_up.is_visible()
    check_page(page)
    page.check("input[name=injury][value=no]")
    assert follow_up.is_hidden()
    for group in (q.RED_FLAGS, (*q.CONDITIONS, q.UNWELL_TODAY)):
        for question in group:
            if not question.parent:
                page.check(f"input[name={question.key}][value=no]")
        page.click("text=Save and continue")
        check_page(page)
    # Step 5: medicines; step 6: preferences; step 7: consent.
    for field in ("medications", "allergies", "implants"):
        page.fill(f"#id_{field}", "none")
    page.click("text=Save and continue")
    check_page(page)
    page.check("input[name=pressure][value=medium]")
    page.check("input[name=consent_abdominal][value=yes]")
    page.click("text=Save and continue")
    check_page(page)
    for box in ("accuracy", "informed_consent", "privacy"):
        page.check(f"#id_{box}")
    page.fill("#id_signature_name", "Sam Taylor")
    page.click("text=Save and check your answers")
    check_page(page)
    page.click("button:has-text('Send my health form')")
    page.wait_for_url("**/result/")
    assert "You are booked" in page.content()
    check_page(page)
    assert problems == []
