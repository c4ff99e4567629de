"""Django's `flush`, which empties every table, the append-only audit tables included: the operator's
deliberate wipe of a whole database (and the tests' reset between transactional tests) is the one bulk
delete `clinic.audit.guard` lets through, inside the flush's own transaction."""

from __future__ import annotations

from django.core.management.commands import flush

from clinic.audit.guard import audit_rewrite


class Command(flush.Command):
    def handle(self, **options):
        with audit_rewrite(using=options["database"]):
            return super().handle(**options)
