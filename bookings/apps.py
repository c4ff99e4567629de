from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here, not at the top: they read the models, which are loaded only once apps are ready.
        from clinic.outbox import wanted

        from . import audit, extensions, reminders, rights, tasks

        extensions.register_timed_effects(tasks.schedule_timed_effects)
        extensions.register_timed_effects(reminders.reminders_sync)
        wanted.register(reminders.REMINDER, reminders.reminder_still_wanted)
        rights.register()
        audit.register()
