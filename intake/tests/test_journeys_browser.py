"""Patient journeys in a real browser (issue 14's acceptance): a visitor picks a time, signs up, lands
back on it held and, with a clear form, is booked; a flagged one waits for review, an urgent one is sent
to medical care, a patient cancels. Every page they visit
passes `check_page` (axe WCAG 2.1 A/AA at 375 and 1280 px, no sideways scrolling at 375 px, vnu) and
is saved as `screenshots/<journey>-NN-<step>-<width>.png`. Journeys on a phone run at 375 px."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from bookings.models import Appointment, Status
from bookings.selectors import clinic_zone
from bookings.tests.factories import AppointmentFactory, ServiceFactory, bookable_therapist
from clinic.models import ClinicProfile
from clinic.tests.browser import DESKTOP, HEIGHT, PHONE, check_page
from clinic.tests.factories import PASSWORD, UserFactory
from intake.models import StaffAlert

from .questionnaire.browser_form import fill_health_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SLOT_TIME = re.compile(r"^\s*\d{2}:\d{2}")


@pytest.fixture
def clinic():
    """The clinic the journeys visit (its phone number in the footer): one session, one therapist."""
    ClinicProfile(
        name="Riverside Manual Therapy",
        address="12 Riverside Walk\nLondon SE1 9AA",
        phone="020 7946 0123",
        email="hello@riverside.example",
    ).save()
    service = ServiceFactory(slug="psoas-60", name="Psoas Release Treatment (60 minutes)")
    return bookable_therapist(service, display_name="Priya Shah")


@pytest.fixture
def sam(clinic):
    """A patient with an account."""
    return UserFactory(email="sam@example.org", first_name="Sam", last_name="Taylor")


def watch_console(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def log_in(page, journey: str, email: str = "sam@example.org") -> None:
    page.goto("/accounts/login/")
    check_page(page, f"{journey}-00-login")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("main button[type=submit]").first.click()


def book_first_free_time(page, journey: str) -> None:
    """From the list of sessions to the first free time, held: the form's first step."""
    page.goto("/book/")
    check_page(page, f"{journey}-01-sessions")
    page.locator('main a[href^="/book/psoas-60/"]').first.click()
    times = page.get_by_role("button", name=SLOT_TIME)
    for _ in range(7):  # until the slot page opens on the first free day, step through the days
        if times.count():
            break
        page.locator("nav[aria-label=Days] a").last.click()
    check_page(page, f"{journey}-02-times")
    with page.expect_navigation():
        times.first.click()


def sams_appointment() -> Appointment:
    return Appointment.objects.get(patient__email="sam@example.org")


def emails_to_sam() -> list[str]:
    return [m.subject for m in mail.outbox if m.to == ["sam@example.org"]]


def pick_first_free_time(page, journey: str) -> str:
    """From the list of sessions to the first free time, clicked; returns the time's label ("10:30")."""
    page.goto("/book/")
    check_page(page, f"{journey}-01-sessions")
    page.locator('main a[href^="/book/psoas-60/"]').first.click()
    times = page.get_by_role("button", name=SLOT_TIME)
    times.first.wait_for()  # the slot page opens on the first day with free times
    check_page(page, f"{journey}-02-times")
    label = times.first.inner_text().strip()
    with page.expect_navigation():
        times.first.click()
    return label


def test_a_visitor_on_a_phone_picks_a_time_signs_up_answers_the_form_and_is_confirmed(browser_page, clinic):
    page = browser_page
    page.set_viewport_size({"width": PHONE, "height": HEIGHT})
    problems = watch_console(page)

    picked = pick_first_free_time(page, "clear")
    # Not signed in: the login page says which time waits for them, and offers to sign up instead.
    assert f"hold {picked}" in page.locator("main").inner_text()
    assert not Appointment.objects.exists()
    check_page(page, "clear-03-login-with-the-pick")
    with page.expect_navigation():
        page.locator("main a[href^='/accounts/signup/']").first.click()
    check_page(page, "clear-04-sign-up")
    page.fill("input[name=first_name]", "Sam")
    page.fill("input[name=last_name]", "Taylor")
    page.fill("input[name=email]", "sam@example.org")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    with page.expect_navigation():
        page.locator("main button[type=submit]").first.click()
    page.wait_for_load_state("load")

    # Back on the same time, held for them: the health form's first step.
    appointment = sams_appointment()
    assert appointment.status == Status.HELD
    assert appointment.start.astimezone(clinic_zone()).strftime("%H:%M") == picked
    assert "We are holding this time" in page.locator("main").inner_text()
    fill_health_form(page, "clear", first_step=5)

    assert page.get_by_role("heading", name="You are booked").is_visible()
    check_page(page, "clear-20-confirmed")
    assert sams_appointment().status == Status.CONFIRMED
    assert any("confirmed" in subject for subject in emails_to_sam()), emails_to_sam()

    page.get_by_role("link", name="See your appointment").click()
    check_page(page, "clear-21-appointment")
    assert "Confirmed" in page.locator("#status").inner_text()
    assert problems == []


def test_a_flagged_patient_is_told_a_therapist_will_review_and_is_emailed(browser_page, sam):
    page = browser_page
    page.set_viewport_size({"width": DESKTOP, "height": HEIGHT})
    problems = watch_console(page)

    log_in(page, "flagged")
    book_first_free_time(page, "flagged")
    fill_health_form(page, "flagged", first_step=3, yes={"herniated_disc": True})

    assert page.get_by_role("heading", name=re.compile("a therapist will review your answers")).is_visible()
    check_page(page, "flagged-11-waiting-for-review")
    appointment = sams_appointment()
    assert appointment.status == Status.PENDING_REVIEW
    assert any("will review your health form" in subject for subject in emails_to_sam()), emails_to_sam()

    page.get_by_role("link", name=re.compile("^Follow the review")).click()
    check_page(page, "flagged-12-review-status")
    assert "Waiting for review" in page.locator("main").inner_text()
    assert problems == []


def test_an_urgent_patient_is_sent_to_medical_care_not_booked_and_staff_are_alerted(browser_page, sam):
    page = browser_page
    page.set_viewport_size({"width": PHONE, "height": HEIGHT})
    problems = watch_console(page)

    log_in(page, "urgent")
    book_first_free_time(page, "urgent")
    fill_health_form(page, "urgent", first_step=3, yes={"saddle_numbness": True})

    assert page.get_by_role("heading", name="Please get medical care today").is_visible()
    check_page(page, "urgent-11-get-medical-care-today")
    appointment = sams_appointment()
    assert appointment.status == Status.REFUSED
    assert StaffAlert.objects.filter(appointment=appointment).count() == 1
    assert not any("confirmed" in subject for subject in emails_to_sam())

    page.goto("/appointments/")
    check_page(page, "urgent-12-my-appointments")
    assert problems == []


# A slot's button: its name starts with the time ("11:30 · Priya Shah").
SLOT_BUTTON = r"el => el.tagName === 'BUTTON' && /^\s*\d{2}:\d{2}/.test(el.textContent)"
# ... or, on a day without free times, the link to the next day.
NEXT_DAY = r"el => el.tagName === 'A' && /→\s*$/.test(el.textContent)"
# Where the keyboard focus is, and whether it can be seen (an outline or Bootstrap's focus ring).
FOCUS = r"""() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const text = (el === document.body ? "" : el.textContent || el.name || "")
    .replace(/\s+/g, " ").trim().slice(0, 30);
  const label = `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${text}"`;
  return {
    label,
    visible: style.outlineStyle !== "none" || style.boxShadow !== "none",
    style: `outline ${style.outlineStyle}, box-shadow ${style.boxShadow}, ${el.matches(":focus")}`,
  };
}"""


def tab_to(page, predicate: str, limit: int = 60) -> None:
    """Press Tab until the focused element passes `predicate` (a JS function of the element); each
    stop must show where the focus is. Fails with the stops it passed."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS)
        stops.append(focus["label"])
        if focus["label"].startswith("body"):
            continue  # past the last stop, the browser's own controls have the focus
        if not focus["visible"]:  # a focus ring may fade in: give it a moment
            page.wait_for_timeout(300)
            focus = page.evaluate(FOCUS)
            assert focus["visible"], f"the focus on {focus['label']} cannot be seen: {focus['style']}"
        if page.evaluate(f"({predicate})(document.activeElement)"):
            return
    raise AssertionError("Tab never reached it; it went through: " + ", ".join(stops))


def test_a_patient_books_a_time_and_starts_the_form_with_the_keyboard_alone(browser_page, sam):
    page = browser_page
    page.set_viewport_size({"width": DESKTOP, "height": HEIGHT})
    problems = watch_console(page)

    page.goto("/accounts/login/?next=/book/")
    tab_to(page, "el => el.name === 'login'")
    page.keyboard.type("sam@example.org")
    tab_to(page, "el => el.name === 'password'")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    check_page(page, "keyboard-01-sessions")
    tab_to(page, "el => el.tagName === 'A' && el.getAttribute('href').startsWith('/book/psoas-60/')")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    check_page(page, "keyboard-02-times")
    for _ in range(7):  # a day without free times: on to the next day, by keyboard too
        times_shown = page.get_by_role("button", name=SLOT_TIME).count() > 0
        tab_to(page, SLOT_BUTTON if times_shown else NEXT_DAY)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        if times_shown:
            break

    assert sams_appointment().status == Status.HELD
    check_page(page, "keyboard-03-form-about-you")
    tab_to(page, "el => el.id === 'id_legal_name'")
    page.keyboard.type("Sam Taylor")
    assert page.input_value("#id_legal_name") == "Sam Taylor"
    assert problems == []


def test_a_patient_cancels_after_reading_the_policy_and_is_emailed_once(browser_page, sam, clinic):
    page = browser_page
    page.set_viewport_size({"width": PHONE, "height": HEIGHT})
    problems = watch_console(page)
    start = timezone.now().astimezone(clinic_zone()).replace(hour=10, minute=0, second=0, microsecond=0)
    booked = AppointmentFactory(
        patient=sam, therapist=clinic, service=clinic.services.get(), start=start + timedelta(days=5)
    )

    log_in(page, "cancel")
    page.goto("/appointments/")
    check_page(page, "cancel-01-my-appointments")
    with page.expect_navigation():
        page.locator(f'main a[href="/appointments/{booked.pk}/"]').first.click()
    check_page(page, "cancel-02-appointment")
    with page.expect_navigation():
        page.get_by_role("link", name="Cancel this appointment").click()
    # A question first, with the policy: nothing is cancelled yet.
    assert page.get_by_role("heading", name="Our cancellation policy").is_visible()
    check_page(page, "cancel-03-question")
    assert Appointment.objects.get(pk=booked.pk).status == Status.CONFIRMED
    page.fill("textarea[name=reason]", "I have to travel for work that week.")
    with page.expect_navigation():
        page.get_by_role("button", name="Yes, cancel this appointment").click()

    check_page(page, "cancel-04-cancelled")
    booked.refresh_from_db()
    assert booked.status == Status.CANCELLED
    assert "Cancelled" in page.locator("main").inner_text()
    assert [s for s in emails_to_sam() if s.startswith("Your appointment is cancelled")] == [
        "Your appointment is cancelled - Riverside Manual Therapy"
    ], emails_to_sam()
    assert problems == []
