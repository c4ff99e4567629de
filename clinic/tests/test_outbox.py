"""The outbox: a row per message, written in the causing transaction, sent once by a task, retried with
backoff, then failed and visible in the admin. Tasks run immediately here (test settings); the worker
tests are in test_outbox_worker.py."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib import admin
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from clinic.outbox.emails import absolute_url, render_email
from clinic.outbox.models import OutboxMessage, Status
from clinic.outbox.services import (
    SWEEP_GRACE,
    outbox_deliver,
    outbox_enqueue,
    outbox_resend,
    outbox_sweep,
)

from .factories import clinic_admin_user, front_desk_user

pytestmark = pytest.mark.django_db

SMTP_DOWN = mock.patch(
    "django.core.mail.backends.locmem.EmailBackend.send_messages",
    side_effect=ConnectionRefusedError(111, "Connection refused"),
)


def enqueue(**kw):
    fields = {"kind": "test.note", "to": "pat@example.com", "subject": "Hello", "body_text": "Body"}
    return outbox_enqueue(**{**fields, **kw})


def test_enqueued_message_is_sent_once_after_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (message,) = enqueue()
        assert mail.outbox == []  # nothing leaves before the commit
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.attempts == 1
    assert message.sent_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["pat@example.com"]
    assert mail.outbox[0].subject == "Hello"


def test_nothing_is_queued_when_the_causing_transaction_rolls_back(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        enqueue()
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []


def test_the_same_message_queued_twice_is_one_row_and_one_email(django_capture_on_commit_callbacks):
    due = timezone.now() + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        (first,) = enqueue(event="decision-7")
        (again,) = enqueue(event="decision-7")
        enqueue(due_at=due)
        enqueue(due_at=due, to="PAT@example.com")
    assert first.pk == again.pk
    assert OutboxMessage.objects.count() == 2
    assert len(mail.outbox) == 1  # the other one is not due yet


def test_one_event_to_several_people_is_one_row_each():
    messages = enqueue(to=["b@example.com", "a@example.com", "b@example.com", ""])
    assert [m.recipient for m in messages] == ["a@example.com", "b@example.com"]


def test_the_database_refuses_a_second_row_with_the_same_key():
    (message,) = enqueue()
    message.pk = None
    with pytest.raises(IntegrityError):
        message.save()


def test_the_database_refuses_an_unknown_status():
    (message,) = enqueue()
    with pytest.raises(IntegrityError):
        OutboxMessage.objects.filter(pk=message.pk).update(status="lost")


def test_html_body_and_attachments_are_sent_as_stored(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(
            body_html="<p>Body</p>",
            attachments=[
                ("appointment.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar; method=REQUEST")
            ],
        )
    (sent,) = mail.outbox
    assert sent.alternatives[0].content == "<p>Body</p>"
    name, content, mimetype = sent.attachments[0]
    assert name == "appointment.ics"
    assert "BEGIN:VCALENDAR" in content
    assert mimetype.startswith("text/calendar")


def test_a_refused_send_stays_pending_with_the_error_and_a_retry_time():
    (message,) = enqueue()
    with SMTP_DOWN:
        assert outbox_deliver(message.pk) == "retry"
    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert message.attempts == 1
    assert "Connection refused" in message.last_error
    assert message.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert message.claimed_until is None


def test_failures_back_off_1_5_25_minutes_then_the_message_is_failed(settings):
    settings.OUTBOX_RETRY_DELAYS = [60, 300, 1500]
    (message,) = enqueue()
    waits = []
    with SMTP_DOWN, time_machine.travel(message.due_at, tick=False) as traveller:
        for _ in range(4):
            outcome = outbox_deliver(message.pk)
            message.refresh_from_db()
            waits.append(round((message.next_attempt_at - timezone.now()).total_seconds()))
            traveller.move_to(message.next_attempt_at)
    assert outcome == "failed"
    assert waits[:3] == [60, 300, 1500]
    assert message.status == Status.FAILED
    assert message.attempts == 4
    assert "Connection refused" in message.last_error


def test_a_message_is_not_sent_before_it_is_due():
    (message,) = enqueue(due_at=timezone.now() + timedelta(minutes=10))
    assert outbox_deliver(message.pk) == "skipped"
    assert mail.outbox == []


def test_a_sent_message_is_never_sent_again():
    (message,) = enqueue()
    assert outbox_deliver(message.pk) == "sent"
    assert outbox_deliver(message.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_a_message_claimed_by_another_worker_is_left_to_it():
    (message,) = enqueue()
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_until=timezone.now() + timedelta(minutes=5))
    assert outbox_deliver(message.pk) == "skipped"
    assert mail.outbox == []


def test_a_claim_left_by_a_dead_worker_lapses():
    (message,) = enqueue()
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert outbox_deliver(message.pk) == "sent"


def test_resend_puts_a_failed_message_back_and_sends_it(django_capture_on_commit_callbacks):
    (message,) = enqueue()
    OutboxMessage.objects.filter(pk=message.pk).update(status=Status.FAILED, attempts=4, last_error="boom")
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_resend(messages=OutboxMessage.objects.all()) == 1
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.attempts == 1
    assert len(mail.outbox) == 1


def test_resend_leaves_sent_messages_alone(django_capture_on_commit_callbacks):
    (message,) = enqueue()
    outbox_deliver(message.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_resend(messages=[message]) == 0
    assert len(mail.outbox) == 1


def test_a_skipped_message_is_not_sent():
    (message,) = enqueue()
    OutboxMessage.objects.filter(pk=message.pk).update(status=Status.SKIPPED)
    assert outbox_deliver(message.pk) == "skipped"
    assert mail.outbox == []


def test_the_sweep_sends_a_pending_message_whose_task_was_lost(django_capture_on_commit_callbacks):
    (message,) = enqueue()  # its task never runs: no commit here
    assert outbox_sweep() == 0  # not overdue yet
    later = timezone.now() + SWEEP_GRACE + timedelta(seconds=1)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep() == 1
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert len(mail.outbox) == 1


def test_the_sweep_leaves_a_message_a_worker_is_sending():
    (message,) = enqueue()
    later = timezone.now() + SWEEP_GRACE + timedelta(seconds=1)
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_until=later + timedelta(minutes=1))
    with time_machine.travel(later, tick=False):
        assert outbox_sweep() == 0


def test_the_sweep_sends_a_message_that_came_due_while_the_backend_could_not_wait(
    django_capture_on_commit_callbacks,
):
    due = timezone.now() + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        (message,) = enqueue(due_at=due)
    assert mail.outbox == []
    later = due + SWEEP_GRACE + timedelta(seconds=1)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        outbox_sweep()
    assert len(mail.outbox) == 1


def test_email_timeout_is_ten_seconds():
    assert django_settings.EMAIL_TIMEOUT == 10


def test_emails_render_from_one_base_with_absolute_links(settings):
    settings.SITE_URL = "https://clinic.example/"
    text, html = render_email("clinic/email/base", {"greeting_name": "Ada"})
    assert text.startswith("Hello Ada,")
    assert "https://clinic.example/" in text
    assert '<a href="https://clinic.example/">' in html
    assert absolute_url("/appointments/") == "https://clinic.example/appointments/"


def test_smtp_errors_are_recorded_with_their_type():
    (message,) = enqueue()
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=smtplib.SMTPRecipientsRefused({"pat@example.com": (550, b"no such user")}),
    ):
        outbox_deliver(message.pk)
    message.refresh_from_db()
    assert message.last_error.startswith("SMTPRecipientsRefused")


# The admin ------------------------------------------------------------------------------------------


def test_clinic_admins_see_failed_messages_filtered_by_status_and_searched_by_recipient(client):
    enqueue(to="found@example.com")
    enqueue(to="other@example.com")
    OutboxMessage.objects.filter(recipient="found@example.com").update(
        status=Status.FAILED, last_error="boom"
    )
    client.force_login(clinic_admin_user())
    url = reverse("admin:clinic_outboxmessage_changelist")
    page = client.get(url, {"status__exact": "failed", "q": "found"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "found@example.com" in body
    assert "other@example.com" not in body
    assert "boom" in body


def test_the_admin_is_read_only():
    request = RequestFactory().get("/")
    request.user = clinic_admin_user()
    model_admin = admin.site._registry[OutboxMessage]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.has_view_permission(request)


def test_the_resend_action_requeues_failed_messages(client, django_capture_on_commit_callbacks):
    (message,) = enqueue()
    OutboxMessage.objects.filter(pk=message.pk).update(status=Status.FAILED, attempts=4)
    client.force_login(clinic_admin_user())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:clinic_outboxmessage_changelist"),
            {"action": "resend", "_selected_action": [message.pk]},
            follow=True,
        )
    assert "1 message(s) queued again." in response.content.decode()
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert len(mail.outbox) == 1


def test_front_desk_cannot_open_the_outbox(client):
    client.force_login(front_desk_user())
    assert client.get(reverse("admin:clinic_outboxmessage_changelist")).status_code in (302, 403)
