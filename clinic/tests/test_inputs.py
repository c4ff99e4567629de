"""The one normaliser of free text, and the date range every form, the API and the services accept."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from clinic.inputs import FreeTextField, clean_text, date_in_range, validate_date_range


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("\u200b", ""),
        ("\ufeff \u200c\u200d ", ""),
        ("Cleared\u202e ok\u202c", "Cleared ok"),
        ("\u2066isolated\u2069", "isolated"),
        ("a\x00b\x07c\x1bd\x7fe\x85f", "abcdef"),
        ("line one\r\nline two\rthree\n\tindented", "line one\nline two\nthree\n\tindented"),
        ("Cafe\u0301", "Café"),
        ("  trimmed  ", "trimmed"),
        (None, ""),
    ],
)
def test_clean_text_normalises_and_strips_invisible_characters(raw, clean):
    assert clean_text(raw) == clean


def test_free_text_field_counts_an_invisible_only_value_as_empty():
    field = FreeTextField(max_length=10)
    with pytest.raises(ValidationError) as exc:
        field.clean("\u200b\u202e")
    assert exc.value.code == "required"


def test_free_text_field_measures_the_normalised_text():
    field = FreeTextField(max_length=3)
    assert field.clean("\u200ba\u200bb\u200bc\u200b") == "abc"
    with pytest.raises(ValidationError) as exc:
        field.clean("abcd")
    assert exc.value.error_list[0].code == "max_length"


def test_free_text_field_refuses_no_length_limit():
    with pytest.raises(TypeError):
        FreeTextField()


@pytest.mark.parametrize(
    "value, ok",
    [
        (date(1900, 1, 1), True),
        (date(2100, 12, 31), True),
        (date(1899, 12, 31), False),
        (date(2101, 1, 1), False),
        (date(1, 1, 1), False),
        (datetime(9999, 12, 31, tzinfo=UTC), False),
    ],
)
def test_dates_are_accepted_from_1900_to_2100(value, ok):
    assert date_in_range(value) is ok
    if ok:
        validate_date_range(value)
    else:
        with pytest.raises(ValidationError):
            validate_date_range(value)
