"""Removing a patient's identifiers from the staff text the clinic keeps."""

from __future__ import annotations

from datetime import date

from clinic.rights.redact import REMOVED, Redactor, date_variants, phone_variants


def test_a_full_name_goes_before_its_parts_whatever_the_case_and_spacing():
    redactor = Redactor(["Sam Taylor", "Sam", "Taylor"])
    assert redactor.text("Phoned SAM  taylor, then Sam again.") == f"Phoned {REMOVED}, then {REMOVED} again."


def test_only_whole_words_are_removed():
    redactor = Redactor(["Al"])
    assert redactor.text("Alert: Al is better; also Al.") == f"Alert: {REMOVED} is better; also {REMOVED}."


def test_an_email_address_goes_whole_and_another_address_is_left():
    redactor = Redactor(["sam@example.org", "Sam"])
    assert redactor.text("Wrote to sam@example.org, not sam@other.org") == (
        f"Wrote to {REMOVED}, not sam@other.org"
    )


def test_a_birthday_is_found_however_it_is_written():
    redactor = Redactor(date_variants(date(1979, 11, 23)))
    for written in (
        "1979-11-23",
        "23/11/1979",
        "23.11.1979",
        "23 November 1979",
        "23 Nov 1979",
        "November 23, 1979",
    ):
        assert redactor.text(f"born {written}.") == f"born {REMOVED}.", written


def test_a_phone_number_is_found_with_or_without_spaces():
    redactor = Redactor(phone_variants("+44 7700 900461"))
    assert redactor.text("call +44 7700 900461 or 447700900461") == f"call {REMOVED} or {REMOVED}"


def test_every_string_inside_json_is_redacted_and_other_values_kept():
    redactor = Redactor(["Sam Taylor"])
    value = [{"answer": "Sam Taylor said so", "n": 3, "ok": True, "nested": ["sam taylor"]}]
    assert redactor.json(value) == [{"answer": f"{REMOVED} said so", "n": 3, "ok": True, "nested": [REMOVED]}]
    assert redactor.found_in(value) and not redactor.found_in(redactor.json(value))


def test_one_letter_and_blank_identifiers_are_ignored():
    redactor = Redactor(["", " ", "A"])
    assert redactor.text("A note") == "A note"
