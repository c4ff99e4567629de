"""Issue 14: the layout's rules that hold for every template: tables turn into stacked cards on small
screens, the theme is a static file (no CDN), and the account pages use the clinic's narrow layout."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Emails lay out with tables for mail programs; the Django admin has its own responsive styles.
NOT_PAGES = ("email", "admin")


def page_templates_with_tables() -> list[Path]:
    return sorted(
        path
        for path in TEMPLATES.rglob("*.html")
        if not set(path.relative_to(TEMPLATES).parts) & set(NOT_PAGES) and "<table" in path.read_text()
    )


def test_there_are_page_tables_to_check():
    # The appointment lists, the review queue, the therapist's day, ... (the desk's day is a list of cards
    # since issue 15): the walk below must find them, or it checks nothing.
    assert len(page_templates_with_tables()) >= 4


@pytest.mark.parametrize("path", page_templates_with_tables(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_page_table_stacks_into_cards_with_a_label_on_every_cell(path):
    text = path.read_text()
    for table in re.findall(r"<table[^>]*>", text):
        assert "table-stack" in table, f"{path.name}: {table} has no table-stack class"
    unlabelled = [cell for cell in re.findall(r"<td[^>]*>", text) if "data-label=" not in cell]
    assert not unlabelled, f"{path.name}: cells without data-label: {unlabelled}"


def test_the_stacking_rule_is_in_the_sites_stylesheet():
    css = (Path(settings.BASE_DIR) / "static/css/clinic.css").read_text()
    assert "@media (max-width: 767.98px)" in css and ".table-stack td[data-label]::before" in css


@pytest.mark.django_db
def test_the_theme_is_served_from_static_files_and_no_page_loads_anything_from_elsewhere(client):
    page = client.get(reverse("home")).content.decode()
    assert '<link rel="stylesheet" href="/static/css/clinic.css">' in page
    assert not re.search(r'(src|href)="(https?:)?//', page)
    css = client.get("/static/css/clinic.css")
    assert css.status_code == 200 and b"--bs-primary:" in b"".join(css.streaming_content)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["account_login", "account_signup", "account_reset_password"])
def test_the_sign_in_pages_use_the_clinics_layout_in_a_narrow_column(client, name):
    page = client.get(reverse(name)).content.decode()
    assert 'class="container account-page' in page
    assert 'class="site-footer' in page and 'aria-label="Main"' in page
