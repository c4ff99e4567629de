"""One error type for refused domain actions: a stable code, a finished message, shown one way."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from bookings.services import BookingError
from clinic.errors import DomainError, show_error
from intake.care.services import PlanError
from intake.questionnaire.services import IntakeError
from intake.review.services import ReviewError


@pytest.mark.parametrize("error_class", [BookingError, IntakeError, ReviewError, PlanError])
def test_every_app_error_is_one_domain_error_and_still_a_validation_error(error_class):
    exc = error_class("Nope.", code="nope")
    assert isinstance(exc, DomainError)
    assert isinstance(exc, ValidationError)
    assert exc.as_dict() == {"code": "nope", "message": "Nope."}


def test_params_are_filled_in_once_and_kept_as_details():
    exc = ReviewError("Unknown technique code: %(codes)s.", code="unknown_technique", params={"codes": "X%"})
    assert exc.message == "Unknown technique code: X%."
    assert exc.messages == ["Unknown technique code: X%."]
    assert str(exc) == "Unknown technique code: X%."
    assert exc.details == {"codes": "X%"}


class _Form(forms.Form):
    letter = forms.CharField(required=False)


def test_show_error_puts_it_on_the_form_field_when_given():
    form = _Form(data={})
    assert form.is_valid()
    show_error(None, ReviewError("The file is empty.", code="empty"), form=form, field="letter")
    assert form.errors == {"letter": ["The file is empty."]}
    assert form.has_error("letter", code="empty")


def test_show_error_without_a_form_is_a_flash_message():
    request = RequestFactory().get("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    show_error(request, BookingError("Sorry, this time was just taken.", code="slot_taken"))
    assert [str(m) for m in get_messages(request)] == ["Sorry, this time was just taken."]
