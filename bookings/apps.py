from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here, not at the top: they read the models, which are loaded only once apps are ready.
        from allauth.account.signals import user_logged_in

        from clinic.outbox import wanted

        from . import audit, dashboard, extensions, reminders, rights, tasks, visitor_choice

        extensions.register_timed_effects(tasks.schedule_timed_effects)
        extensions.register_timed_effects(reminders.reminders_sync)
        wanted.register(reminders.REMINDER, reminders.reminder_still_wanted)
        rights.register()
        audit.register()
        # A time picked before signing in is held the moment the visitor is signed in (login or sign-up).
        user_logged_in.connect(visitor_choice.on_user_logged_in, dispatch_uid="bookings.visitor_choice")
        dashboard.register()
