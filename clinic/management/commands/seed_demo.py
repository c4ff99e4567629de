from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

# Seeding order follows the direction of dependence between the apps.
SEED_ORDER = ["clinic", "techniques", "bookings", "intake"]


class Command(BaseCommand):
    help = "Create (or leave as they are) the demo clinic's data. Running it twice changes nothing."

    def handle(self, *args, **options):
        if not getattr(settings, "DEMO_SEED_ALLOWED", True):
            raise CommandError("seed_demo is switched off in these settings (it creates known passwords).")
        names = [app.name for app in apps.get_app_configs()]
        with transaction.atomic():
            for name in SEED_ORDER:
                if name in names and find_spec(f"{name}.demo") is not None:
                    import_module(f"{name}.demo").seed(self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo clinic ready."))
