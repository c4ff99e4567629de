from datetime import timedelta

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ClinicPolicy, Licence, LicenceType, User


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
        "updated_at",
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ClinicPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


from .outbox import admin as outbox_admin  # noqa: E402, F401 - registers the outbox's admin
