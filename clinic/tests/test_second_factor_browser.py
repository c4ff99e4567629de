"""A new staff member's first sign-in in a real browser: password, sent to set up an authenticator
app, scan-or-type the key, the recovery codes, back to the page they wanted; then a later sign-in with
the app's code. At a phone's width and a desk's."""

import pytest

from clinic.tests.browser import check_page
from clinic.tests.factories import PASSWORD, front_desk_user, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def next_code(secret: str, used: set[str]) -> str:
    """A code the app shows now or next (each works once, so not one this test already typed)."""
    code = next(c for c in (totp_code(secret), totp_code(secret, step=1)) if c not in used)
    used.add(code)
    return code


@pytest.mark.parametrize("width", [375, 1280])
def test_a_new_staff_member_sets_up_two_step_sign_in_then_signs_in_with_a_code(browser_page, width):
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    front_desk_user(email="desk@example.org", second_factor=False)

    page.goto("/staff/appointments/")
    check_page(page)
    page.fill("input[name=login]", "desk@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    assert page.url.endswith("/accounts/2fa/totp/activate/")
    check_page(page)
    assert page.locator("h1").inner_text() == "Set up two-step sign-in"
    assert page.locator("img.totp-qr").evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    secret = page.locator("#totp-secret").inner_text().strip()

    used: set[str] = set()
    page.fill("input[name=code]", next_code(secret, used))
    page.click("#totp-activate button[type=submit]")
    assert page.url.endswith("/accounts/2fa/recovery-codes/")
    assert page.locator("#recovery-codes li").count() == 10
    check_page(page)
    page.click("#mfa-continue")
    assert page.url.endswith("/staff/appointments/")
    assert page.locator("h1").count() == 1
    check_page(page)

    page.context.clear_cookies()  # a new browser session
    page.goto("/staff/appointments/")
    page.fill("input[name=login]", "desk@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    assert page.url.endswith("/accounts/2fa/authenticate/")
    assert page.locator("input[name=code]").get_attribute("autocomplete") == "one-time-code"
    check_page(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.fill("input[name=code]", next_code(secret, used))
    page.click("#mfa-authenticate button[type=submit] >> nth=0")
    assert page.url.endswith("/staff/appointments/")
    assert problems == []
