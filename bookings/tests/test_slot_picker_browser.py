"""The slot picker in a real browser: htmx swaps only the picker (no page load, the address follows),
with JavaScript off the same links load whole pages; the pages pass the page checks (axe, vnu, no
sideways scrolling at 375 px), long text included."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import sync_playwright

from bookings.models import Status
from clinic.tests.browser import check_page
from clinic.tests.factories import PASSWORD, UserFactory
from conftest import CHROMIUM, CHROMIUM_ARGS

from .factories import AppointmentFactory, ServiceFactory, bookable_therapist

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def service():
    service = ServiceFactory(slug="psoas-60", name="Psoas Release 60")
    bookable_therapist(service, display_name="Priya Shah", start=time(9), end=time(19))
    bookable_therapist(service, display_name="Omar Reyes", start=time(9), end=time(12))
    return service


def test_changing_the_day_swaps_only_the_picker(browser_page, service):
    page = browser_page
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto("/book/psoas-60/")
    check_page(page, "picker-01-first-day")
    first = page.inner_text("#picker-day")
    page.evaluate("window.notReloaded = true")
    page.click("#next-available")
    page.wait_for_function("(first) => document.querySelector('#picker-day').innerText !== first", arg=first)
    assert page.evaluate("window.notReloaded") is True  # the picker was swapped, the page kept
    assert "date=" in page.url  # the address follows, so back and reload work
    check_page(page, "picker-02-next-day")
    page.select_option("#id_therapist", label="Omar Reyes")
    page.wait_for_function("() => document.querySelector('#picker-day').innerText.includes('Omar Reyes')")
    assert page.evaluate("window.notReloaded") is True
    assert problems == []


def test_without_javascript_the_links_load_whole_pages(live_server, service):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(base_url=live_server.url, java_script_enabled=False).new_page()
            page.goto("/book/psoas-60/")
            first = page.inner_text("#picker-day")
            page.click("#next-available")
            page.wait_for_load_state("load")
            assert page.inner_text("#picker-day") != first
            assert "date=" in page.url
        finally:
            browser.close()


def test_the_cancel_question_and_a_long_reason_fit_a_phone(browser_page, service):
    page = browser_page
    patient = UserFactory(email="sam@example.org")
    start = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=5)
    therapist = service.therapists.get(display_name="Priya Shah")
    upcoming = AppointmentFactory(patient=patient, therapist=therapist, service=service, start=start)
    cancelled = AppointmentFactory(
        patient=patient,
        therapist=therapist,
        service=service,
        start=start + timedelta(days=1),
        status=Status.CANCELLED,
        cancel_reason="Away-" * 60,  # one long word
    )
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "sam@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"/appointments/{upcoming.pk}/")
    check_page(page, "picker-cancel-01-appointment")
    page.click("text=Cancel this appointment")
    assert "Our cancellation policy" in page.content()
    check_page(page, "picker-cancel-02-question")
    page.goto(f"/appointments/{cancelled.pk}/")
    check_page(page, "picker-cancel-03-long-reason")
