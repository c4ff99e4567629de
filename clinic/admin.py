from datetime import timedelta

from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.usersessions.admin import UserSessionAdmin as AllauthUserSessionAdmin
from allauth.usersessions.models import UserSession
from auditlog.models import LogEntry as ChangeEntry
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import permissions as account_permissions
from .errors import error_text
from .forms import ClinicAdminUserCreationForm
from .images import LOGO_BOX, cleaned_image
from .models import ClinicPolicy, ClinicProfile, Licence, LicenceType, PolicyPage, User
from .rights.permissions import is_staff_account
from .rights.services import ErasureError, patient_erase


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Accounts. A clinic admin who is not a superuser sees and changes only the accounts
    `clinic.permissions` lets them manage, gives only the roles it allows, and sets no password but
    their own; every save is checked against the same rules (`check_account_change`)."""

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
    # A clinic admin's new account has no password: the person sets it with "Forgot your password?".
    clinic_admin_add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "last_name", "phone"),
                "description": "The person sets their own password: ask them to use "
                "\u201cForgot your password?\u201d on the login page with this email address.",
            },
        ),
    )
    SUPERUSER_ONLY_FIELDS = ("is_superuser", "is_staff", "user_permissions")
    OWN_ACCOUNT_FIXED_FIELDS = ("groups", "is_active")

    def get_queryset(self, request):
        return account_permissions.manageable_users(request.user, super().get_queryset(request))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or account_permissions.can_manage_user(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or account_permissions.can_manage_user(request.user, obj))

    def get_fieldsets(self, request, obj=None):
        if obj is None and not request.user.is_superuser:
            return self.clinic_admin_add_fieldsets
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not account_permissions.can_set_password(request.user, obj):
            # No password field, so no link to the page that would set it.
            fieldsets = (
                (None, {"fields": ("email",), "description": SET_BY_THEMSELVES_NOTE}),
                *fieldsets[1:],
            )
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if request.user.is_superuser or obj is None:
            return fields
        fields += self.SUPERUSER_ONLY_FIELDS
        if obj.pk == request.user.pk:
            fields += self.OWN_ACCOUNT_FIXED_FIELDS
        return fields

    def get_form(self, request, obj=None, **kwargs):
        if obj is None and not request.user.is_superuser:
            kwargs["form"] = ClinicAdminUserCreationForm
        return super().get_form(request, obj, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = account_permissions.assignable_groups(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, unquote(id))
        if user is not None and not account_permissions.can_set_password(request.user, user):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def save_model(self, request, obj, form, change):
        request.account_before = account_permissions.privileges_of(obj.pk if change else None)
        if not change and not request.user.is_superuser:
            obj.set_unusable_password()
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        user = form.instance
        before = request.account_before
        if before is not None and not request.user.is_superuser:
            # The form offers only the roles this admin may give: keep the others the account holds.
            kept = before.groups - set(
                account_permissions.assignable_groups(request.user, user).values_list("pk", flat=True)
            )
            super().save_related(request, form, formsets, change)
            user.groups.add(*kept)
        else:
            super().save_related(request, form, formsets, change)
        account_permissions.check_account_change(
            by=request.user,
            target_pk=user.pk,
            before=before,
            after=account_permissions.privileges_of(user.pk),
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

    def get_deleted_objects(self, objs, request):
        """Django's list of what a delete takes, plus the change trail's entries each account made as
        what stops it: the trail is append-only (clinic.audit.guard), so they cannot lose their author.
        Such an account is deactivated instead."""
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        authors = (
            ChangeEntry.objects.filter(actor__in=[user.pk for user in objs])
            .values("actor")
            .annotate(entries=Count("pk"))
            .values_list("actor", "entries")
        )
        made = dict(authors)
        for user in objs:
            if made.get(user.pk):
                protected.append(
                    f"{made[user.pk]} entries on the change trail made by {user}: the trail keeps its "
                    "authors, so deactivate this account (untick Active) instead."
                )
        return to_delete, model_count, perms_needed, protected

    def delete_model(self, request, obj):
        self._check_deletable(request, [obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        self._check_deletable(request, queryset)
        super().delete_queryset(request, queryset)

    def _check_deletable(self, request, users) -> None:
        if any(not account_permissions.can_manage_user(request.user, user) for user in users):
            raise PermissionDenied


SET_BY_THEMSELVES_NOTE = (
    "Passwords are stored so that nobody can read them. The person changes theirs on their account "
    "page, or with \u201cForgot your password?\u201d on the login page."
)


# allauth registers its own email-address admin; ours shows and accepts only the addresses of accounts
# the clinic admin may manage (an address added to a superuser's account would reset its password).
admin.site.unregister(EmailAddress)


@admin.register(EmailAddress)
class EmailAddressAdmin(AllauthEmailAddressAdmin):
    def get_queryset(self, request):
        users = account_permissions.manageable_users(request.user)
        return super().get_queryset(request).filter(user__in=users)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = account_permissions.manageable_users(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        owners = [obj.user]
        if change:
            owners.append(EmailAddress.objects.select_related("user").get(pk=obj.pk).user)
        if any(not account_permissions.can_manage_user(request.user, owner) for owner in owners):
            raise PermissionDenied
        super().save_model(request, obj, form, change)


# The browsers each person is logged in with (allauth.usersessions): superusers only, to look and to end
# one. allauth's own admin searches a `username` this project's users do not have.
admin.site.unregister(UserSession)


@admin.register(UserSession)
class UserSessionAdmin(AllauthUserSessionAdmin):
    raw_id_fields = ()
    list_display = ["user", "created_at", "ip", "user_agent"]
    list_select_related = ["user"]
    search_fields = ["user__email", "ip"]
    fields = ["user", "created_at", "ip", "user_agent"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        obj.end()  # the session itself, not just its record

    def delete_queryset(self, request, queryset):
        for session in queryset:
            session.end()


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


class ClinicProfileForm(forms.ModelForm):
    class Meta:
        model = ClinicProfile
        fields = ["name", "address", "phone", "email", "logo", "opening_hours", "directions", "about"]

    def clean_logo(self):
        return cleaned_image(self.cleaned_data.get("logo"), box=LOGO_BOX, keep_transparency=True)


@admin.register(ClinicProfile)
class ClinicProfileAdmin(admin.ModelAdmin):
    """The clinic's name, address and phone: every page's footer, every email and calendar file."""

    form = ClinicProfileForm
    list_display = ["__str__", "phone", "email", "updated_at"]
    fieldsets = [
        (
            "Contact (every page's footer, every email and calendar file)",
            {"fields": ["name", "address", "phone", "email"]},
        ),
        (
            "Website (the contact page and the menu)",
            {"fields": ["logo", "opening_hours", "directions", "about"]},
        ),
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ClinicProfile.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PolicyPage)
class PolicyPageAdmin(admin.ModelAdmin):
    """Cancellation, privacy and accessibility pages, in plain text (shown escaped: no HTML runs)."""

    list_display = ["title", "slug", "published", "updated_at"]
    list_filter = ["published"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["title", "slug", "summary", "body", "published"]


from .accounts import admin as accounts_admin  # noqa: E402, F401 - registers the second factors' admin
from .audit import admin as audit_admin  # noqa: E402, F401 - registers the audit trail's admin
from .outbox import admin as outbox_admin  # noqa: E402, F401 - registers the outbox's admin
from .rights import admin as rights_admin  # noqa: E402, F401 - registers the closed accounts' admin
