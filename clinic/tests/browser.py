"""Checks for every page a browser test visits: axe-core (WCAG 2.1 A and AA), the Nu Html Checker,
no sideways scrolling on a 375 px screen, and screenshots at 375 and 1280 px.

    from clinic.tests.browser import check_page, screenshot

    def test_something(browser_page):           # the fixture from the root conftest.py
        page = browser_page
        page.goto("/book/")
        check_page(page, "booking-01-services")  # axe at 375 and 1280 px, overflow at 375, HTML kept
        ...
        screenshot(page, "booking-02-picked")    # screenshots only (both widths), no checks

`check_page` fails the test at once on an axe violation or a page wider than the screen; the HTML of
every page it checked is validated by one run of vnu (one JVM) when the `browser_page` fixture ends,
which fails the test (as a teardown error) naming each page and error. The tools come from `npm ci`
(package.json): without node_modules or Java, browser tests skip locally and fail in CI (`CI=true`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from clinic.tests.factories import PASSWORD, totp_code

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR") or ROOT / "screenshots")

PHONE, DESKTOP = 375, 1280
WIDTHS = (PHONE, DESKTOP)
HEIGHT = 900
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_AXE_RUN = """async (tags) => {
  const results = await window.axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""

# The elements sticking out past the right edge, for a readable overflow message.
_WIDER_THAN_SCREEN = """(width) => Array.from(document.querySelectorAll("body *"))
  .filter((el) => el.getBoundingClientRect().right > width + 0.5)
  .slice(0, 8)
  .map((el) => {
    const classes = typeof el.className === "string" && el.className.trim()
      ? "." + el.className.trim().split(/\\s+/).join(".") : "";
    return `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${classes} ` +
      `(right edge at ${Math.round(el.getBoundingClientRect().right)} px)`;
  })"""


def tools_missing() -> str | None:
    """Why the checks cannot run here, or None."""
    if not AXE.is_file() or not VNU.is_file():
        return f"{ROOT / 'node_modules'} lacks axe-core or vnu-jar: run `npm ci` in the repository."
    if shutil.which("java") is None:
        return "`java` is missing: install a Java runtime (Debian: default-jre-headless) for vnu-jar."
    return None


@dataclass
class _Recorded:
    """The HTML of the pages checked during one test, validated together when the test ends."""

    pages: list[tuple[str, str]] = field(default_factory=list)

    def add(self, label: str, html: str) -> None:
        self.pages.append((label, html))


_recorded = _Recorded()


def sign_in_staff(page, email: str) -> None:
    """Log a staff member in through the login page and their second factor (factories' TOTP secret)."""
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.fill("input[name=code]", totp_code())
    page.click("main button[type=submit]")
    page.wait_for_load_state("load")


def check_page(page, name: str | None = None) -> None:
    """Check the page as it is now: axe-core's WCAG 2.1 A and AA rules at 375 and 1280 px (0
    violations), no sideways scrolling at 375 px, and its HTML kept for vnu. With `name`
    ("journey-NN-step") it also saves screenshots at both widths (see `screenshot`). The viewport is
    put back as it was."""
    label = name or page.url
    page.wait_for_load_state("load")
    _recorded.add(label, page.content())  # before axe, so its script is not part of the page
    _inject_axe(page)
    problems: list[str] = []
    original = page.viewport_size
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            if width == PHONE:
                problems += _overflow(page)
            problems += [f"at {width} px: {line}" for line in _axe_violations(page)]
            if name:
                _save(page, name, width)
    finally:
        if original:
            page.set_viewport_size(original)
    if problems:
        raise AssertionError(f"{label} ({page.url}):\n  " + "\n  ".join(problems))


def screenshot(page, name: str) -> list[Path]:
    """Save full-page screenshots of the page at 375 and 1280 px as `<name>-375.png` and
    `<name>-1280.png` in the screenshots folder (SCREENSHOTS_DIR, default `screenshots/` at the
    repository root); the viewport is put back as it was. Returns the files."""
    original = page.viewport_size
    files = []
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            files.append(_save(page, name, width))
    finally:
        if original:
            page.set_viewport_size(original)
    return files


def _save(page, name: str, width: int) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{safe}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _inject_axe(page) -> None:
    # Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not
    # govern (an injected <script> tag would be refused like any inline script).
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")


def _axe_violations(page) -> list[str]:
    lines = []
    for violation in page.evaluate(_AXE_RUN, WCAG_TAGS):
        lines.append(f"axe {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            summary = " ".join((node["summary"] or "").split("\n")[1:]).strip()
            lines.append(f"    {node['target']}: {summary}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    ... and {len(violation['nodes']) - 5} more")
    return lines


def _overflow(page) -> list[str]:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width <= PHONE:
        return []
    culprits = page.evaluate(_WIDER_THAN_SCREEN, PHONE)
    return [f"the page is {scroll_width} px wide on a {PHONE} px screen: " + "; ".join(culprits)]


def _run(command: list[str], folder: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603


def recorded_reset() -> None:
    _recorded.pages.clear()


def recorded_validate() -> list[str]:
    """Run vnu once over every page `check_page` kept since the last reset; its errors, by page."""
    pages, _recorded.pages[:] = list(_recorded.pages), []
    if not pages:
        return []
    with tempfile.TemporaryDirectory(prefix="vnu-") as folder:
        labels = {}
        for number, (label, html) in enumerate(pages):
            path = Path(folder) / f"page-{number:03d}.html"
            path.write_text(html, encoding="utf-8")
            labels[path.name] = label
        # One garbage-collector thread (a shared machine); the stack vnu asks for when it evaluates its schema.
        java = [shutil.which("java") or "java", "-XX:+UseSerialGC", "-Xss2m"]
        command = [*java, "-jar", str(VNU), "--errors-only", "--format", "json"]
        try:
            result = _run(command + sorted(labels), folder)
        except subprocess.TimeoutExpired:  # once seen on a machine under heavy load: try again
            result = _run(command + sorted(labels), folder)
    try:
        messages = json.loads(result.stderr or result.stdout)["messages"]
    except (ValueError, KeyError):
        output = f"{result.stdout}{result.stderr}"[:2000]
        return [f"vnu did not answer in JSON (exit {result.returncode}): {output}"]
    errors = []
    for message in messages:
        if message.get("type") not in ("error", "non-document-error"):
            continue
        page_name = message.get("url", "").rsplit("/", 1)[-1]
        where = f"line {message['lastLine']}" if "lastLine" in message else ""
        extract = (message.get("extract") or "").replace("\n", " ")
        errors.append(f"{labels.get(page_name, page_name)} {where}: {message['message']} [{extract.strip()}]")
    return errors
