"""The page checks every browser test uses (clinic/tests/browser.py) catch what they are there for:
an accessibility violation, a page wider than a phone, invalid HTML; and they work under the site's
strict Content-Security-Policy, which refuses injected inline scripts."""

from __future__ import annotations

import pytest

from clinic.tests import browser as page_checks
from clinic.tests.browser import check_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_page_checks_pass_a_good_page_under_the_sites_csp_and_report_each_kind_of_fault(browser_page):
    page = browser_page
    page.goto("/techniques/")
    assert "script-src 'self'" in page.evaluate(
        "fetch(location.href).then((r) => r.headers.get('content-security-policy'))"
    )
    check_page(page)  # axe runs although the page forbids inline scripts

    page.evaluate(
        """() => {
          const img = document.createElement("img");
          img.src = "/static/favicon.svg";
          document.querySelector("main").append(img);
        }"""
    )
    with pytest.raises(AssertionError, match=r"axe image-alt \(critical\)"):
        check_page(page)

    page.goto("/techniques/")
    page.evaluate(
        """() => {
          const wide = document.createElement("div");
          wide.id = "too-wide";
          wide.style.width = "600px";
          wide.textContent = "wide";
          document.querySelector("main").append(wide);
        }"""
    )
    with pytest.raises(AssertionError, match=r"wide on a 375 px screen: .*div#too-wide"):
        check_page(page)
    assert page.viewport_size["width"] == 1280  # put back as it was
    errors = page_checks.recorded_validate()  # the faulty pages' HTML, validated now, not at the end
    assert len(errors) == 1 and "“img” element must have an “alt” attribute" in errors[0], errors


def test_vnu_reports_invalid_html_by_page_in_one_run(browser_page):
    page = browser_page
    page.goto("/techniques/")
    check_page(page, "page-checks-valid")
    page.evaluate(
        """() => {
          for (const text of ["one", "two"]) {
            const p = document.createElement("p");
            p.id = "twice";
            p.textContent = text;
            document.querySelector("main").append(p);
          }
        }"""
    )
    check_page(page, "page-checks-duplicate-id")

    errors = page_checks.recorded_validate()  # (also what the fixture does when the test ends)

    assert len(errors) == 1, errors
    assert errors[0].startswith("page-checks-duplicate-id line ")
    assert "Duplicate ID “twice”" in errors[0]


def test_screenshots_are_saved_at_both_widths_named_for_the_step(browser_page):
    page = browser_page
    page.goto("/techniques/")
    files = screenshot(page, "page-checks 01/list")
    assert [f.name for f in files] == ["page-checks-01-list-375.png", "page-checks-01-list-1280.png"]
    assert all(f.parent == page_checks.SCREENSHOTS and f.stat().st_size > 1000 for f in files)
