from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import factory

from bookings.models import Appointment, Service, Status, WeeklyHours
from clinic.models import Licence, LicenceType, Therapist
from clinic.tests.factories import UserFactory


def licence_type(code: str = "massage-therapist") -> LicenceType:
    return LicenceType.objects.get_or_create(
        code=code, defaults={"name": code.replace("-", " ").capitalize()}
    )[0]


class TherapistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Therapist

    user = factory.SubFactory(UserFactory, role="Therapists")
    display_name = factory.Sequence(lambda n: f"Therapist {n:03d}")


class LicenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Licence

    therapist = factory.SubFactory(TherapistFactory)
    licence_type = factory.LazyFunction(licence_type)
    number = factory.Sequence(lambda n: f"LIC-{n:05d}")
    issuing_body = "Test Council"
    expires_on = date(2099, 12, 31)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Psoas release {n}")
    slug = factory.Sequence(lambda n: f"psoas-release-{n}")
    duration_minutes = 60
    buffer_minutes = 0
    price = Decimal("60.00")

    @factory.post_generation
    def licence_codes(self, create, extracted, **kwargs):
        codes = extracted or ["massage-therapist", "physical-therapist", "osteopath"]
        self.licence_types.set(LicenceType.objects.filter(code__in=codes))


def bookable_therapist(
    service: Service, *, weekdays=range(7), start=time(9), end=time(17), **kw
) -> Therapist:
    """A licensed therapist offering `service`, working `start`-`end` local time on `weekdays`."""
    therapist = TherapistFactory(**kw)
    LicenceFactory(therapist=therapist)
    service.therapists.add(therapist)
    for weekday in weekdays:
        WeeklyHours.objects.create(therapist=therapist, weekday=weekday, start_time=start, end_time=end)
    return therapist


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    patient = factory.SubFactory(UserFactory)
    therapist = factory.SubFactory(TherapistFactory)
    service = factory.SubFactory(ServiceFactory)
    start = factory.LazyFunction(lambda: None)
    end = factory.LazyAttribute(lambda o: o.start + timedelta(minutes=o.service.duration_minutes))
    blocks_until = factory.LazyAttribute(lambda o: o.end + timedelta(minutes=o.service.buffer_minutes))
    status = Status.CONFIRMED
