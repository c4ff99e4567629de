"""The clinic policy: one row made by a migration, read without writing, at most once per request."""

import pytest

from clinic.models import ClinicPolicy
from clinic.request_cache import request_scope
from clinic.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_migration_makes_the_policy_row():
    assert ClinicPolicy.objects.filter(pk=1).exists()


def test_reading_a_missing_policy_gives_the_defaults_and_writes_nothing():
    ClinicPolicy.objects.all().delete()

    policy = ClinicPolicy.get()

    assert policy.hold_minutes == 15
    assert not ClinicPolicy.objects.exists()


def test_inside_one_request_the_policy_is_read_once(django_assert_num_queries):
    with request_scope(), django_assert_num_queries(1):
        ClinicPolicy.get()
        ClinicPolicy.get()


def test_saving_the_policy_inside_a_request_is_seen_by_the_next_read():
    with request_scope():
        policy = ClinicPolicy.get()
        ClinicPolicy.objects.filter(pk=1).update(cancellation_window_hours=48)
        policy.refresh_from_db()
        policy.save()
        assert ClinicPolicy.get().cancellation_window_hours == 48


def test_a_change_between_requests_is_seen_by_the_next_request(client):
    client.force_login(UserFactory())
    assert "up to 24 hours before" in client.get("/appointments/").content.decode()
    ClinicPolicy.objects.filter(pk=1).update(cancellation_window_hours=48)
    assert "up to 48 hours before" in client.get("/appointments/").content.decode()
