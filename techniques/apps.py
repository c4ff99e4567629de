from django.apps import AppConfig


class TechniquesConfig(AppConfig):
    name = "techniques"
    default_auto_field = "django.db.models.BigAutoField"
