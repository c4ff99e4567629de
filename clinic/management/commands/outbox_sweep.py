"""Enqueue again every pending outbox message whose send task was lost; with --every, keep doing it."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from clinic.outbox.services import outbox_sweep


class Command(BaseCommand):
    help = "Re-enqueue pending outbox messages whose send task is overdue (lost or crashed)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Repeat forever, sleeping this long between sweeps.",
        )

    def handle(self, *args, every: int, **options):
        while True:
            swept = outbox_sweep()
            if swept or options["verbosity"] > 1:
                self.stdout.write(f"Re-enqueued {swept} outbox message(s).")
            if every <= 0:
                return
            time.sleep(every)
