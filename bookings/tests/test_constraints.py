"""The database refuses what the services would never write: a status outside the choices, and
overlapping weekly hours (on PostgreSQL; the model's clean() checks the same rule everywhere)."""

import itertools
from datetime import date, time

import pytest
from django.db import IntegrityError, transaction

from bookings.models import WeeklyHours

from .factories import AppointmentFactory
from .fixtures import at

pytestmark = pytest.mark.django_db


def test_the_database_refuses_an_unknown_appointment_status(service, therapist):
    appointment = AppointmentFactory(service=service, therapist=therapist, start=at(3, 10))
    with pytest.raises(IntegrityError), transaction.atomic():
        type(appointment).objects.filter(pk=appointment.pk).update(status="bogus")


TIMES = [(time(9), time(13)), (time(13), time(17)), (time(12), time(14))]
ROTAS = [
    (None, None),
    (None, date(2030, 6, 30)),
    (date(2030, 7, 1), None),
    (date(2030, 6, 1), date(2030, 6, 30)),
]


def test_the_overlap_query_and_predicate_agree_on_every_pair_of_windows(therapist):
    windows = [
        WeeklyHours(therapist=therapist, weekday=weekday, start_time=s, end_time=e, valid_from=f, valid_to=t)
        for weekday, (s, e), (f, t) in itertools.product([0, 1], TIMES, ROTAS)
    ]
    WeeklyHours.objects.filter(therapist=therapist).delete()
    clashes = 0
    for saved in windows:
        saved.save()
        for candidate in windows:
            if candidate is saved:
                continue
            found = WeeklyHours.objects.overlapping(candidate).exists()
            assert found == saved.overlaps(candidate) == candidate.overlaps(saved), (saved, candidate)
            clashes += found
        saved.delete()
        saved.pk = None
    assert clashes > 0
