"""Login limits that hold against guessing yet let no stranger lock a named user out (issue 13: 35
wrong passwords from one client blocked another client's correct login for five minutes).

Allauth counts failed logins per address and per "key" (ACCOUNT_RATE_LIMITS["login_failed"]); our
adapter makes that key the account *and* the client's address, and adds a per-account limit across all
addresses ("login_failed_account") high enough that one client alone cannot reach it. The account part
of both keys carries an epoch that a successful password reset renews, which lifts the account's limits
at once. Everything lives in the shared cache, so every app server counts the same attempts.
"""

from __future__ import annotations

import hashlib
import secrets

from allauth.account.models import EmailAddress
from django.core.cache import caches

# Longer than the longest account window (one hour): by the time an epoch is forgotten and the account
# falls back to the first one, every count made under that first epoch has expired too.
EPOCH_SECONDS = 2 * 60 * 60


def _digest(login: str) -> str:
    # Cache keys never hold an email address; allauth hashes its keys again on top.
    return hashlib.sha256(login.strip().lower().encode()).hexdigest()


def account_key(login: str) -> str:
    """What an account's login limits count under: its login (hashed) and its current epoch."""
    digest = _digest(login)
    epoch = caches["default"].get(f"login-epoch:{digest}", "0")
    return f"account:{digest}:{epoch}"


def account_limits_lift(*, logins: list[str]) -> None:
    """Start a fresh epoch for these logins: their earlier failed attempts stop counting."""
    cache = caches["default"]
    for login in logins:
        cache.set(f"login-epoch:{_digest(login)}", secrets.token_hex(8), timeout=EPOCH_SECONDS)


def lift_after_password_reset(sender, request, user, **kwargs) -> None:
    """allauth's `password_reset` signal: the owner proved they hold the mailbox, so the failures of
    whoever was guessing no longer hold the account back (for every address of the account)."""
    logins = {user.email, *EmailAddress.objects.filter(user_id=user.pk).values_list("email", flat=True)}
    account_limits_lift(logins=sorted(login for login in logins if login))
