from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import roles
        from .rights import account

        # Permissions exist only after each app's post_migrate; re-sync the role groups after all.
        post_migrate.connect(roles.sync_role_permissions, dispatch_uid="clinic_sync_roles")
        account.register()
