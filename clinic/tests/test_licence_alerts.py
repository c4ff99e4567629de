"""The licence-expiry alert, with a frozen clock: saving a licence schedules an email to clinic admins
at 09:00 clinic time 30 days before it expires; the task checks the licence when it runs, so a changed
expiry moves the alert and a renewed licence cancels it; it is sent once."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from clinic.licences import LICENCE_EXPIRING
from clinic.models import Licence, LicenceType, Therapist
from clinic.outbox.models import OutboxMessage
from clinic.tasks import licence_expiry_alert

from .factories import clinic_admin_user, therapist_user

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
TODAY = datetime(2026, 6, 1, 8, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def admins(db):
    return [clinic_admin_user(email="boss@example.org"), clinic_admin_user(email="ops@example.org")]


@pytest.fixture
def therapist(db):
    return Therapist.objects.create(user=therapist_user(), display_name="Tom Okafor")


@pytest.fixture
def osteopath(db):
    return LicenceType.objects.get_or_create(code="osteopath", defaults={"name": "Osteopath"})[0]


def save_licence(deferred_tasks, therapist, licence_type, expires_on: date, **kw) -> Licence:
    with deferred_tasks.committed():
        return Licence.objects.create(
            therapist=therapist,
            licence_type=licence_type,
            number=kw.pop("number", "OST-1"),
            issuing_body="General Osteopathic Council",
            expires_on=expires_on,
            **kw,
        )


def alert_emails():
    return [m for m in mail.outbox if "licence expires" in m.subject]


def test_saving_a_licence_schedules_its_alert_30_days_before_at_nine(deferred_tasks, therapist, osteopath):
    licence = save_licence(deferred_tasks, therapist, osteopath, date(2026, 9, 30))
    assert deferred_tasks.times(licence_expiry_alert) == [datetime(2026, 8, 31, 9, 0, tzinfo=LONDON)]
    assert deferred_tasks.args(licence_expiry_alert) == [(licence.pk, "2026-09-30")]


def test_clinic_admins_are_emailed_once_when_it_falls_due(
    deferred_tasks, settings, admins, therapist, osteopath
):
    licence = save_licence(deferred_tasks, therapist, osteopath, date(2026, 9, 30))
    deferred_tasks.run_due(at=datetime(2026, 8, 31, 8, 59, tzinfo=LONDON))
    assert alert_emails() == []
    ran = deferred_tasks.run_due(at=datetime(2026, 8, 31, 9, 0, tzinfo=LONDON))
    assert ran["licence_expiry_alert"] == ["queued"]
    emails = alert_emails()
    assert sorted(m.to[0] for m in emails) == ["boss@example.org", "ops@example.org"]
    body = emails[0].body
    assert "Tom Okafor" in body
    assert "Wednesday 30 September 2026, in 30 days" in body
    assert f"{settings.SITE_URL}/admin/clinic/licence/{licence.pk}/change/" in body
    assert "/admin/clinic/licence/" in emails[0].alternatives[0][0]
    # Saved again (a typo fixed in the number): the alert is not sent a second time.
    licence.number = "OST-2"
    with time_machine.travel(datetime(2026, 9, 1, 10, tzinfo=LONDON), tick=False), deferred_tasks.committed():
        licence.save()
    deferred_tasks.run_due(at=datetime(2026, 9, 1, 10, tzinfo=LONDON))
    assert len(alert_emails()) == 2
    assert OutboxMessage.objects.filter(kind=LICENCE_EXPIRING).count() == 2


def test_a_changed_expiry_moves_the_alert_and_the_old_task_does_nothing(
    deferred_tasks, admins, therapist, osteopath
):
    licence = save_licence(deferred_tasks, therapist, osteopath, date(2026, 9, 30))
    licence.expires_on = date(2027, 9, 30)
    with deferred_tasks.committed():
        licence.save()
    assert deferred_tasks.times(licence_expiry_alert) == [
        datetime(2026, 8, 31, 9, 0, tzinfo=LONDON),
        datetime(2027, 8, 31, 9, 0, tzinfo=LONDON),
    ]
    assert deferred_tasks.run_due(at=datetime(2026, 9, 1, tzinfo=LONDON))["licence_expiry_alert"] == [
        "changed"
    ]
    assert alert_emails() == []
    deferred_tasks.run_due(at=datetime(2027, 8, 31, 9, 0, tzinfo=LONDON))
    assert len(alert_emails()) == 2


def test_a_licence_renewed_as_a_new_record_needs_no_alert(deferred_tasks, admins, therapist, osteopath):
    save_licence(deferred_tasks, therapist, osteopath, date(2026, 9, 30))
    save_licence(deferred_tasks, therapist, osteopath, date(2031, 9, 30), number="OST-9")
    ran = deferred_tasks.run_due(at=datetime(2026, 9, 1, tzinfo=LONDON))
    assert ran["licence_expiry_alert"] == ["not needed"]
    assert alert_emails() == []


def test_a_licence_saved_inside_the_30_days_alerts_at_once(deferred_tasks, admins, therapist, osteopath):
    save_licence(deferred_tasks, therapist, osteopath, TODAY.date() + timedelta(days=10))
    assert deferred_tasks.run_due()["licence_expiry_alert"] == ["queued"]
    assert "in 10 days" in alert_emails()[0].body


@pytest.mark.parametrize("change", ["deleted", "inactive", "expired"])
def test_no_alert_for_a_licence_deleted_expired_or_of_an_inactive_therapist(
    deferred_tasks, admins, therapist, osteopath, change
):
    licence = save_licence(deferred_tasks, therapist, osteopath, date(2026, 6, 20))
    if change == "deleted":
        licence.delete()
    elif change == "inactive":
        Therapist.objects.filter(pk=therapist.pk).update(active=False)
    due = deferred_tasks.pending(licence_expiry_alert)[0]
    moment = datetime(2026, 6, 21, tzinfo=LONDON) if change == "expired" else TODAY
    with time_machine.travel(moment, tick=False):
        assert due.task.call(*due.args) in {"changed", "not needed"}
    assert alert_emails() == []
