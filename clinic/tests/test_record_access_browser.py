"""'Who has seen your record' in a real browser: on a 375 px phone and a 1280 px screen the list fits
the width, names each reader and what they saw. Screenshots go to SCREENSHOT_DIR when it is set."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from clinic.audit.models import AccessEvent, AccessKind
from clinic.tests.browser import check_page
from clinic.tests.factories import PASSWORD, UserFactory, clinic_admin_user, front_desk_user, therapist_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

READS = [
    ("Priya Shah", "Therapist", AccessKind.INTAKE, ""),
    ("Priya Shah", "Therapist", AccessKind.CASE, "intake.screeningresult"),
    ("Dana Whitfield-Abernathy", "Front desk", AccessKind.APPOINTMENT, "bookings.appointment"),
    ("Alex Admin", "Clinic admin", AccessKind.ADMIN_VIEW, "intake.screeningresult"),
    ("", "Front desk", AccessKind.ALERT, "intake.staffalert"),
]


def test_who_has_seen_your_record_fits_a_phone_and_a_desktop(browser_page, tmp_path):
    page = browser_page
    sam = UserFactory(email="sam@example.org", first_name="Sam", last_name="Taylor")
    readers = {
        "Therapist": therapist_user(),
        "Front desk": front_desk_user(),
        "Clinic admin": clinic_admin_user(),
    }
    now = timezone.now()
    for i, (name, role, kind, object_type) in enumerate(READS):
        AccessEvent.objects.create(
            patient=sam,
            actor=readers[role],
            actor_name=name,
            actor_role=role,
            kind=kind,
            object_type=object_type,
            object_id="1",
            at=now - timedelta(hours=5 * i),
        )

    page.goto("/accounts/login/?next=/my/record-access/")
    page.fill("input[name=login]", "sam@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/my/record-access/")
    check_page(page)

    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        items = page.locator("#record-access li")
        assert items.count() == len(READS)
        assert "Priya Shah" in items.nth(0).inner_text()
        assert "Your health form" in items.nth(0).inner_text()
        assert "A member of staff" in items.nth(4).inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(folder / f"record-access-{width}.png"), full_page=True)
