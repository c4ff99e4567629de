from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import error_text
from .models import ClinicPolicy, ClinicProfile, Licence, LicenceType, User
from .rights.permissions import is_staff_account
from .rights.services import ErasureError, patient_erase


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "first_name", "last_name", "phone"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "phone")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("email", "first_name", "last_name", "password1", "password2")},
        ),
    )

    def get_actions(self, request):
        # Deleting patients in bulk would bypass the erasure service: each is closed from its own page.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        """A patient's account is closed through the erasure service (anonymised at once, clinical
        records kept for the retention period); a staff account keeps Django's delete page, which lists
        the records that would stop it."""
        user = self.get_object(request, unquote(object_id))
        if user is None or is_staff_account(user):
            return super().delete_view(request, object_id, extra_context)
        if not self.has_delete_permission(request, user):
            raise PermissionDenied
        change_url = reverse("admin:clinic_user_change", args=[user.pk])
        if request.method == "POST":
            try:
                record = patient_erase(patient=user, by=request.user)
            except ErasureError as exc:
                self.message_user(request, error_text(exc), messages.ERROR)
                return redirect(change_url)
            self.message_user(
                request,
                f"The account is closed and anonymised; {record.cancelled_appointments} upcoming "
                f"appointment(s) were cancelled. Its clinical records are kept until "
                f"{timezone.localtime(record.purge_after):%d %B %Y} and then deleted.",
                messages.SUCCESS,
            )
            return redirect("admin:clinic_user_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "Close this patient's account",
            "subtitle": None,
            "object": user,
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "change_url": change_url,
            "already_closed": user.is_erased,
            "policy": ClinicPolicy.get(),
        }
        return TemplateResponse(request, "admin/clinic/user/close_account.html", context)


class ExpiringSoonFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expiry"

    def lookups(self, request, model_admin):
        return [("60", "Expiring within 60 days"), ("expired", "Expired")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "60":
            return queryset.filter(expires_on__gte=today, expires_on__lte=today + timedelta(days=60))
        if self.value() == "expired":
            return queryset.filter(expires_on__lt=today)
        return queryset


@admin.register(Licence)
class LicenceAdmin(admin.ModelAdmin):
    list_display = ["therapist", "licence_type", "number", "issuing_body", "expires_on", "expiry_note"]
    list_filter = [ExpiringSoonFilter, "licence_type"]
    search_fields = ["number", "issuing_body", "therapist__display_name"]
    list_select_related = ["therapist", "licence_type"]
    autocomplete_fields = ["therapist"]

    @admin.display(description="status")
    def expiry_note(self, obj: Licence) -> str:
        return licence_expiry_note(obj.expires_on)


def licence_expiry_note(expires_on) -> str:
    days = (expires_on - timezone.localdate()).days
    if days < 0:
        return "EXPIRED"
    if days <= 60:
        return f"expires in {days} days"
    return ""


@admin.register(LicenceType)
class LicenceTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(ClinicPolicy)
class ClinicPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "min_notice_hours",
        "horizon_days",
        "slot_step_minutes",
        "cancellation_window_hours",
        "hold_minutes",
        "clinical_retention_years",
        "updated_at",
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ClinicPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ClinicProfile)
class ClinicProfileAdmin(admin.ModelAdmin):
    """The clinic's name, address and phone: every page's footer, every email and calendar file."""

    list_display = ["__str__", "phone", "email", "updated_at"]
    fieldsets = [
        (
            "Contact (every page's footer, every email and calendar file)",
            {"fields": ["name", "address", "phone", "email"]},
        ),
        ("Website", {"fields": ["opening_hours", "directions", "about"]}),
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ClinicProfile.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


from .accounts import admin as accounts_admin  # noqa: E402, F401 - registers the second factors' admin
from .audit import admin as audit_admin  # noqa: E402, F401 - registers the audit trail's admin
from .outbox import admin as outbox_admin  # noqa: E402, F401 - registers the outbox's admin
from .rights import admin as rights_admin  # noqa: E402, F401 - registers the closed accounts' admin
