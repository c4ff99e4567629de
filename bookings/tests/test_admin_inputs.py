"""Every admin form checks what is typed as our own forms do (clinic/admin_site.py): free text through
`clean_text` with a length limit, dates in range, ids that cannot be keys refused as a form error."""

from datetime import date

import pytest
from django.contrib import admin
from django.db import models
from django.urls import reverse

from bookings.models import Closure, Service
from bookings.tests.factories import ServiceFactory, bookable_therapist
from clinic.admin_site import LONGEST_TEXT, CheckedInputsAdmin
from clinic.inputs import FreeTextField
from clinic.models import Licence, LicenceType, Therapist
from clinic.tests.factories import UserFactory
from techniques.models import Technique, TechniqueStep

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def _admins():
    for model_admin in admin.site._registry.values():
        yield model_admin
        yield from (inline(model_admin.model, admin.site) for inline in model_admin.inlines)


def test_every_admin_and_inline_checks_its_inputs():
    unchecked = sorted(
        type(model_admin).__qualname__
        for model_admin in _admins()
        if not isinstance(model_admin, CheckedInputsAdmin)
    )
    assert unchecked == []


def _free_text_fields(model):
    for field in model._meta.get_fields():
        if type(field) in (models.CharField, models.TextField) and not field.choices and field.editable:
            yield field


def test_every_free_text_field_of_every_admin_form_is_cleaned_and_bounded(rf):
    request = rf.get("/admin/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    wrong = []
    for model_admin in _admins():
        for db_field in _free_text_fields(model_admin.model):
            form_field = model_admin.formfield_for_dbfield(db_field, request)
            if form_field is None:
                continue
            if not isinstance(form_field, FreeTextField) or not form_field.max_length:
                wrong.append(f"{model_admin.model.__name__}.{db_field.name}: {type(form_field).__name__}")
    assert wrong == []


CLOSURE = {"first_day": "2030-06-03", "last_day": "2030-06-04"}


def test_admin_text_is_stored_without_control_bidi_or_zero_width_characters(superuser_client):
    reason = "  Staff\x00 \u202etraining\u200b\x07 day\r\n"
    resp = superuser_client.post(reverse("admin:bookings_closure_add"), {**CLOSURE, "reason": reason})
    assert resp.status_code == 302, resp.content.decode()[-2000:]
    assert Closure.objects.get().reason == "Staff training day"


def test_admin_text_made_only_of_invisible_characters_is_missing(superuser_client):
    resp = superuser_client.post(
        reverse("admin:bookings_closure_add"), {**CLOSURE, "reason": "\u200b\u202e\x00 "}
    )
    assert resp.status_code == 200
    assert resp.context["adminform"].form.errors["reason"] == ["This field is required."]
    assert not Closure.objects.exists()


def test_admin_text_without_its_own_limit_is_bounded(superuser_client):
    therapist = bookable_therapist(ServiceFactory())
    url = reverse("admin:clinic_therapist_change", args=[therapist.pk])
    page = superuser_client.get(url)
    data = {**_management(page), "user": therapist.user_id, "display_name": "Priya", "active": "on"}
    resp = superuser_client.post(url, {**data, "bio": "x" * (LONGEST_TEXT + 1)})
    assert resp.status_code == 200
    assert "at most 5000 characters" in str(resp.context["adminform"].form.errors["bio"])
    therapist.refresh_from_db()
    assert therapist.bio == ""
    resp = superuser_client.post(url, {**data, "bio": "x" * LONGEST_TEXT})
    assert resp.status_code == 302
    assert Therapist.objects.get(pk=therapist.pk).bio == "x" * LONGEST_TEXT


def _management(page) -> dict:
    """The inline formsets' bookkeeping fields of an admin page, as the page gave them."""
    data = {}
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({management.add_prefix(name): value for name, value in management.initial.items()})
        for form in formset.formset.initial_forms:
            for name, field in form.fields.items():
                value = form.initial.get(name, field.initial)
                data[form.add_prefix(name)] = getattr(value, "pk", value) if value is not None else ""
    return data


def test_inline_text_is_cleaned_too(superuser_client):
    technique = Technique.objects.published().first()
    url = reverse("admin:techniques_technique_change", args=[technique.pk])
    page = superuser_client.get(url)
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields if name != "published"}
    if technique.published:
        data["published"] = "on"
    data.update(_management(page))
    steps = technique.steps.count()
    data["steps-TOTAL_FORMS"] = str(int(data["steps-TOTAL_FORMS"]) + 1)
    data[f"steps-{steps}-number"] = "99"
    data[f"steps-{steps}-text"] = "Breathe\u200b out\x00 slowly\u202e"
    resp = superuser_client.post(url, data)
    assert resp.status_code == 302, [f.errors for f in resp.context["inline_admin_formsets"][0].formset]
    assert TechniqueStep.objects.get(technique=technique, number=99).text == "Breathe out slowly"


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01"])
def test_admin_dates_out_of_range_are_a_form_error(superuser_client, day):
    therapist = bookable_therapist(ServiceFactory())
    data = {
        "therapist": therapist.pk,
        "licence_type": LicenceType.objects.first().pk,
        "number": "MT-1",
        "issuing_body": "Board",
        "expires_on": day,
    }
    before = Licence.objects.count()
    resp = superuser_client.post(reverse("admin:clinic_licence_add"), data)
    assert resp.status_code == 200
    assert "Please give a date between 1900 and 2100." in str(resp.context["adminform"].form.errors)
    assert Licence.objects.count() == before


@pytest.mark.parametrize("therapist_id", ["abc", "9" * 30, "-" + "9" * 30, "1\x00", "9" * 10_000, "1.5"])
def test_an_id_that_cannot_be_a_key_is_a_form_error(superuser_client, therapist_id):
    bookable_therapist(ServiceFactory())
    data = {
        "therapist": therapist_id,
        "licence_type": LicenceType.objects.first().pk,
        "number": "MT-1",
        "issuing_body": "Board",
        "expires_on": "2030-01-01",
    }
    before = Licence.objects.count()
    resp = superuser_client.post(reverse("admin:clinic_licence_add"), data)
    assert resp.status_code == 200
    errors = resp.context["adminform"].form.errors
    assert "Select a valid choice" in str(errors["therapist"])
    assert Licence.objects.count() == before


def test_an_add_page_prefilled_with_an_impossible_id_shows_it_empty(superuser_client):
    resp = superuser_client.get(reverse("admin:clinic_licence_add"), {"therapist": "9" * 30})
    assert resp.status_code == 200


@pytest.mark.parametrize("therapist_id", ["abc", "9" * 30, "1\x00"])
def test_a_many_to_many_id_that_cannot_be_a_key_is_a_form_error(superuser_client, therapist_id):
    service = ServiceFactory()
    url = reverse("admin:bookings_service_change", args=[service.pk])
    data = {
        "name": service.name,
        "slug": service.slug,
        "duration_minutes": 60,
        "buffer_minutes": 15,
        "price": "50.00",
        "therapists": [therapist_id],
    }
    resp = superuser_client.post(url, data)
    assert resp.status_code == 200
    assert "therapists" in resp.context["adminform"].form.errors
    assert not Service.objects.get(pk=service.pk).therapists.exists()


def test_list_page_edits_with_impossible_row_ids_change_nothing(superuser_client):
    technique = Technique.objects.order_by("pk").first()
    before = technique.position
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": "9" * 30,
        "form-0-position": str(before + 1),
        "_save": "Save",
    }
    resp = superuser_client.post(reverse("admin:techniques_technique_changelist"), data)
    assert resp.status_code in (200, 302)
    assert Technique.objects.get(pk=technique.pk).position == before


@pytest.mark.parametrize("selected", [["9" * 30], ["abc"], ["1\x00"]])
def test_an_action_on_impossible_row_ids_does_nothing(superuser_client, selected):
    closure = Closure.objects.create(first_day=date(2030, 1, 1), last_day=date(2030, 1, 1), reason="x")
    data = {"action": "delete_selected", "_selected_action": [*selected, closure.pk], "post": "yes"}
    resp = superuser_client.post(reverse("admin:bookings_closure_changelist"), data)
    assert resp.status_code == 302
    assert Closure.objects.filter(pk=closure.pk).exists()
