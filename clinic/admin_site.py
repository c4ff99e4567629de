"""The admin site: every form of every ModelAdmin checks what is typed the way our own forms do.

`ClinicAdminSite.register` gives each ModelAdmin, and each of its inlines, `CheckedInputsAdmin`, so a
new admin cannot forget it (techniques, which imports nothing of ours, is covered the same way):

- Free text (a model's plain CharField or TextField) goes through `clean_text` (`FreeTextField`):
  no NUL, control, bidi-override or zero-width characters; a text without its own limit gets
  `LONGEST_TEXT`.
- Dates outside EARLIEST_DATE..LATEST_DATE are refused (arithmetic near year 1 or 9999 overflows).
- A foreign-key, many-to-many or raw-id field given an id that cannot be a key (not a number, or past
  64 bits) says "not one of the choices" without asking the database, and the page shows it empty:
  Django's own fields and widgets would send it to the database, which fails (a 500).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models

from .inputs import FreeTextField, validate_date_range

LONGEST_TEXT = 5000
_BIGGEST_KEY = 2**63  # every database's integer keys fit 64 bits


def possible_key(model: type[models.Model], value, to_field: str | None = None) -> bool:
    """Whether `value` could be a key of `model` (its primary key, or `to_field`) at all."""
    if isinstance(value, models.Model):
        return True
    field = model._meta.get_field(to_field) if to_field else model._meta.pk
    if "\x00" in str(value):
        return False
    try:
        key = field.to_python(value)
    except (ValidationError, ValueError, TypeError):
        return False
    return not isinstance(key, int) or -_BIGGEST_KEY <= key < _BIGGEST_KEY


class CheckedModelChoiceField(forms.ModelChoiceField):
    def _possible(self, value) -> bool:
        return value in self.empty_values or possible_key(self.queryset.model, value, self.to_field_name)

    def to_python(self, value):
        if not self._possible(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)

    def prepare_value(self, value):
        return super().prepare_value(value if self._possible(value) else None)


class CheckedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _possible(self, value) -> bool:
        return value in self.empty_values or possible_key(self.queryset.model, value, self.to_field_name)

    def clean(self, value):
        for item in value if isinstance(value, list | tuple) else ():
            if not self._possible(item):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": item}
                )
        return super().clean(value)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            value = [item for item in value if self._possible(item)]
        return super().prepare_value(value)


def _is_free_text(db_field) -> bool:
    # Not its subclasses (email, slug, URL: their own validators), nor a field with choices.
    return type(db_field) in (models.CharField, models.TextField) and not db_field.choices


class CheckedInputsAdmin:
    """For a ModelAdmin or an inline: the checks of this module on every field of its forms."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if _is_free_text(db_field):
            kwargs.setdefault("form_class", FreeTextField)
            if db_field.max_length is None:
                kwargs.setdefault("max_length", LONGEST_TEXT)
        elif isinstance(db_field, models.ForeignKey):
            kwargs.setdefault("form_class", CheckedModelChoiceField)
        elif isinstance(db_field, models.ManyToManyField):
            kwargs.setdefault("form_class", CheckedModelMultipleChoiceField)
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(field, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField):
            field.validators.append(validate_date_range)
        return field

    def get_changeform_initial_data(self, request):
        """An add page filled in from its address (`?start=...`): a date or time the widget could not
        show (it expects a date, not the text) is parsed, or left out when it is not one."""
        initial = super().get_changeform_initial_data(request)
        for name, value in list(initial.items()):
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if isinstance(field, models.DateField | models.TimeField) and isinstance(value, str):
                try:
                    initial[name] = field.to_python(value)
                except ValidationError:
                    del initial[name]
        return initial

    # The list page: rows edited in place and the rows an action is for are looked up by their ids.
    def _get_edited_object_pks(self, request, prefix):
        pks = super()._get_edited_object_pks(request, prefix)
        return [pk for pk in pks if possible_key(self.model, pk)]

    def response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(possible_key(self.model, pk) for pk in selected):
            self.message_user(request, "Select the items again: some were not found.", messages.WARNING)
            return None
        return super().response_action(request, queryset)


def with_checked_inputs(admin_class: type) -> type:
    """`admin_class` with `CheckedInputsAdmin` first among its bases, and its inlines likewise."""
    if not issubclass(admin_class, CheckedInputsAdmin):
        admin_class = type(
            admin_class.__name__,
            (CheckedInputsAdmin, admin_class),
            {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
        )
    inlines = [with_checked_inputs(inline) for inline in getattr(admin_class, "inlines", ())]
    if inlines != list(getattr(admin_class, "inlines", ())):
        admin_class.inlines = inlines
    return admin_class


class ClinicAdminSite(admin.AdminSite):
    site_header = "Clinic administration"
    site_title = "Clinic admin"

    def register(self, model_or_iterable, admin_class=None, **options):
        super().register(model_or_iterable, with_checked_inputs(admin_class or admin.ModelAdmin), **options)
