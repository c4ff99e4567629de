from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate, post_save


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from allauth.account.signals import password_changed, password_reset, password_set
        from allauth.mfa.signals import authenticator_added, authenticator_removed

        from . import dashboard, roles, sessions, tasks
        from .accounts import limits, second_factor
        from .audit import registry
        from .audit import rights as audit_rights
        from .models import Licence
        from .rights import account

        # Permissions exist only after each app's post_migrate; re-sync the role groups after all.
        post_migrate.connect(roles.sync_role_permissions, dispatch_uid="clinic_sync_roles")
        account.register()
        user_logged_in.connect(second_factor.mark_session, dispatch_uid="clinic_second_factor_login")
        authenticator_added.connect(second_factor.factor_added, dispatch_uid="clinic_second_factor_added")
        authenticator_removed.connect(
            second_factor.unmark_session, dispatch_uid="clinic_second_factor_removed"
        )
        password_reset.connect(limits.lift_after_password_reset, dispatch_uid="clinic_login_limits_reset")
        # Every saved licence (admin, shell, seed_demo) schedules its expiry alert for its expiry date.
        post_save.connect(tasks.licence_saved, sender=Licence, dispatch_uid="clinic_licence_alert")
        registry.register()
        audit_rights.register()
        dashboard.register()
        # Sessions (clinic/sessions.py): the absolute lifetime starts at login; a new password ends the
        # other sessions (a reset every one).
        user_logged_in.connect(sessions.mark_session_start, dispatch_uid="clinic_session_start")
        password_changed.connect(
            sessions.end_other_sessions_on_password_change, dispatch_uid="clinic_pw_changed"
        )
        password_set.connect(sessions.end_other_sessions_on_password_change, dispatch_uid="clinic_pw_set")
        password_reset.connect(sessions.end_sessions_on_password_reset, dispatch_uid="clinic_password_reset")
        authenticator_removed.connect(
            sessions.end_other_sessions_on_factor_removed, dispatch_uid="clinic_factor_removed_sessions"
        )


class ClinicAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on our site: every admin form checks what is typed (clinic/admin_site.py)."""

    default = False  # the clinic app's own config stays ClinicConfig
    default_site = "clinic.admin_site.ClinicAdminSite"
