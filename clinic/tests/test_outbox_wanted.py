"""A message that falls due is sent only if the app owning its kind still wants it: otherwise it is
`skipped` with the reason, and nothing is sent. Kinds without a check are always sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from clinic.outbox import wanted
from clinic.outbox.models import OutboxMessage, Status
from clinic.outbox.services import outbox_deliver, outbox_enqueue, outbox_resend, outbox_skip

pytestmark = pytest.mark.django_db


def enqueue(kind: str = "test.reminder", **kw) -> OutboxMessage:
    (message,) = outbox_enqueue(kind=kind, to="pat@example.com", subject="Soon", body_text="Body", **kw)
    return message


@pytest.fixture
def wants(monkeypatch):
    """Register the check of `test.reminder`: it says what the test sets in `wants.reason`."""

    class Check:
        reason = ""
        asked: list[int] = []

        def __call__(self, message):
            self.asked.append(message.pk)
            return self.reason

    check = Check()
    monkeypatch.setitem(wanted._checks, "test.reminder", check)
    return check


def test_a_message_still_wanted_is_sent(wants):
    message = enqueue()
    assert outbox_deliver(message.pk) == "sent"
    assert wants.asked == [message.pk]
    assert len(mail.outbox) == 1


def test_a_message_no_longer_wanted_is_skipped_with_the_reason_and_not_sent(wants):
    message = enqueue()
    wants.reason = "the appointment was cancelled"
    assert outbox_deliver(message.pk) == "unwanted"
    message.refresh_from_db()
    assert message.status == Status.SKIPPED
    assert message.last_error == "the appointment was cancelled"
    assert mail.outbox == []
    assert outbox_deliver(message.pk) == "skipped"  # nothing left to do
    assert outbox_resend(messages=[message]) == 0  # a skipped message is not a failed one


def test_the_check_is_asked_when_the_message_falls_due_not_before(wants):
    message = enqueue(due_at=timezone.now() + timedelta(hours=1))
    assert outbox_deliver(message.pk) == "skipped"  # not due yet
    assert wants.asked == []


def test_kinds_without_a_check_are_always_sent(wants):
    wants.reason = "never"
    message = enqueue(kind="test.other")
    assert outbox_deliver(message.pk) == "sent"
    assert wants.asked == []


def test_outbox_skip_skips_only_pending_messages():
    pending = enqueue()
    sent = enqueue(kind="test.sent")
    outbox_deliver(sent.pk)
    assert (
        outbox_skip(messages=OutboxMessage.objects.filter(pk__in=[pending.pk, sent.pk]), reason="moved") == 1
    )
    pending.refresh_from_db()
    sent.refresh_from_db()
    assert (pending.status, pending.last_error) == (Status.SKIPPED, "moved")
    assert sent.status == Status.SENT
