"""The database refuses what the services would never write: a status outside the choices."""

import pytest
from django.db import IntegrityError, transaction

from .factories import AppointmentFactory
from .fixtures import at

pytestmark = pytest.mark.django_db


def test_the_database_refuses_an_unknown_appointment_status(service, therapist):
    appointment = AppointmentFactory(service=service, therapist=therapist, start=at(3, 10))
    with pytest.raises(IntegrityError), transaction.atomic():
        type(appointment).objects.filter(pk=appointment.pk).update(status="bogus")
