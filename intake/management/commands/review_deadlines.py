"""A manual tool: escalate overdue review cases and release unreviewed ones, all at once. The worker does
the same per case at the right moment (`intake.review.tasks`), so no cron job is needed; this catches up
after the workers were down, or shows what is due."""

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
