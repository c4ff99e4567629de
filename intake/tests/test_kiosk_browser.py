"""The health form on the clinic tablet, in a real browser, every page checked (axe 0 violations, vnu 0
errors, no page wider than a 375 px screen): the front desk marks a patient without a health form
arrived, starts the form on the tablet and reads the code; the tablet (a browser nobody is signed in
on) takes the code, the patient answers a step, stops, and the tablet ends on "hand the tablet back".
(Sending the whole form from the tablet is tested without a browser, in questionnaire/test_kiosk.py.)"""

from __future__ import annotations

from datetime import time

import pytest
from django.utils import timezone

from bookings.selectors import clinic_zone
from bookings.tests.factories import AppointmentFactory, ServiceFactory, bookable_therapist
from clinic.tests.browser import check_page, sign_in_staff
from clinic.tests.factories import UserFactory, front_desk_user
from intake.models import Intake, KioskPass

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_desk_starts_the_health_form_on_the_tablet_and_the_patient_fills_it_in(browser_page, live_server):
    page = browser_page
    service = ServiceFactory(slug="psoas-60")
    therapist = bookable_therapist(service, display_name="Priya Shah", start=time(0), end=time(23, 59))
    sam = UserFactory(first_name="Sam", last_name="Taylor", email="sam@example.org")
    now = timezone.now().astimezone(clinic_zone())
    visit = AppointmentFactory(
        patient=sam, therapist=therapist, service=service, start=now.replace(second=0, microsecond=0)
    )
    desk = front_desk_user(email="desk@example.org", first_name="Dana", last_name="Desk")

    sign_in_staff(page, desk.email)
    page.goto(f"/staff/appointments/?date={now:%Y-%m-%d}")
    page.click(f"#appointment-{visit.pk} button:has-text('Arrived')")
    assert "Sam T.: health form missing" in page.inner_text("h1")
    check_page(page, "kiosk-01-offer")
    page.click("text=Start on the tablet")
    code = page.inner_text("#kiosk-code")
    check_page(page, "kiosk-02-code")

    tablet_context = page.context.browser.new_context(
        base_url=live_server.url, locale="en-GB", timezone_id="Europe/London"
    )
    try:
        tablet = tablet_context.new_page()
        tablet.goto("/kiosk/")
        check_page(tablet, "kiosk-03-enter")
        tablet.fill("#kiosk-code", code)
        tablet.click("main button[type=submit]")
        tablet.wait_for_load_state("load")
        assert tablet.locator("nav").count() == 0  # no menu: the form, and a way to stop
        assert "step 1 of 7" in tablet.inner_text("main")
        check_page(tablet, "kiosk-04-step")
        tablet.fill("#id_legal_name", "Sam Taylor")
        tablet.fill("#id_date_of_birth", "1985-04-12")
        tablet.fill("#id_phone", "+44 7700 900123")
        tablet.fill("#id_emergency_contact_name", "Alex Taylor")
        tablet.fill("#id_emergency_contact_phone", "+44 7700 900456")
        tablet.click("text=Save and continue")
        tablet.wait_for_load_state("load")
        assert "step 2 of 7" in tablet.inner_text("main")
        check_page(tablet, "kiosk-05-step-2")
        # The patient cannot finish now: stopping keeps what was saved and hands the tablet back.
        tablet.click("text=Stop and hand the tablet back")
        tablet.wait_for_load_state("load")
        assert "hand the tablet back" in tablet.inner_text("main")
        check_page(tablet, "kiosk-06-done")
        tablet.goto("/kiosk/form/")
        assert tablet.url.endswith("/kiosk/done/")  # the code opened one form, once
    finally:
        tablet_context.close()

    draft = Intake.objects.get(patient=sam)
    assert draft.status == Intake.Status.DRAFT and draft.answers["legal_name"] == "Sam Taylor"
    assert KioskPass.objects.get().finished_at is not None
