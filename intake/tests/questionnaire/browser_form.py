"""Answering the health form in a real browser, for the patient journeys: every step is checked with
`check_page` (axe, vnu, overflow at 375 px) and screenshotted as `<journey>-NN-<step>`.

It finds the questions on the page rather than knowing their layout: every yes/no group on the
health steps is answered "no" unless `yes` names it, and follow-ups that appear after a "yes" are
answered too. Pain scores may be number boxes or a row of 0-10 buttons; dates an ISO date box or a
day/month/year text box (en-GB)."""

from __future__ import annotations

from datetime import date

from clinic.tests.browser import check_page

# Visible radio groups not answered yet (follow-ups appear once their question is answered yes).
_UNANSWERED_GROUPS = """() => {
  const names = new Set();
  for (const input of document.querySelectorAll("main form input[type=radio]")) {
    const shown = input.closest(".form-check, fieldset, div")?.checkVisibility?.() ?? true;
    if (shown && !document.querySelector(`main form input[name="${input.name}"]:checked`)) {
      names.add(input.name);
    }
  }
  return Array.from(names);
}"""


def choose(page, name: str, value: str) -> None:
    """Pick a radio or checkbox by name and value, by its input or, when styled as a button that
    hides the input, by its label."""
    box = page.locator(f'main form input[name="{name}"][value="{value}"]')
    # Bootstrap's `btn-check` keeps the input on the page but under its label, which takes the click.
    if box.is_visible() and "btn-check" not in (box.get_attribute("class") or ""):
        box.check()
    else:
        page.locator(f'label[for="{box.get_attribute("id")}"]').click()


def fill_date(page, name: str, day: date) -> None:
    field = page.locator(f'main form input[name="{name}"]')
    if field.get_attribute("type") == "date":
        field.fill(day.isoformat())
    else:
        field.fill(day.strftime("%d/%m/%Y"))


def fill_score(page, name: str, score: int) -> None:
    if page.locator(f'main form input[name="{name}"][type=radio]').count():
        choose(page, name, str(score))
    else:
        page.fill(f"#id_{name}", str(score))


def answer_yes_no(page, yes: dict[str, object]) -> None:
    """Answer every visible yes/no group: "yes" for the keys in `yes` (whose values fill their
    follow-ups: a date for a date follow-up, or a choice), "no" for the rest."""
    for _ in range(10):  # follow-ups appear in rounds
        names = page.evaluate(_UNANSWERED_GROUPS)
        if not names:
            return
        for name in names:
            if name in yes and yes[name] is not True:
                choose(page, name, str(yes[name]))
            else:
                choose(page, name, "yes" if name in yes else "no")
    raise AssertionError(f"questions still unanswered: {page.evaluate(_UNANSWERED_GROUPS)}")


def save(page, label: str = "Save and continue") -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=label).click()


def fill_health_form(
    page,
    journey: str,
    *,
    first_step: int = 2,
    yes: dict[str, object] | None = None,
    name: str = "Sam Taylor",
) -> None:
    """From the first step of the form to the page its answers lead to (confirmed, waiting for
    review, urgent care): the answers of a healthy adult called `name` (the account's name, as the
    signature must be), with the yes/no questions in `yes` answered yes. Screenshots are numbered
    from `first_step`."""
    yes = yes or {}
    step = iter(range(first_step, 100))

    def shot(step_name: str) -> None:
        check_page(page, f"{journey}-{next(step):02d}-{step_name}")

    shot("form-about-you")
    page.fill("#id_legal_name", name)
    fill_date(page, "date_of_birth", date(1985, 4, 12))
    page.fill("#id_phone", "+44 7700 900123")
    page.fill("#id_emergency_contact_name", "Alex Taylor")
    page.fill("#id_emergency_contact_phone", "+44 7700 900456")
    save(page)

    shot("form-your-visit")
    page.fill("#id_main_complaint", "Stiff lower back after long days at my desk.")
    fill_date(page, "pain_onset_date", date(2025, 9, 1))
    choose(page, "onset_kind", "gradual")
    for score_name, score in (("pain_now", 3), ("pain_worst", 6), ("pain_best", 1)):
        fill_score(page, score_name, score)
    save(page)

    for step_name in ("form-warning-signs", "form-health"):
        shot(step_name)
        answer_yes_no(page, yes)
        save(page)

    shot("form-medicines")
    for field in ("medications", "allergies", "implants"):
        page.fill(f"#id_{field}", "none")
    save(page)

    shot("form-preferences")
    choose(page, "pressure", "medium")
    choose(page, "consent_abdominal", "yes")
    save(page)

    shot("form-consent")
    for box in ("accuracy", "informed_consent", "privacy"):
        page.check(f"#id_{box}")
    page.fill("#id_signature_name", name)
    save(page, "Save and check your answers")

    shot("form-check-answers")
    save(page, "Send my health form")
