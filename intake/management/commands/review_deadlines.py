"""Run from cron (e.g. every 15 minutes): escalate overdue review cases, release unreviewed ones."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from intake.review.deadlines import review_deadlines_run


class Command(BaseCommand):
    help = (
        "Escalate flagged cases still undecided the policy's deadline before their appointment, and "
        "release appointments whose case is still open when they start. Safe to run repeatedly."
    )

    def handle(self, *args, **options):
        counts = review_deadlines_run()
        self.stdout.write(
            f"Escalated {counts['escalated']} case(s); released {counts['released']} appointment(s)."
        )
