from __future__ import annotations

import factory
from django.contrib.auth.models import Group

from clinic.models import User
from clinic.roles import CLINIC_ADMINS, FRONT_DESK, THERAPISTS

PASSWORD = "a-long-test-password-42"


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


def patient(**kw) -> User:
    return UserFactory(**kw)


def therapist_user(**kw) -> User:
    return UserFactory(role=THERAPISTS, **kw)


def front_desk_user(**kw) -> User:
    return UserFactory(role=FRONT_DESK, **kw)


def clinic_admin_user(**kw) -> User:
    return UserFactory(role=CLINIC_ADMINS, is_staff=True, **kw)
