from __future__ import annotations

import time

import factory
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth.models import Group

from clinic.accounts.second_factor import totp_authenticator_add
from clinic.models import User
from clinic.roles import CLINIC_ADMINS, FRONT_DESK, THERAPISTS

PASSWORD = "a-long-test-password-42"
# Staff made by these factories sign in with this authenticator-app secret (base32), as every staff
# account must have a second factor; `totp_code()` gives its current code.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = "Pat"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])
        if create:
            self.save()

    @factory.post_generation
    def second_factor(self, create, extracted, **kwargs):
        """Staff (a role, admin access or superuser) get an authenticator app unless `second_factor=False`;
        patients get one only with `second_factor=True`."""
        if not create:
            return
        wanted = (
            extracted
            if extracted is not None
            else (self.is_staff or self.is_superuser or self.groups.exists())
        )
        if wanted:
            totp_authenticator_add(user=self, secret=TOTP_SECRET)


def totp_code(secret: str = TOTP_SECRET, *, step: int = 0) -> str:
    """The code an authenticator app with `secret` shows now (and at any frozen test time), or `step`
    30-second steps later (the next step's code is accepted too: MFA_TOTP_TOLERANCE)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + step))


def patient(**kw) -> User:
    return UserFactory(**kw)


def therapist_user(**kw) -> User:
    return UserFactory(role=THERAPISTS, **kw)


def front_desk_user(**kw) -> User:
    return UserFactory(role=FRONT_DESK, **kw)


def clinic_admin_user(**kw) -> User:
    return UserFactory(role=CLINIC_ADMINS, is_staff=True, **kw)
