"""The staff workspace in a real browser, every page checked (axe 0 violations, vnu 0 errors, no page
wider than a 375 px screen). The front desk signs in with its code, lands on the dashboard, finds a
patient by date of birth, registers a new one (one invitation email), opens the day and the week,
marks a patient arrived and moves a visit by clicking a free time (one email). A therapist signs in,
lands on their day, opens a flagged case from it, decides, and marks a visit completed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from bookings.models import Appointment, Status
from bookings.selectors import clinic_zone
from bookings.tests.factories import AppointmentFactory, ServiceFactory, bookable_therapist
from clinic.outbox.models import OutboxMessage
from clinic.tests.browser import check_page, sign_in_staff
from clinic.tests.factories import UserFactory, front_desk_user
from intake.models import ReviewDecision

from .review_fixtures import flagged_booking

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def local_now():
    return timezone.now().astimezone(clinic_zone())


def test_the_front_desk_finds_registers_marks_arrived_and_moves(browser_page):
    page = browser_page
    service = ServiceFactory(slug="psoas-60")
    therapist = bookable_therapist(service, display_name="Priya Shah", start=time(0), end=time(23, 59))
    sam = UserFactory(
        first_name="Sam", last_name="Taylor", email="sam@example.org", date_of_birth=date(1979, 11, 23)
    )
    now = local_now()
    arriving = AppointmentFactory(
        patient=sam, therapist=therapist, service=service, start=now.replace(second=0, microsecond=0)
    )
    later = (now + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    moving = AppointmentFactory(
        patient=UserFactory(first_name="Ada", last_name="Lane"),
        therapist=therapist,
        service=service,
        start=later,
    )
    desk = front_desk_user(email="desk@example.org", first_name="Dana", last_name="Desk")

    sign_in_staff(page, desk.email)
    assert page.url.endswith("/staff/")
    check_page(page, "desk-01-dashboard")

    page.click("#staff-links >> text=Find or register a patient")
    page.fill("input[name=q]", "23/11/1979")
    page.click("#patient-search button[type=submit]")
    assert page.locator("#patient-results li").count() == 1
    assert "Sam Taylor" in page.locator("#patient-results").inner_text()
    check_page(page, "desk-02-search")

    page.click("#register-patient")
    page.fill("input[name=first_name]", "Robin")
    page.fill("input[name=last_name]", "Hart")
    page.fill("input[name=email]", "robin@example.org")
    page.fill("input[name=date_of_birth]", "02/03/1990")
    check_page(page, "desk-03-register")
    page.click("#patient-register button[type=submit]")
    assert "Robin Hart is registered" in page.content()
    check_page(page, "desk-04-registered")
    assert OutboxMessage.objects.filter(recipient="robin@example.org").count() == 1

    page.goto(f"/staff/appointments/?date={arriving.start.astimezone(clinic_zone()):%Y-%m-%d}")
    check_page(page, "desk-05-day")
    page.click(f"#appointment-{arriving.pk} button:has-text('Arrived')")
    # Sam has no health form yet: the desk is offered it on the clinic tablet, and can leave it.
    assert "Sam T.: health form missing" in page.content()
    check_page(page, "desk-05b-tablet-offer")
    page.click("text=Not now")
    assert page.locator(f"#appointment-{arriving.pk} [data-arrived]").count() == 1
    arriving.refresh_from_db()
    assert arriving.arrived_by == desk
    page.click("text=Week")
    check_page(page, "desk-06-week")

    page.goto(f"/staff/appointments/?date={later:%Y-%m-%d}")
    page.click(f"#appointment-{moving.pk} >> text=Move")
    assert "Move Ada L.'s visit" in page.content()
    check_page(page, "desk-07-move")
    page.click("#slots button:has-text('14:00')")
    moving.refresh_from_db()
    assert moving.start.astimezone(clinic_zone()).hour == 14 and moving.therapist == therapist
    assert (
        OutboxMessage.objects.filter(recipient=moving.patient.email, kind="appointment.changed").count() == 1
    )
    check_page(page, "desk-08-moved")


def test_a_therapist_lands_on_the_day_opens_a_flagged_case_decides_and_marks_a_visit(browser_page):
    page = browser_page
    service = ServiceFactory(slug="psoas-60")
    therapist = bookable_therapist(service, display_name="Priya Shah")
    now = local_now()
    case_day = (now + timedelta(days=2)).date()
    start = datetime.combine(case_day, time(10), tzinfo=clinic_zone())
    case = flagged_booking(
        patient=UserFactory(first_name="Sam", last_name="Taylor"),
        service=service,
        therapist=therapist,
        start=start,
    )
    done = AppointmentFactory(
        therapist=therapist, service=service, start=start - timedelta(days=3), status=Status.CONFIRMED
    )
    Appointment.objects.filter(pk=done.pk).update(
        start=timezone.now() - timedelta(hours=2),
        end=timezone.now() - timedelta(hours=1),
        blocks_until=timezone.now() - timedelta(hours=1),
    )

    sign_in_staff(page, therapist.user.email)
    assert page.url.endswith("/staff/my-day/")
    check_page(page, "therapist-01-my-day")

    page.goto(f"/staff/my-day/?date={case_day:%Y-%m-%d}")
    page.click(f"tr[data-appointment='{case.appointment_id}'] >> text=Case")
    check_page(page, "therapist-02-case")
    page.check("input[name=decision][value=cleared]")
    page.fill("textarea[name=note]", "Checked the answers; fine to go ahead.")
    page.click("#decide button[type=submit]")
    assert ReviewDecision.objects.filter(result=case).count() == 1
    check_page(page, "therapist-03-decided")

    done_day = Appointment.objects.get(pk=done.pk).start.astimezone(clinic_zone()).date()
    page.goto(f"/staff/my-day/?date={done_day:%Y-%m-%d}")
    page.evaluate("window.notReloaded = true")
    page.click(f"tr[data-appointment='{done.pk}'] button:has-text('Completed')")
    # htmx swaps the row in place: it says what was recorded, and the page stays.
    page.wait_for_selector(f"tr[data-appointment='{done.pk}'] [data-row-notice]")
    assert page.evaluate("window.notReloaded") is True
    assert "is marked completed" in page.inner_text(f"tr[data-appointment='{done.pk}']")
    assert Appointment.objects.get(pk=done.pk).status == Status.COMPLETED
    check_page(page, "therapist-04-marked")
