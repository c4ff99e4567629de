from __future__ import annotations

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from clinic.demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the current sign-in code of the demo clinic's staff (their shared demo authenticator)."

    def handle(self, *args, **options):
        if not getattr(settings, "DEMO_SEED_ALLOWED", True):
            raise CommandError("demo_code is switched off in these settings (demo accounts only).")
        now = time.time()
        code = format_hotp_value(hotp_value(DEMO_TOTP_SECRET, int(now) // 30))
        self.stdout.write(f"{code}  (valid for about {30 - int(now) % 30} more seconds)")
