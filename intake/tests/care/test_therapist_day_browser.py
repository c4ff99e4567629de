"""Marking a visit from the therapist's day in a real browser: htmx swaps the row in place (no page
load), the row says what was recorded, and the page passes the page checks (axe, vnu, 375 px)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from bookings.models import Appointment, Status
from bookings.selectors import clinic_zone
from bookings.tests.factories import AppointmentFactory, ServiceFactory, bookable_therapist
from clinic.tests.browser import check_page
from clinic.tests.factories import PASSWORD, UserFactory, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_therapist_marks_visits_without_leaving_the_day(browser_page):
    page = browser_page
    service = ServiceFactory(slug="psoas-60")
    therapist = bookable_therapist(service, display_name="Priya Shah")
    # Yesterday's visits at 10:00 and 11:00 (created ahead, then moved into the past: they happened).
    day = timezone.now().astimezone(clinic_zone()).date() - timedelta(days=1)
    visits = []
    for hour, name in ((10, "Ada"), (11, "Ben")):
        start = datetime.combine(day, time(hour), tzinfo=clinic_zone())
        visit = AppointmentFactory(
            patient=UserFactory(first_name=name, last_name="Lane"),
            therapist=therapist,
            service=service,
            start=timezone.now() + timedelta(days=1, hours=hour),
        )
        Appointment.objects.filter(pk=visit.pk).update(
            start=start, end=start + timedelta(hours=1), blocks_until=start + timedelta(hours=1)
        )
        visits.append(visit)

    page.goto("/accounts/login/")
    page.fill("input[name=login]", therapist.user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.fill("input[name=code]", totp_code())
    page.click("main button[type=submit]")
    page.wait_for_load_state("load")
    page.goto(f"/staff/my-day/?date={day:%Y-%m-%d}")
    page.evaluate("window.notReloaded = true")

    completed, missed = visits
    page.click(f"tr[data-appointment='{completed.pk}'] button:has-text('Completed')")
    page.wait_for_selector(f"tr[data-appointment='{completed.pk}'] [data-row-notice]")
    page.click(f"tr[data-appointment='{missed.pk}'] button:has-text('No-show')")
    page.wait_for_selector(f"tr[data-appointment='{missed.pk}'] [data-row-notice]")
    assert page.evaluate("window.notReloaded") is True  # both rows swapped, the page stayed
    assert "is marked completed" in page.inner_text(f"tr[data-appointment='{completed.pk}']")
    assert "is marked no-show" in page.inner_text(f"tr[data-appointment='{missed.pk}']")
    assert [Appointment.objects.get(pk=v.pk).status for v in visits] == [Status.COMPLETED, Status.NO_SHOW]
    check_page(page, "therapist-day-marked")
