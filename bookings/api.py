"""The JSON API under /api/v1/ (django-ninja; OpenAPI schema at /api/v1/openapi.json).

Every error is JSON `{"code": ..., "message": ...}` with a 4xx status; bad input never gives a 500.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe
from ninja import Field, NinjaAPI, Query, Schema
from ninja import Status as NinjaStatus
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import django_auth
from pydantic import field_validator

from clinic.errors import DomainError, error_text
from clinic.inputs import EARLIEST_DATE, LATEST_DATE, date_in_range
from clinic.models import Therapist

from . import extensions, selectors, services
from .models import Appointment, Service
from .throttle import HOLD_RATE_LIMITED_MESSAGE, hold_attempt_allowed, hold_retry_after

log = logging.getLogger(__name__)


class BodyError(ValueError):
    """A request body the API cannot read: `code` and `message` go to the client as they are."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class JsonObjectParser(Parser):
    """Bodies are one JSON object sent as `application/json`; anything else is refused with a 400 that
    says which (django-ninja's own parser reads any content type and any JSON value)."""

    def parse_body(self, request):
        if request.content_type != "application/json":
            raise BodyError(
                "wrong_content_type",
                "Send the body as JSON, with the header Content-Type: application/json.",
            )
        try:
            data = json.loads(request.body)
        except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
            raise BodyError("invalid_json", "The body is not valid JSON.") from exc
        if not isinstance(data, dict):
            raise BodyError("invalid_json", "The body must be one JSON object: {...}.")
        return data


api = NinjaAPI(
    title="Clinic booking API",
    version="1",
    description="Availability and appointments of the clinic. Times are ISO-8601 with a UTC offset.",
    docs_url=None,
    urls_namespace="api-v1",
    parser=JsonObjectParser(),
    docs_decorator=require_safe,  # the schema is read with GET; other methods are a 405
)


class ErrorOut(Schema):
    code: str
    message: str


# The status of a refused action, by its code; any other code is a plain 400.
STATUS_BY_CODE = {
    "not_authenticated": 401,
    "not_allowed": 403,
    "not_found": 404,
    "slot_taken": 409,
    "slot_unavailable": 409,
    "patient_busy": 409,
    "outside_window": 409,
    "invalid_transition": 409,
    "expired": 409,
    "too_many_holds": 409,
    "busy": 409,
}


def _error(request, status: int, code: str, message: str):
    return api.create_response(request, {"code": code, "message": message}, status=status)


@api.exception_handler(DjangoValidationError)
def _domain_error(request, exc: DjangoValidationError):
    """Every refused action (DomainError and its subclasses, or a model's ValidationError)."""
    code = getattr(exc, "code", None) or "invalid"
    return _error(request, STATUS_BY_CODE.get(code, 400), code, error_text(exc))


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    parts = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "body", "path", "q", "payload")]
        parts.append(f"{'.'.join(loc) or 'input'}: {err.get('msg', 'invalid')}")
    return _error(request, 400, "invalid_input", "; ".join(parts) or "The request is not valid.")


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return _error(request, 401, "not_authenticated", "Please log in first.")


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    cause = exc.__cause__  # django-ninja raises a body it cannot parse as HttpError(400) from ours
    if isinstance(cause, BodyError):
        return _error(request, 400, cause.code, cause.message)
    return _error(request, exc.status_code, "error", str(exc))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, "not_found", "Not found.")


@api.exception_handler(Exception)
def _server_error(request, exc: Exception):
    """Whatever went wrong, the client still gets JSON; the details go to the log, never the client."""
    log.exception("Unexpected error in %s %s", request.method, request.path)
    return _error(request, 500, "server_error", "Something went wrong on our side. Please try again later.")


class TherapistOut(Schema):
    id: int
    name: str


class SlotOut(Schema):
    start: str = Field(
        ..., description="ISO-8601 in the clinic's zone, with its UTC offset (+00:00, +01:00)."
    )
    end: str
    therapist: TherapistOut


class AvailabilityOut(Schema):
    time_zone: str
    slots: list[SlotOut]


SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"


class AvailabilityQuery(Schema):
    service: str = Field(
        ..., max_length=80, pattern=SLUG_PATTERN, description="The service's slug, e.g. psoas-release-60."
    )
    therapist: int | None = Field(None, description="A therapist's id; leave out for any therapist.")
    from_: date | None = Field(
        None,
        alias="from",
        ge=EARLIEST_DATE,
        le=LATEST_DATE,
        description=f"First local date (YYYY-MM-DD), {EARLIEST_DATE} to {LATEST_DATE}; default today.",
    )
    days: int = Field(7, ge=1, le=62, description="How many days, 1 to 62.")


def get_service(slug: str) -> Service:
    service = Service.objects.active().filter(slug=slug).first()
    if service is None:
        raise DomainError(f"There is no bookable service called '{slug}'.", code="unknown_service")
    return service


def get_therapist(therapist_id: int | None, service: Service) -> Therapist | None:
    if therapist_id is None:
        return None
    therapist = Therapist.objects.filter(pk=therapist_id, active=True, services=service).first()
    if therapist is None:
        raise DomainError(
            "That therapist does not exist or does not offer this service.", code="unknown_therapist"
        )
    return therapist


@api.get("/availability", response={200: AvailabilityOut, 400: ErrorOut}, tags=["availability"])
def availability(request, q: Query[AvailabilityQuery]):
    """Free slots for a service, for one therapist or any, over `days` local days from `from`."""
    service = get_service(q.service)
    therapist = get_therapist(q.therapist, service)
    tz = selectors.clinic_zone()
    first_day = q.from_ or timezone.now().astimezone(tz).date()
    slots = selectors.free_slots(service=service, therapist=therapist, first_day=first_day, days=q.days)
    return {
        "time_zone": tz.key,
        "slots": [
            {
                "start": s.start.astimezone(tz).isoformat(),
                "end": s.end.astimezone(tz).isoformat(),
                "therapist": {"id": s.therapist_id, "name": s.therapist_name},
            }
            for s in slots
        ],
    }


# --- Appointments: session authentication with CSRF (ninja's django_auth checks the CSRF token). ---


class AppointmentIn(Schema):
    service: str = Field(..., max_length=80, pattern=SLUG_PATTERN, description="The service's slug.")
    therapist: int
    start: datetime = Field(..., description="ISO-8601 with a UTC offset, e.g. 2026-06-02T09:00:00+01:00.")

    @field_validator("start")
    @classmethod
    def _start_in_range(cls, value: datetime) -> datetime:
        if not date_in_range(value):
            raise ValueError(f"the date must be between {EARLIEST_DATE} and {LATEST_DATE}")
        return value


class AppointmentOut(Schema):
    id: int
    service: str
    therapist: TherapistOut
    start: str = Field(..., description="ISO-8601 in the clinic's zone, with its UTC offset.")
    end: str
    status: str = Field(..., description="held: answer the health questions at next_url to confirm it.")
    ics_url: str
    next_url: str | None = None


class CancelIn(Schema):
    reason: str = Field("", max_length=300)


def appointment_out(appointment) -> dict:
    tz = selectors.clinic_zone()
    return {
        "id": appointment.pk,
        "service": appointment.service.slug,
        "therapist": {"id": appointment.therapist_id, "name": appointment.therapist.display_name},
        "start": appointment.start.astimezone(tz).isoformat(),
        "end": appointment.end.astimezone(tz).isoformat(),
        "status": appointment.status,
        "ics_url": reverse("bookings:appointment-ics", args=[appointment.pk]),
        "next_url": extensions.next_step_url(appointment),
    }


@api.post(
    "/appointments",
    auth=django_auth,
    response={
        201: AppointmentOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        409: ErrorOut,
        429: ErrorOut,
    },
    tags=["appointments"],
)
def book_appointment(request, payload: AppointmentIn):
    """Book a slot for the signed-in patient. Send an `Idempotency-Key` header to make a retry safe:
    the same key returns the first result instead of booking twice. 409 `too_many_holds` when the
    patient already holds the clinic's limit of unfinished bookings; 429 `rate_limited` after too many
    attempts in a short time (the `Retry-After` header says how long to wait)."""
    if not hold_attempt_allowed(request):
        response = _error(request, 429, "rate_limited", HOLD_RATE_LIMITED_MESSAGE)
        response["Retry-After"] = hold_retry_after()
        return response
    if payload.start.tzinfo is None:
        raise DomainError("The start time needs a UTC offset, e.g. +01:00 or Z.", code="invalid_start")
    service = get_service(payload.service)
    therapist = get_therapist(payload.therapist, service)
    key = request.headers.get("Idempotency-Key", "")
    if len(key) > 100 or not key.isprintable():
        raise DomainError(
            "The Idempotency-Key header is up to 100 printable characters.", code="invalid_idempotency_key"
        )
    appointment = services.appointment_book(
        patient=request.user,
        service=service,
        therapist=therapist,
        start=payload.start,
        idempotency_key=key,
    )
    appointment = Appointment.objects.select_related("service", "therapist").get(pk=appointment.pk)
    return NinjaStatus(201, appointment_out(appointment))


@api.get(
    "/appointments",
    auth=django_auth,
    response={200: list[AppointmentOut], 401: ErrorOut},
    tags=["appointments"],
)
def list_appointments(request):
    """The signed-in patient's own appointments, soonest first."""
    qs = (
        Appointment.objects.filter(patient=request.user)
        .select_related("service", "therapist")
        .order_by("start")
    )
    return [appointment_out(a) for a in qs]


@api.post(
    "/appointments/{appointment_id}/cancel",
    auth=django_auth,
    response={200: AppointmentOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    tags=["appointments"],
)
def cancel_appointment(request, appointment_id: int, payload: CancelIn | None = None):
    """Cancel one of your own appointments, inside the clinic's cancellation window."""
    appointment = Appointment.objects.filter(pk=appointment_id, patient=request.user).first()
    if appointment is None:
        raise DomainError("No such appointment.", code="not_found")
    services.appointment_cancel(
        appointment=appointment, by=request.user, reason=payload.reason if payload else ""
    )
    appointment = Appointment.objects.select_related("service", "therapist").get(pk=appointment.pk)
    return NinjaStatus(200, appointment_out(appointment))
