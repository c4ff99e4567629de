from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.html import format_html, format_html_join

from clinic.admin import licence_expiry_note
from clinic.audit.admin import RecordsAccessAdmin
from clinic.images import PHOTO_BOX, cleaned_image
from clinic.inputs import date_in_range
from clinic.models import Licence, Therapist

from . import absences, selectors, services
from .feed.admin import CalendarFeedAdminMixin
from .feed.ics import patient_short_name
from .models import Appointment, Closure, Service, TimeOff, WeeklyHours
from .permissions import can_manage_appointments
from .selectors import clinic_zone


class LicenceInline(admin.TabularInline):
    model = Licence
    extra = 0
    fields = ["licence_type", "number", "issuing_body", "valid_from", "expires_on"]


class WeeklyHoursFormSet(forms.BaseInlineFormSet):
    """Each row's `clean()` checks it against the hours already saved; this checks the rows of one
    submission against each other, so two new rows cannot overlap either."""

    def clean(self):
        super().clean()
        kept = [
            form.instance
            for form in self.forms
            if form.is_valid()
            and not self._should_delete_form(form)
            and (form.instance.pk or form.has_changed())
        ]
        for i, hours in enumerate(kept):
            for other in kept[i + 1 :]:
                if hours.overlaps(other):
                    raise forms.ValidationError(
                        f"Two rows overlap: {hours.describe()} and {other.describe()}. Join them into "
                        "one window, or change the times or the rota dates so they do not overlap.",
                        code="weekly_hours_overlap",
                    )


class WeeklyHoursInline(admin.TabularInline):
    model = WeeklyHours
    formset = WeeklyHoursFormSet
    extra = 0
    fields = ["weekday", "start_time", "end_time", "valid_from", "valid_to"]


class TherapistForm(forms.ModelForm):
    class Meta:
        model = Therapist
        fields = ["user", "display_name", "photo", "bio", "qualifications", "specialties", "active"]

    def clean_photo(self):
        return cleaned_image(self.cleaned_data.get("photo"), box=PHOTO_BOX)


@admin.register(Therapist)
class TherapistAdmin(CalendarFeedAdminMixin, admin.ModelAdmin):
    form = TherapistForm
    list_display = ["display_name", "user", "active", "licence_status", "week_link"]
    list_filter = ["active", "licences__licence_type", "services"]
    search_fields = ["display_name", "user__email", "user__first_name", "user__last_name", "specialties"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    readonly_fields = ["week_link", "calendar_link"]
    fields = [
        "user",
        "display_name",
        "photo",
        "bio",
        "qualifications",
        "specialties",
        "active",
        "week_link",
        "calendar_link",
    ]
    actions = ["make_calendar_links", "turn_off_calendar_links"]
    inlines = [LicenceInline, WeeklyHoursInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("licences")

    @admin.display(description="licences")
    def licence_status(self, obj: Therapist) -> str:
        licences = list(obj.licences.all())
        if not licences:
            return "no licence"
        notes = [n for n in (licence_expiry_note(lic.expires_on) for lic in licences) if n]
        return "; ".join(notes) or "valid"

    @admin.display(description="week view")
    def week_link(self, obj: Therapist) -> str:
        if not obj.pk:
            return "-"
        return format_html(
            '<a href="{}">Week view</a>', reverse("admin:clinic_therapist_week", args=[obj.pk])
        )

    def get_urls(self):
        return [
            path(
                "<int:therapist_id>/week/",
                self.admin_site.admin_view(self.week_view),
                name="clinic_therapist_week",
            ),
            *super().get_urls(),
        ]

    def week_view(self, request, therapist_id: int):
        """A read-only week: working hours, time off and appointments, one column per local day."""
        therapist = get_object_or_404(Therapist, pk=therapist_id)
        if not self.has_view_permission(request, therapist):
            raise PermissionDenied
        tz = clinic_zone()
        today = timezone.now().astimezone(tz).date()
        try:
            start_day = parse_date(request.GET.get("start") or "") or today
        except ValueError:  # well-formed but no such day (31 February)
            start_day = today
        if not date_in_range(start_day):
            start_day = today
        start_day -= timedelta(days=start_day.weekday())
        days = [start_day + timedelta(days=i) for i in range(7)]
        week_start = datetime.combine(days[0], time.min, tzinfo=tz)
        week_end = datetime.combine(days[-1] + timedelta(days=1), time.min, tzinfo=tz)
        hours = list(therapist.weekly_hours.all())
        time_off = list(therapist.time_off.filter(start__lt=week_end, end__gt=week_start))
        closures = list(Closure.objects.filter(first_day__lte=days[-1], last_day__gte=days[0]))
        appointments = list(
            therapist.appointments.filter(start__lt=week_end, end__gt=week_start)
            .select_related("patient", "service")
            .order_by("start")
        )
        columns = []
        for day in days:
            day_start = datetime.combine(day, time.min, tzinfo=tz)
            day_end = day_start + timedelta(days=1)
            columns.append(
                {
                    "day": day,
                    "hours": [
                        h
                        for h in hours
                        if h.weekday == day.weekday()
                        and (h.valid_from is None or h.valid_from <= day)
                        and (h.valid_to is None or h.valid_to >= day)
                    ],
                    "closures": [c for c in closures if c.first_day <= day <= c.last_day],
                    "time_off": [t for t in time_off if t.start < day_end and t.end > day_start],
                    "appointments": [a for a in appointments if day_start <= a.start < day_end],
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Week of {days[0]:%d %b %Y}: {therapist}",
            "therapist": therapist,
            "columns": columns,
            "previous_week": days[0] - timedelta(days=7),
            "next_week": days[0] + timedelta(days=7),
            "time_zone": tz.key,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/clinic/therapist_week.html", context)


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "duration_minutes", "buffer_minutes", "price", "active"]
    list_filter = ["active", "licence_types"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["licence_types", "therapists"]


@admin.register(WeeklyHours)
class WeeklyHoursAdmin(admin.ModelAdmin):
    list_display = ["therapist", "weekday", "start_time", "end_time", "valid_from", "valid_to"]
    list_filter = ["weekday", "therapist"]
    search_fields = ["therapist__display_name"]
    list_select_related = ["therapist"]
    autocomplete_fields = ["therapist"]


def _appointment_rows(appointments) -> list[dict]:
    """What the admin is shown of each appointment a closure or time off falls on: the time, the
    therapist and the patient as "Anna K." (nothing of their health, not even the service)."""
    tz = clinic_zone()
    return [
        {
            "time": f"{a.start.astimezone(tz):%a %d %b %H:%M}",
            "therapist": a.therapist.display_name,
            "patient": patient_short_name(a.patient),
        }
        for a in appointments
    ]


def _appointment_lines(appointments) -> str:
    return "; ".join(
        f"{row['time']} with {row['therapist']} for {row['patient']}"
        for row in _appointment_rows(appointments)
    )


class AbsenceForm(forms.ModelForm):
    """Time off or a closure over booked appointments lists them and asks what happens to them: the
    clinic cancels them (each patient emailed) or keeps them for the front desk to move."""

    on_appointments = forms.ChoiceField(
        required=False,
        label="Booked appointments in this time",
        choices=[
            ("cancel", "Cancel them and email each patient"),
            ("keep", "Keep them for now: the front desk moves them (they are listed after saving)"),
        ],
        widget=forms.RadioSelect,
        help_text="Asked only when the time falls on booked appointments.",
    )
    # Set by AbsenceAdmin.get_form for the user at hand.
    may_cancel_appointments = False
    what = ""
    # The active appointments in the time, once the form is checked: listed on the confirmation step.
    affected: list = []

    def clashes(self, cleaned) -> list:
        raise NotImplementedError

    def check_appointments(self, cleaned) -> None:
        choice = cleaned.get("on_appointments")
        if choice == "cancel" and not self.may_cancel_appointments:
            raise forms.ValidationError(
                "You may not cancel appointments: choose to keep them for the front desk.",
                code="not_allowed",
            )
        self.affected = self.clashes(cleaned)
        if not choice and self.affected:
            raise forms.ValidationError(
                f"This {self.what} falls on {len(self.affected)} active appointment(s), listed below. "
                "Choose whether to cancel them (each patient is emailed) or keep them for the front "
                "desk to move.",
                code="overlaps_appointments",
            )

    def affected_rows(self) -> list[dict]:
        return _appointment_rows(self.affected)


class TimeOffForm(AbsenceForm):
    what = "time off"

    class Meta:
        model = TimeOff
        fields = ["therapist", "start", "end", "reason"]
        help_texts = {"reason": "For the clinic only: patients are told their therapist is away, not why."}

    def clashes(self, cleaned) -> list:
        return list(
            selectors.appointments_in_time_off(cleaned["therapist"].pk, cleaned["start"], cleaned["end"])
        )

    def clean(self):
        cleaned = super().clean()
        therapist, start, end = cleaned.get("therapist"), cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error(
                "end", forms.ValidationError("The end must be after the start.", code="end_before_start")
            )
            return cleaned
        if therapist and start and end:
            self.check_appointments(cleaned)
        return cleaned


class ClosureForm(AbsenceForm):
    what = "closure"

    class Meta:
        model = Closure
        fields = ["first_day", "last_day", "reason"]
        help_texts = {"reason": "Patients whose appointments are cancelled are told this reason."}

    def clashes(self, cleaned) -> list:
        return list(selectors.appointments_on_days(cleaned["first_day"], cleaned["last_day"]))

    def clean(self):
        cleaned = super().clean()
        first_day, last_day = cleaned.get("first_day"), cleaned.get("last_day")
        if first_day and last_day and last_day < first_day:
            self.add_error(
                "last_day",
                forms.ValidationError("The last day cannot be before the first.", code="end_before_start"),
            )
            return cleaned
        if first_day and last_day:
            self.check_appointments(cleaned)
        return cleaned


class AbsenceAdmin(admin.ModelAdmin):
    """Saves through `absences`: the time off or closure and any cancellations in one transaction,
    then says what became of the appointments in it."""

    where = ""  # "on the closed days", ...
    change_form_template = "admin/bookings/absence_change_form.html"
    CHOICE_FIELDSET = ("Booked appointments in this time", {"fields": ["on_appointments"]})

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.may_cancel_appointments = can_manage_appointments(request.user)
        return form

    def render_change_form(self, request, context, *args, **kwargs):
        context["time_zone"] = clinic_zone().key  # the zone of the listed appointments' times
        return super().render_change_form(request, context, *args, **kwargs)

    def save_absence(self, obj, *, by, cancel: bool) -> list:
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        cancel = form.cleaned_data.get("on_appointments") == "cancel"
        affected = self.save_absence(obj, by=request.user, cancel=cancel)
        if not affected:
            return
        if cancel:
            self.message_user(
                request,
                f"Cancelled {len(affected)} appointment(s) {self.where}; each patient is emailed: "
                f"{_appointment_lines(affected)}.",
                messages.SUCCESS,
            )
            return
        tz = clinic_zone()
        days = sorted({a.start.astimezone(tz).date() for a in affected})
        day_list = reverse("bookings:front-desk-day")
        links = format_html_join(
            ", ", '<a href="{}?date={}">{}</a>', ((day_list, d.isoformat(), f"{d:%a %d %b}") for d in days)
        )
        self.message_user(
            request,
            format_html(
                "{} appointment(s) {} stay booked; the front desk should move or cancel "
                "them: {}. Day lists: {}.",
                len(affected),
                self.where,
                _appointment_lines(affected),
                links,
            ),
            messages.WARNING,
        )


@admin.register(TimeOff)
class TimeOffAdmin(AbsenceAdmin):
    form = TimeOffForm
    where = "in the time off"
    list_display = ["therapist", "start", "end", "reason"]
    list_filter = ["therapist"]
    search_fields = ["therapist__display_name", "reason"]
    list_select_related = ["therapist"]
    date_hierarchy = "start"
    autocomplete_fields = ["therapist"]
    fieldsets = [(None, {"fields": ["therapist", "start", "end", "reason"]}), AbsenceAdmin.CHOICE_FIELDSET]

    def save_absence(self, obj, *, by, cancel: bool) -> list:
        return absences.time_off_save(time_off=obj, by=by, cancel_appointments=cancel)


@admin.register(Closure)
class ClosureAdmin(AbsenceAdmin):
    form = ClosureForm
    where = "on the closed days"
    list_display = ["reason", "first_day", "last_day"]
    search_fields = ["reason"]
    date_hierarchy = "first_day"
    fieldsets = [(None, {"fields": ["first_day", "last_day", "reason"]}), AbsenceAdmin.CHOICE_FIELDSET]

    def save_absence(self, obj, *, by, cancel: bool) -> list:
        return absences.closure_save(closure=obj, by=by, cancel_appointments=cancel)


@admin.register(Appointment)
class AppointmentAdmin(RecordsAccessAdmin):
    """Read-only here: bookings, moves and cancellations go through the booking services. Every list
    and record page read is recorded (a patient's bookings show their screening status)."""

    list_display = ["start", "therapist", "patient", "service", "status"]
    list_filter = ["status", "therapist", "service"]
    search_fields = ["patient__email", "patient__last_name", "therapist__display_name"]
    list_select_related = ["therapist", "patient", "service"]
    date_hierarchy = "start"
    actions = ["cancel_selected"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_manage_permission(self, request) -> bool:
        return can_manage_appointments(request.user)

    @admin.action(
        description="Cancel the selected appointments (patients are emailed)", permissions=["manage"]
    )
    def cancel_selected(self, request, queryset):
        done, refused = 0, []
        for appointment in queryset:
            try:
                services.appointment_cancel(
                    appointment=appointment, by=request.user, reason="Cancelled by the clinic"
                )
                done += 1
            except services.BookingError as exc:
                refused.append(f"#{appointment.pk}: {exc.messages[0]}")
        if done:
            self.message_user(request, f"Cancelled {done} appointment(s).", messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.WARNING)

    def has_delete_permission(self, request, obj=None):
        return False
