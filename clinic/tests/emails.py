"""Checks every email test shares: the outbox row has a text and an HTML body on the clinic's base,
names the clinic's zone, links only absolutely from SITE_URL, and carries none of the given health
details in its subject or either body."""

from __future__ import annotations

import re
from collections.abc import Iterable

from clinic.models import ClinicProfile
from clinic.outbox.models import OutboxMessage

SITE_URL = "https://clinic.example"
ZONE = "Europe/London"
PROFILE = {
    "name": "Riverside Manual Therapy",
    "address": "14 Riverside Walk\nLondon\nSE1 9ZZ",
    "phone": "020 7946 0321",
    "email": "hello@clinic.example",
}


def email_setup(settings) -> ClinicProfile:
    """SITE_URL on a real-looking address and a clinic profile with an address and phone (call it
    from a test module's autouse fixture)."""
    settings.SITE_URL = SITE_URL
    profile = ClinicProfile(**PROFILE)
    profile.save()
    return profile


def only(kind: str) -> OutboxMessage:
    """The one outbox row of `kind` (failing on none or several)."""
    (message,) = OutboxMessage.objects.filter(kind=kind)
    return message


def links(message: OutboxMessage) -> list[str]:
    text_links = re.findall(r"https?://[^\s<>\"]+", message.body_text)
    html_links = re.findall(r'href="([^"]+)"', message.body_html)
    return text_links + html_links


def assert_clean_email(message: OutboxMessage, *, forbidden: Iterable[str] = (), zone: bool = True) -> None:
    """`message` is a text and HTML email on the clinic's base (its name, address and phone in both),
    with the clinic's zone named (unless `zone` is False: an email about no particular time), every
    link absolute from SITE_URL (or tel:/mailto: to the clinic), and no word of `forbidden`."""
    text, html = message.body_text, message.body_html
    assert text.strip() and html.strip(), "both a text and an HTML body"
    assert html.lstrip().lower().startswith("<!doctype html>")
    for part in (text, html):
        assert PROFILE["phone"] in part and "14 Riverside Walk" in part, "the clinic's phone and address"
        if zone:
            assert ZONE in part, "the clinic's zone named"
    found = links(message)
    assert any(link.startswith(f"{SITE_URL}/") for link in found if link != f"{SITE_URL}/"), found
    for link in found:
        assert link.startswith((f"{SITE_URL}/", "tel:", "mailto:")), f"not absolute from SITE_URL: {link}"
    everything = f"{message.subject}\n{text}\n{html}".casefold()
    for word in forbidden:
        assert word.casefold() not in everything, f"health detail {word!r} in the email"
