"""Background task of patient rights (django-tasks; run by `manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def purge_closed_account(record_id: int) -> str:
    """Delete what a closed account kept once its retention period is over; the record says whether
    that is now."""
    return services.erasure_purge(record_id=record_id)
