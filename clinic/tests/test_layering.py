"""The back doors import-linter cannot see: bookings' templates and the settings must not lean on intake.

Where bookings shows something of intake, intake registers it in `bookings.extensions` at start-up.
"""

import re

from django.conf import settings

INTAKE_WORDS = re.compile(r"intake|screening", re.IGNORECASE)


def test_bookings_templates_do_not_read_intake():
    templates = settings.BASE_DIR / "templates" / "bookings"
    offenders = {
        str(path.relative_to(templates)): INTAKE_WORDS.findall(path.read_text())
        for path in sorted(templates.rglob("*"))
        if path.is_file() and INTAKE_WORDS.search(path.read_text())
    }
    assert offenders == {}


def test_no_setting_names_an_intake_url():
    named = [
        name
        for name in dir(settings)
        if name.isupper()
        and isinstance(getattr(settings, name), str)
        and getattr(settings, name).startswith("intake:")
    ]
    assert named == []
