"""The account page in a real browser, on a phone and a desktop: every browser the person is logged in
with, and "log out on other devices" ending the phone's session once the password is typed again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from .browser import check_page
from .factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def test_the_account_page_lists_browsers_fits_a_phone_and_logs_out_the_others(browser_page, tmp_path):
    page = browser_page
    shots = Path(os.environ.get("SHOTS_DIR", tmp_path))
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    user = UserFactory(email="sam@example.org", first_name="Sam", last_name="Taylor")
    phone = Client(HTTP_USER_AGENT=IPHONE)
    assert (
        phone.post(reverse("account_login"), {"login": user.email, "password": PASSWORD}).status_code == 302
    )

    page.goto("/accounts/login/")
    check_page(page)
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto("/my/account/")
    check_page(page)
    assert page.locator("#sessions li").count() == 2
    assert page.locator("#sessions li[data-session=current]").inner_text().startswith("Chrome on Linux")
    assert "Safari on iPhone" in page.locator("#sessions li[data-session=other]").inner_text()

    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(shots / f"account-{width}.png"), full_page=True)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow == 0, f"the page is {overflow} px wider than a {width} px screen"

    page.set_viewport_size({"width": 375, "height": 900})
    page.fill("#log-out-form input[name=password]", "not-my-password")
    page.click("#log-out-elsewhere")
    assert "That is not your password." in page.locator("#log-out-errors").inner_text()
    page.screenshot(path=str(shots / "account-wrong-password-375.png"), full_page=True)
    check_page(page)
    assert phone.get(reverse("bookings:appointment-list")).status_code == 200  # nothing ended
    # The page with the message is the 400 answer to the form, which Chromium reports as a failed load.
    assert problems == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    problems.clear()

    page.fill("#log-out-form input[name=password]", PASSWORD)
    page.click("#log-out-elsewhere")
    assert "You are still logged in here" in page.locator(".messages").inner_text()
    assert page.locator("#sessions li").count() == 1
    page.screenshot(path=str(shots / "account-after-log-out-elsewhere-375.png"), full_page=True)
    check_page(page)
    assert phone.get(reverse("bookings:appointment-list")).status_code == 302  # the phone is logged out

    page.fill("#log-out-form input[name=password]", PASSWORD)
    page.click("#log-out-everywhere")
    assert page.url.endswith("/accounts/login/")  # allauth's login page
    assert "You are logged out everywhere" in page.locator(".messages").inner_text()
    page.screenshot(path=str(shots / "login-after-log-out-everywhere-375.png"), full_page=True)
    check_page(page)
    assert problems == []
