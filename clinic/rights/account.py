"""The clinic's own share of a patient's rights: the account, the emails the clinic sent them, the
login records allauth keeps, the sessions and the admin's change history.

Registered from `ClinicConfig.ready()`; it runs last on erasure (layer 10), after every other app has
read the name and email it needs to find and redact its rows.
"""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q

from ..audit.guard import audit_rewrite
from ..outbox.models import OutboxMessage
from ..outbox.models import Status as OutboxStatus
from . import registry
from .redact import date_variants, phone_variants
from .registry import Erasure, ExportSection, RightsPart, utc_iso

# allauth's apps whose rows belong to one account (addresses, second factors, sessions, social logins):
# deleted when the account is closed, whichever of them are installed.
ACCOUNT_OWNED_APPS = ("account", "mfa", "usersessions", "socialaccount")
ACCOUNT_CLOSED = "Not sent: the patient closed their account."


def export(patient) -> list[ExportSection]:
    addresses = []
    if apps.is_installed("allauth.account"):
        EmailAddress = apps.get_model("account", "EmailAddress")
        addresses = list(EmailAddress.objects.filter(user=patient).order_by("-primary", "email"))
    messages = list(
        OutboxMessage.objects.filter(recipient__iexact=patient.email)
        .only("kind", "subject", "status", "created_at", "sent_at")
        .order_by("-created_at", "-pk")
    )
    account = {
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "email": patient.email,
        "phone": patient.phone,
        "date_of_birth": patient.date_of_birth.isoformat() if patient.date_of_birth else None,
        "date_joined": utc_iso(patient.date_joined),
        "last_login": utc_iso(patient.last_login),
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in addresses
        ],
    }
    return [
        ExportSection(
            key="account",
            title="Your account",
            position=10,
            data=account,
            template="clinic/rights/export_account.html",
            context={"account": patient, "addresses": addresses},
        ),
        ExportSection(
            key="messages",
            title="Emails we sent you",
            position=80,
            data=[
                {
                    "kind": message.kind,
                    "subject": message.subject,
                    "status": message.status,
                    "created_at": utc_iso(message.created_at),
                    "sent_at": utc_iso(message.sent_at),
                }
                for message in messages
            ],
            template="clinic/rights/export_messages.html",
            context={"messages_sent": messages},
        ),
    ]


def identify(patient) -> list[str]:
    values = [patient.get_full_name(), patient.first_name, patient.last_name, patient.email]
    if patient.phone:
        values += phone_variants(patient.phone)
    if patient.date_of_birth:
        values += date_variants(patient.date_of_birth)
    return values


def erase(erasure: Erasure) -> None:
    _erase_outbox(erasure)
    _erase_admin_history(erasure)
    end_sessions(erasure.patient)
    patient = erasure.patient
    for model in apps.get_models():
        if model._meta.app_label in ACCOUNT_OWNED_APPS and _owned_by_user(model):
            model.objects.filter(user=patient).delete()
    patient.first_name = ""
    patient.last_name = ""
    patient.phone = ""
    patient.date_of_birth = None
    patient.email = erasure.placeholder_email
    patient.is_active = False
    patient.set_unusable_password()
    patient.save()
    patient.groups.clear()
    patient.user_permissions.clear()


def _owned_by_user(model) -> bool:
    try:
        user_field = model._meta.get_field("user")
    except FieldDoesNotExist:
        return False
    return getattr(user_field, "related_model", None) is get_user_model()


def _erase_outbox(erasure: Erasure) -> None:
    """Emails to the patient: pending ones are skipped, and every one keeps only its kind, subject and
    times (the address becomes the closed account's, the body and calendar file go). Emails to staff
    about the patient's appointments keep their text without the patient's name."""
    address = erasure.original_email.lower()
    about = Q(recipient__iexact=address) | Q(appointment__patient_id=erasure.patient.pk)
    pks = list(OutboxMessage.objects.filter(about).values_list("pk", flat=True))
    redact = erasure.redactor
    for message in OutboxMessage.objects.select_for_update().filter(pk__in=pks).order_by("pk"):
        message.subject = redact.text(message.subject)
        message.last_error = redact.text(message.last_error)
        # A calendar file names its attendee; it is encoded, so it cannot be redacted: it goes.
        message.attachments = []
        if message.recipient.lower() == address:
            if message.status == OutboxStatus.PENDING:
                message.status = OutboxStatus.SKIPPED
                message.claimed_until = None
                message.last_error = ACCOUNT_CLOSED
            message.recipient = erasure.placeholder_email
            kind_and_event, _, _ = message.dedupe_key.rpartition("|")
            message.dedupe_key = f"{kind_and_event}|{erasure.placeholder_email}"
            message.body_text = ""
            message.body_html = ""
        else:
            message.body_text = redact.text(message.body_text)
            message.body_html = redact.text(message.body_html)
        message.save()


def _erase_admin_history(erasure: Erasure) -> None:
    """The admin's change history keeps each object's name as it was ("Intake of Sam Taylor"): the
    account's own entries and every entry naming the patient are redacted."""
    patient = erasure.patient
    user_type = ContentType.objects.get_for_model(get_user_model())
    about = Q(content_type=user_type, object_id=str(patient.pk)) | Q(
        object_repr__icontains=erasure.original_email
    )
    if patient.get_full_name():
        about |= Q(object_repr__icontains=patient.get_full_name())
    for entry in LogEntry.objects.filter(about):
        entry.object_repr = erasure.redactor.text(entry.object_repr)
        entry.change_message = erasure.redactor.text(entry.change_message)
        entry.save(update_fields=["object_repr", "change_message"])


def end_sessions(user) -> int:
    """End every session signed in as `user` (database-backed sessions are read to find them; a
    closed account's unusable password and inactive flag refuse any other on its next request)."""
    if settings.SESSION_ENGINE not in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    ):
        return 0
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = [
        session.session_key
        for session in Session.objects.iterator()
        if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk)
    ]
    for key in keys:
        store(session_key=key).delete()
    return len(keys)


def purge(patient) -> None:
    # The parts above deleted every clinical row pointing at the account; what is left is the account.
    OutboxMessage.objects.filter(recipient=patient.email).delete()
    LogEntry.objects.filter(user=patient).delete()
    # The change trail's entries the patient made lose their actor (auditlog's SET_NULL): an UPDATE the
    # audit guard allows only here.
    with audit_rewrite():
        get_user_model().objects.filter(pk=patient.pk).delete()


def register() -> None:
    registry.register(
        RightsPart(name="clinic", layer=10, export=export, identify=identify, erase=erase, purge=purge)
    )
