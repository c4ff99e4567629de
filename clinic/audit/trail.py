"""The change trail: django-auditlog records every create, change and delete of the clinic's records.

- Each app names its tracked models at the bottom of its models.py with `track(...)`, the health
  values and names among their fields as `masked`: an entry says such a field changed, never its value
  (`mask`, set as AUDITLOG_MASK_CALLABLE, returns the same word for every value).
- A model about one patient defines `get_additional_data()` (auditlog's hook) returning
  `{"patient": <user id>}`: its entries carry that id (for the patient's export and erasure) and are
  labelled "appointment 12", never by the record's own text, which may name the patient or a finding.
- The actor: `AuditActorMiddleware` names the signed-in user of each request; a service that is told
  who acts (`by`) names them with `acting_as(by)`; the clinic's own timed work (expired holds, review
  deadlines, tasks) runs under `acting_as(None)`, whose entries say `actor_email="system"`.
- `QuerySet.update()` sends no signal, so the few services that use it report what they changed with
  `record_bulk_update`.
"""

from __future__ import annotations

import copy
import ipaddress
import itertools
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import partial

from auditlog.cid import get_cid, set_cid
from auditlog.context import _set_extra_data, auditlog_value
from auditlog.diff import model_instance_diff
from auditlog.middleware import AuditlogMiddleware
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django_tasks.signals import task_finished, task_started

from ..ratelimit import client_ip

MASK = "(hidden)"
SYSTEM = "system"


def mask(value: str) -> str:
    """AUDITLOG_MASK_CALLABLE: one word for every value, so an entry keeps that a field changed and
    nothing of what it held (auditlog's own default keeps half of the text)."""
    return MASK


def track(
    model: type[models.Model],
    *,
    masked: Iterable[str] = (),
    excluded: Iterable[str] = (),
    m2m: Iterable[str] = (),
    label: str | None = None,
) -> None:
    """Record every create, change and delete of `model`; `masked` fields are named but never stored,
    `excluded` ones not recorded at all (bookkeeping such as idempotency keys; `updated_at` always, as
    an entry's own timestamp says when), `m2m` relations listed with the objects added and removed.
    With `label`, entries name a record "<label> <id>", never by its own text (an account's name)."""
    if label is not None:
        _labels[model] = label
    # Reverse relations (a result's decisions) are the other model's business: auditlog would list
    # them, empty, on every create.
    reverse = [f.name for f in model._meta.get_fields() if f.auto_created and not f.concrete]
    auditlog.register(
        model,
        mask_fields=list(masked),
        exclude_fields=[*excluded, *reverse, "updated_at"],
        m2m_fields=set(m2m),
    )


_labels: dict[type[models.Model], str] = {}


def is_about_a_patient(model: type[models.Model] | None) -> bool:
    return model is not None and callable(getattr(model, "get_additional_data", None))


def record_label(model: type[models.Model], pk) -> str:
    """How an entry names a record about a patient: its kind and id, nothing the record says."""
    return f"{model._meta.verbose_name} {pk}"


@receiver(pre_save, sender=LogEntry, dispatch_uid="clinic_audit_label_patient_records")
def _label_patient_records(sender, instance: LogEntry, **kwargs) -> None:
    if instance.pk is not None:
        return
    model = instance.content_type.model_class()
    if is_about_a_patient(model):
        instance.object_repr = record_label(model, instance.object_pk)
    elif model in _labels:
        instance.object_repr = f"{_labels[model]} {instance.object_pk}"


# --- who acts -----------------------------------------------------------------------------------------

_dispatch_ids = itertools.count()


def _current() -> dict:
    """Who acts now: {"actor", "actor_email", "remote_addr"} (empty outside any request or actor)."""
    try:
        return auditlog_value.get()
    except LookupError:
        return {}


@contextmanager
def _stamping(*, actor, actor_email: str | None, remote_addr: str | None) -> Iterator[None]:
    """auditlog's actor context (as its `set_extra_data` makes it: a receiver that fills in each entry
    about to be saved), with a dispatch id of its own and the outer context restored on leaving.
    auditlog's keys its receiver on the clock, so two contexts opened in the same instant (a frozen
    clock, a nested actor) would share one, and it keeps its last value after it is left."""
    dispatch_uid = ("clinic_audit_actor", next(_dispatch_ids))
    data = {
        "actor": actor,
        "actor_email": actor_email,
        "remote_addr": remote_addr,
        "remote_port": None,
        "signal_duid": dispatch_uid,
    }
    token = auditlog_value.set(data)
    pre_save.connect(
        partial(_set_extra_data, signal_duid=dispatch_uid),
        sender=LogEntry,
        dispatch_uid=dispatch_uid,
        weak=False,
    )
    try:
        yield
    finally:
        pre_save.disconnect(sender=LogEntry, dispatch_uid=dispatch_uid)
        auditlog_value.reset(token)


def acting_as(actor) -> AbstractContextManager:
    """Entries written inside name `actor` (a user), or the system when `actor` is None. Inside a
    request the address stays the request's; on leaving, the outer actor (the request's) applies again.
    Usable as a decorator too: `@acting_as(None)` on a task or command."""
    if actor is None:
        return _stamping(actor=None, actor_email=SYSTEM, remote_addr=None)
    return _stamping(
        actor=actor, actor_email=getattr(actor, "email", None), remote_addr=_current().get("remote_addr")
    )


# Every background task (django-tasks: timed effects, emails) acts as the system, whatever request
# enqueued it and whichever worker runs it: its entries say `system`, and the outer actor comes back after.
_task_actors: dict[str, AbstractContextManager] = {}


@receiver(task_started, dispatch_uid="clinic_audit_task_started")
def _task_acts_as_the_system(sender, task_result, **kwargs) -> None:
    context = acting_as(None)
    context.__enter__()
    _task_actors[task_result.id] = context


@receiver(task_finished, dispatch_uid="clinic_audit_task_finished")
def _task_done(sender, task_result, **kwargs) -> None:
    context = _task_actors.pop(task_result.id, None)
    if context is not None:
        context.__exit__(None, None, None)


def acting_as_closed_account(account, *, email: str) -> AbstractContextManager:
    """Entries written inside name `account` (being closed) by its placeholder `email`, with no
    address: what erasure leaves of the entries the patient made before."""
    return _stamping(actor=account, actor_email=email, remote_addr=None)


def acted_by(by) -> AbstractContextManager:
    """For a service told who acts: `by` is the actor of the entries written inside. When `by` is None
    the service does not know, and the surrounding actor (the request's user, or the system) stays."""
    return nullcontext() if by is None else acting_as(by)


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def request_ip(request) -> str | None:
    """The client's address as the rate limiter reads it (`TRUSTED_PROXY_COUNT`), or None."""
    return _valid_ip(client_ip(request))


class AuditActorMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware (the signed-in user is every entry's actor) with the project's
    client address (the proxy-aware `client_ip`, not the first X-Forwarded-For entry a client chose)
    and the actor context of `acting_as`."""

    @staticmethod
    def _get_remote_addr(request) -> str | None:
        return request_ip(request)

    @staticmethod
    def _get_remote_port(request) -> int | None:
        return None

    def __call__(self, request):
        set_cid(request)
        data = self.get_extra_data(request)
        actor = data["actor"]
        with _stamping(
            actor=actor, actor_email=getattr(actor, "email", None), remote_addr=data["remote_addr"]
        ):
            return self.get_response(request)


# --- bulk writes --------------------------------------------------------------------------------------


def _entry(row: models.Model, *, action: int, changes: dict) -> LogEntry:
    """The entry auditlog's `log_create` would write for `row`, with the actor of the moment."""
    acting = _current()
    return LogEntry(
        content_type=ContentType.objects.get_for_model(row),
        object_pk=str(row.pk),
        object_id=row.pk if isinstance(row.pk, int) else None,
        object_repr=record_label(type(row), row.pk),
        action=action,
        changes=changes,
        additional_data=row.get_additional_data() if is_about_a_patient(type(row)) else None,
        actor=acting.get("actor"),
        actor_email=acting.get("actor_email"),
        remote_addr=acting.get("remote_addr"),
        cid=get_cid(),
    )


def record_bulk_create(rows: Iterable[models.Model]) -> None:
    """Write, in one insert, the entries auditlog would have written had `rows` (just made by
    `bulk_create`, which sends no signal; their primary keys set) been saved one by one."""
    LogEntry.objects.bulk_create(
        [_entry(row, action=LogEntry.Action.CREATE, changes=model_instance_diff(None, row)) for row in rows]
    )


def record_bulk_update(before: Iterable[models.Model], **changed) -> None:
    """Write, in one insert, the entries auditlog would have written had each of `before` (rows loaded
    before a `QuerySet.update()`, with their primary key, the changed fields and what
    `get_additional_data` reads) been saved with the values in `changed`."""
    entries = []
    for old in before:
        new = copy.copy(old)
        for name, value in changed.items():
            setattr(new, name, value)
        changes = model_instance_diff(old, new, fields_to_check=list(changed))
        if changes:
            entries.append(_entry(new, action=LogEntry.Action.UPDATE, changes=changes))
    LogEntry.objects.bulk_create(entries)
