"""Issue 14 in a real browser: the clinic's public pages fit a 375 px phone with the menu behind a
button, and at 1280 px the menu is open; a time on a therapist's page leads to the booking page with
that therapist's photo and name. Each page passes the shared page checks (axe-core WCAG 2.1 A/AA, no
sideways scrolling at 375 px, the Nu Html Checker) and is saved as a screenshot at both widths."""

from __future__ import annotations

import pytest

from clinic.models import ClinicProfile, PolicyPage
from clinic.tests.browser import check_page

from .factories import ServiceFactory, bookable_therapist

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PAGES = ["/", "/therapists/", "/services/", "/contact/", "/policies/cancellation/"]


def test_the_public_pages_fit_a_phone_and_lead_into_booking(browser_page):
    page = browser_page
    ClinicProfile(
        name="Riverside Manual Therapy",
        address="14 Riverside Walk\nLondon\nSE1 9ZZ",
        phone="020 7946 0321",
        email="hello-with-a-rather-long-address@clinic.example",
        opening_hours="Monday to Friday 08:00 to 19:00",
        directions="Five minutes from the station.",
    ).save()
    assert PolicyPage.objects.filter(slug="cancellation").exists()
    service = ServiceFactory(name="Psoas Release Treatment, 60 minutes", slug="psoas-60")
    therapist = bookable_therapist(service, display_name="Priya Shah", bio="Twelve years with runners.")
    for path in [*PAGES, f"/therapists/{therapist.pk}/"]:
        page.goto(path)
        name = path.strip("/").replace("/", "-") or "home"
        check_page(page, f"public-{name}")  # axe at 375 and 1280 px, no sideways scroll, vnu later
        for width in (375, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            assert page.locator("#main-nav").is_visible() == (width >= 992), (path, width)

    page.set_viewport_size({"width": 375, "height": 900})
    page.goto("/")
    page.click(".navbar-toggler")
    page.locator("#main-nav [data-nav=contact]").click()
    page.wait_for_url("**/contact/")
    assert page.locator('#contact-details a[href="tel:02079460321"]').is_visible()

    page.goto(f"/therapists/{therapist.pk}/")
    page.locator("#next-times a.btn-outline-primary").first.click()
    page.wait_for_url("**/book/psoas-60/**")
    badge = page.locator(f'.therapist-badge[data-therapist="{therapist.pk}"]')
    assert badge.is_visible() and "Priya Shah" in badge.inner_text()
