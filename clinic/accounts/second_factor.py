"""Staff sign in with a second factor (issue 13): every staff account must have one before it reaches
any staff page, staff API or admin page. Patients may add one.

The check runs on every request (clinic.middleware.SecondFactorRequiredMiddleware), so it must be
cheap: once a session's user is known to have a second factor, the session says so, and the check
reads nothing. The mark is set at sign-in and when a factor is added, and dropped when one is removed.
"""

from __future__ import annotations

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.utils import encrypt
from django.db import transaction

from ..roles import requires_second_factor

SESSION_KEY = "clinic.second_factor"


def has_second_factor(user) -> bool:
    """An authenticator app (or a future security key); recovery codes alone never count."""
    return (
        Authenticator.objects.filter(user_id=user.pk).exclude(type=Authenticator.Type.RECOVERY_CODES).exists()
    )


def second_factor_missing(request) -> bool:
    """True when the signed-in user must have a second factor and has none yet."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if request.session.get(SESSION_KEY) == user.pk:
        return False
    if not requires_second_factor(user):
        return False
    if has_second_factor(user):
        request.session[SESSION_KEY] = user.pk
        return False
    return True


def mark_session(sender, request, user, **kwargs) -> None:
    """On sign-in (allauth's, after its second-factor step, or any other `login()`) and when a factor
    is added: remember in the session that this user has one."""
    if request is not None and hasattr(request, "session") and has_second_factor(user):
        request.session[SESSION_KEY] = user.pk


def factor_added(sender, request, user, authenticator, **kwargs) -> None:
    """A factor was just set up: typing its code proved the person holds it, which counts as signing
    in again for the next few minutes, so the recovery codes shown next ask for no password."""
    mark_session(sender, request, user)
    if request is not None and hasattr(request, "session"):
        record_authentication(request, user, method="mfa", type=authenticator.type, reauthenticated=True)


def unmark_session(sender, request, user, **kwargs) -> None:
    """A factor was removed: the next request checks again (staff without one go back to set one up)."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(SESSION_KEY, None)


@transaction.atomic
def totp_authenticator_add(*, user, secret: str) -> Authenticator:
    """Give `user` an authenticator app with a secret chosen here rather than on the setup page, and
    recovery codes, as allauth does when someone sets one up. For the demo clinic and tests only: a
    real person's secret is made by the setup page and never leaves their phone."""
    totp = Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(secret)}
    )
    RecoveryCodes.activate(user)
    return totp
