"""Delete the clinical records of closed accounts whose retention period is over. Each closed account
has a task for this; run the command daily too, for a task that was lost or a shortened policy."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from clinic.rights.services import erasure_purge_due


class Command(BaseCommand):
    help = "Delete the kept clinical records of closed accounts whose retention period is over."

    def handle(self, *args, **options):
        purged = erasure_purge_due()
        if purged or options["verbosity"] > 1:
            self.stdout.write(f"Deleted the kept records of {purged} closed account(s).")
