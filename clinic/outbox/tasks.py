"""Background tasks of the outbox (django-tasks; run by `manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def send_outbox_message(message_id: int) -> str:
    """Send one outbox message; the row says whether there is still anything to do."""
    return services.outbox_deliver(message_id)
