from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "intake"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here, not at the top: they read the models, which are loaded only once apps are ready.
        from . import audit, extensions, rights
        from .care import dashboard as care_dashboard
        from .review import dashboard

        extensions.register()
        rights.register()
        audit.register()
        dashboard.register()
        care_dashboard.register()
