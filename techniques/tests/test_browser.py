"""The hold timer in a real browser, under the site's real Content-Security-Policy."""

import re

import pytest
from playwright.sync_api import expect

from clinic.tests.browser import check_page

pytestmark = [
    pytest.mark.browser,
    # Live-server tests empty the database afterwards; restore the migrated catalogue first.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def count_seconds(page) -> int:
    minutes, seconds = page.locator("[data-timer-count]").inner_text().split(":")
    return int(minutes) * 60 + int(seconds)


def test_self_care_timer_starts_counts_down_pauses_and_resets_without_console_errors(browser_page):
    page = browser_page
    problems: list[str] = []

    def on_console(message) -> None:
        # The layout has no favicon yet, so the browser's own /favicon.ico request is a 404.
        if message.type in ("error", "warning") and not message.location.get("url", "").endswith(
            "/favicon.ico"
        ):
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto("/techniques/")
    check_page(page, "techniques-01-list")
    page.goto("/techniques/seated-psoas-stretch/")
    check_page(page, "techniques-02-detail")
    timer = page.locator("[data-timer]")
    status = page.locator("[data-timer-status]")
    assert timer.is_visible()  # timer.js ran and unhid it: scripts were allowed by the CSP
    assert page.locator("[data-print-handout]").is_visible()
    assert count_seconds(page) == 30

    page.get_by_role("button", name="Start").click()
    assert re.search(r"Timer started: 30 seconds", status.inner_text())
    expect(page.locator("[data-timer-count]")).not_to_have_text("0:30", timeout=5000)
    assert count_seconds(page) < 30

    page.get_by_role("button", name="Pause").click()
    paused_at = count_seconds(page)
    assert "Paused with" in status.inner_text()
    page.wait_for_timeout(1500)
    assert count_seconds(page) == paused_at
    assert page.get_by_role("button", name="Pause").is_disabled()

    page.get_by_role("button", name="Reset").click()
    assert count_seconds(page) == 30
    assert status.inner_text() == "Timer reset to 30 seconds."
    assert page.get_by_role("button", name="Start").is_enabled()

    assert problems == []
