"""The clinic's own timed task (django-tasks, run by `manage.py db_worker`): the licence-expiry alert,
scheduled whenever a licence is saved (a `post_save` receiver connected in `ClinicConfig.ready`)."""

from __future__ import annotations

from django_tasks import task

from . import licences
from .models import Licence
from .scheduling import run_at


@task()
def licence_expiry_alert(licence_id: int, expires_on: str) -> str:
    return licences.licence_alert_send(licence_id=licence_id, expires_on=expires_on)


def schedule_licence_alert(licence: Licence) -> None:
    """The alert for the licence's expiry as it is now (at once if that moment has passed)."""
    run_at(
        licence_expiry_alert,
        licence.pk,
        licence.expires_on.isoformat(),
        at=licences.licence_alert_at(licence.expires_on),
    )


def licence_saved(sender, instance: Licence, **kwargs) -> None:
    schedule_licence_alert(instance)
