from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connections
from playwright.sync_api import sync_playwright

from clinic.accounts.second_factor import totp_authenticator_add
from clinic.tests import browser as page_checks
from clinic.tests.factories import TOTP_SECRET

# Shared fixtures live in plugin modules (pytest only reads `pytest_plugins` here, in the root conftest);
# their plain helpers (`at`, `book`, `flagged_booking`, ...) are imported by name where used.
pytest_plugins = [
    "bookings.tests.fixtures",
    "clinic.tests.task_fixtures",
    "intake.tests.plan_fixtures",
    "intake.tests.review_fixtures",
]

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; Playwright's own browser downloads are not used.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(autouse=True)
def _clinic_settings(settings):
    settings.CLINIC_TIME_ZONE = "Europe/London"


@pytest.fixture
def admin_user(admin_user):
    """pytest-django's superuser, with the second factor every staff account must have (issue 13)."""
    totp_authenticator_add(user=admin_user, secret=TOTP_SECRET)
    return admin_user


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counts live in the cache: each test starts with none."""
    for cache in caches.all(initialized_only=True):
        cache.clear()


@pytest.fixture
def browser_page(live_server):
    """A headless Chromium page whose relative URLs go to the live test server.

    Missing Chromium, or the page checks' tools (`npm ci`: axe-core, vnu-jar; and Java), skips the
    test locally but fails it in CI (`CI=true`), where every test must run. The HTML of the pages the
    test passed to `clinic.tests.browser.check_page` is validated by vnu when the page closes.
    Playwright's sync API runs an event loop in this thread, so Django would refuse the test's own
    database calls as "async unsafe"; they are allowed for the life of the page, then restored.
    """
    message = None
    if not os.access(CHROMIUM, os.X_OK):
        message = f"{CHROMIUM} is missing: install Debian's chromium package to run browser tests."
    message = message or page_checks.tools_missing()
    if message:
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)

    page_checks.recorded_reset()
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            try:
                # A browser in the clinic's country: British dates in date boxes, the clinic's clock.
                context = browser.new_context(
                    base_url=live_server.url, locale="en-GB", timezone_id="Europe/London"
                )
                yield context.new_page()
                context.close()
            finally:
                browser.close()
                _wait_for_request_threads(live_server)
                # Playwright's event loop gives the test's own database work a separate connection
                # (Django keeps connections per context); close it here, inside that same context.
                connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
    html_errors = page_checks.recorded_validate()
    if html_errors:
        pytest.fail("the Nu Html Checker (vnu) found errors:\n  " + "\n  ".join(html_errors))


def _wait_for_request_threads(live_server, timeout: float = 10.0) -> None:
    """Let the live server's request threads finish once the browser has closed its keep-alive
    connections: each closes its database connection as it ends, and PostgreSQL will not drop the
    test database while one is still open."""
    httpd = getattr(getattr(live_server, "thread", None), "httpd", None)
    deadline = time.monotonic() + timeout
    for thread in list(getattr(httpd, "_threads", None) or []):
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
