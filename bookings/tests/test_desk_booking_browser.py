"""The front desk books for a patient in a real browser, every page checked (axe 0 violations, vnu 0
errors, no page wider than a 375 px screen): it finds the patient, chooses the service, a therapist and
a day (htmx swaps only the picker), books a free time by clicking it, then moves it by clicking another.
The patient gets exactly one email for each."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from bookings.models import Appointment, Status
from bookings.selectors import clinic_zone
from clinic.outbox.models import OutboxMessage
from clinic.tests.browser import check_page, sign_in_staff
from clinic.tests.factories import UserFactory, front_desk_user

from .factories import ServiceFactory, bookable_therapist

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def show_day(page, day: date) -> None:
    """Type a day in the picker's date box: htmx swaps the picker for that day's times."""
    page.fill("#id_date", day.isoformat())
    page.dispatch_event("#id_date", "change")
    page.wait_for_function(
        "(text) => document.querySelector('#picker-day').innerText.startsWith(text)",
        arg=f"{day:%A} {day.day}",
    )


def emails(patient, kind: str) -> int:
    return OutboxMessage.objects.filter(recipient=patient.email, kind=kind).count()


def test_the_front_desk_finds_a_patient_books_a_time_by_clicking_it_and_moves_it(browser_page):
    page = browser_page
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    service = ServiceFactory(slug="psoas-60", name="Psoas Release 60")
    priya = bookable_therapist(service, display_name="Priya Shah", start=time(9), end=time(17))
    bookable_therapist(service, display_name="Omar Reyes", start=time(9), end=time(12))
    anna = UserFactory(
        first_name="Anna", last_name="Kowalska", email="anna.k@example.org", date_of_birth=date(1988, 5, 14)
    )
    desk = front_desk_user(email="desk@example.org", first_name="Dana", last_name="Desk")
    day = timezone.now().astimezone(clinic_zone()).date() + timedelta(days=3)

    sign_in_staff(page, desk.email)
    page.click("#staff-links >> text=Find or register a patient")
    page.fill("input[name=q]", "Kowalska")
    page.click("#patient-search button[type=submit]")
    assert page.locator("#patient-results li").count() == 1
    check_page(page, "desk-book-01-found")

    page.click("#patient-results a:has-text('Book')")
    assert "Book for Anna K." in page.inner_text("h1")
    check_page(page, "desk-book-02-patient")
    page.select_option("#id_service", label="Psoas Release 60")
    page.click("#book-choice button[type=submit]")
    page.wait_for_selector("#slot-picker")
    check_page(page, "desk-book-03-picker")

    page.evaluate("window.notReloaded = true")
    page.select_option("#id_therapist", label="Priya Shah")
    page.wait_for_function("() => document.querySelector('#picker-day').innerText.includes('Priya Shah')")
    show_day(page, day)
    assert page.evaluate("window.notReloaded") is True  # htmx swapped the picker, the page stayed
    assert "patient=anna.k%40example.org" in page.url  # the address keeps every choice
    check_page(page, "desk-book-04-day")

    page.click("#slots button:has-text('10:00')")
    page.wait_for_load_state("load")
    booked = Appointment.objects.get(patient=anna)
    assert (
        booked.start.astimezone(clinic_zone())
        .replace(tzinfo=None)
        .isoformat()
        .startswith(f"{day.isoformat()}T10:00")
    )
    assert (booked.therapist, booked.status, booked.booked_by) == (priya, Status.PENDING_REVIEW, desk)
    assert "Booked for Anna Kowalska" in page.content()
    check_page(page, "desk-book-05-booked")
    assert emails(anna, "appointment.booked_for_you") == 1

    page.click("text=Move to another time")
    assert "Move Anna K.'s visit" in page.inner_text("h1")
    # The move opens on the visit's day with its therapist.
    assert page.inner_text("#picker-day").startswith(f"{day:%A} {day.day}")
    assert "Priya Shah" in page.inner_text("#picker-day")
    check_page(page, "desk-book-06-move")
    page.click("#slots button:has-text('14:00')")
    page.wait_for_load_state("load")
    booked.refresh_from_db()
    assert booked.start.astimezone(clinic_zone()).hour == 14 and booked.therapist == priya
    check_page(page, "desk-book-07-moved")
    assert emails(anna, "appointment.changed") == 1
    assert emails(anna, "appointment.booked_for_you") == 1
    assert OutboxMessage.objects.filter(recipient=anna.email).count() == 2  # one for each, nothing else
    assert problems == []
