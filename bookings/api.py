"""The JSON API (django-ninja): /api/v1/ (OpenAPI schema at /api/v1/openapi.json) for availability and
appointments, and /api/v2/ (schema at /api/v2/openapi.json) for the compact availability with
conditional GETs (`compact.py`).

Every error is JSON `{"code": ..., "message": ...}` with a 4xx status; bad input never gives a 500.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime

import orjson
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from ninja import Field, NinjaAPI, Query, Schema
from ninja import Status as NinjaStatus
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import django_auth
from pydantic import ConfigDict, field_validator

from clinic.errors import DomainError, error_text
from clinic.inputs import EARLIEST_DATE, LATEST_DATE, date_in_range
from clinic.models import Therapist

from . import compact, extensions, selectors, services
from .models import Appointment, AvailabilityVersion, Service
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

api_v2 = NinjaAPI(
    title="Clinic booking API",
    version="2",
    description="The clinic's free times in a compact form, with conditional GETs. Times are ISO-8601 "
    "with a UTC offset. Appointments are booked, listed and cancelled under /api/v1/.",
    docs_url=None,
    urls_namespace="api-v2",
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


def _domain_error(request, exc: DjangoValidationError):
    """Every refused action (DomainError and its subclasses, or a model's ValidationError)."""
    code = getattr(exc, "code", None) or "invalid"
    return _error(request, STATUS_BY_CODE.get(code, 400), code, error_text(exc))


def _validation_error(request, exc: ValidationError):
    parts = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "body", "path", "q", "payload")]
        parts.append(f"{'.'.join(loc) or 'input'}: {err.get('msg', 'invalid')}")
    return _error(request, 400, "invalid_input", "; ".join(parts) or "The request is not valid.")


def _auth_error(request, exc):
    return _error(request, 401, "not_authenticated", "Please log in first.")


def _http_error(request, exc: HttpError):
    cause = exc.__cause__  # django-ninja raises a body it cannot parse as HttpError(400) from ours
    if isinstance(cause, BodyError):
        return _error(request, 400, cause.code, cause.message)
    return _error(request, exc.status_code, "error", str(exc))


def _not_found(request, exc):
    return _error(request, 404, "not_found", "Not found.")


def _server_error(request, exc: Exception):
    """Whatever went wrong, the client still gets JSON; the details go to the log, never the client."""
    log.exception("Unexpected error in %s %s", request.method, request.path)
    return _error(request, 500, "server_error", "Something went wrong on our side. Please try again later.")


for _api in (api, api_v2):
    _api.add_exception_handler(DjangoValidationError, _domain_error)
    _api.add_exception_handler(ValidationError, _validation_error)
    _api.add_exception_handler(AuthenticationError, _auth_error)
    _api.add_exception_handler(HttpError, _http_error)
    _api.add_exception_handler(Http404, _not_found)
    _api.add_exception_handler(Exception, _server_error)


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


# --- /api/v2/availability: the compact shape, written by orjson from a pre-built dict. These schemas
# describe it in the OpenAPI document; the view returns its own response, so ninja does not walk each
# slot (bookings/tests/test_api_compact.py validates real answers against them).


LocalDate = date  # a field below is called `date`, which would hide the type inside its class


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class CompactTherapistOut(StrictSchema):
    id: int
    name: str


class CompactTimeOut(StrictSchema):
    start: str = Field(
        ..., description="ISO-8601 in the clinic's zone, with its UTC offset (+00:00, +01:00)."
    )
    therapists: list[int] = Field(..., description="Ids of the therapists free then, in name order.")


class CompactDayOut(StrictSchema):
    date: LocalDate = Field(
        ..., description="A local date in the clinic's zone; every day asked for is listed."
    )
    times: list[CompactTimeOut] = Field(..., description="Free starts that day, each once, earliest first.")


class CompactServiceOut(StrictSchema):
    slug: str
    name: str
    duration_minutes: int = Field(..., description="Every slot lasts this long: its end is start plus this.")


class CompactAvailabilityOut(StrictSchema):
    time_zone: str = Field(..., description="The clinic's IANA zone, e.g. Europe/London.")
    service: CompactServiceOut
    days: list[CompactDayOut]
    therapists: list[CompactTherapistOut] = Field(
        ..., description="Every therapist whose id appears under days, once, in name order."
    )


_VALIDATOR_HEADERS = {
    "ETag": {
        "description": "Names this answer: send it back in If-None-Match.",
        "schema": {"type": "string"},
    },
    "Last-Modified": {
        "description": "When the clinic's availability data last changed (absent before any change).",
        "schema": {"type": "string"},
    },
}


@api_v2.get(
    "/availability",
    response={200: CompactAvailabilityOut, 304: None, 400: ErrorOut},
    tags=["availability"],
    openapi_extra={
        "parameters": [
            {
                "in": "header",
                "name": "If-None-Match",
                "required": False,
                "schema": {"type": "string"},
                "description": "ETags of earlier answers (or *): 304 while one still holds.",
            },
            {
                "in": "header",
                "name": "Cache-Control",
                "required": False,
                "schema": {"type": "string"},
                "description": "no-cache: work the answer out again instead of taking the one the "
                "server keeps for the same availability version.",
            },
        ],
        "responses": {
            200: {"headers": _VALIDATOR_HEADERS},
            304: {"headers": _VALIDATOR_HEADERS},
        },
    },
)
def compact_availability(request, q: Query[AvailabilityQuery]):
    """Free times for a service, for one therapist or any, over `days` local days from `from`: per
    day, each start once with the ids of the therapists free then, and their names once.

    Conditional GETs: send the `ETag` of an earlier answer in `If-None-Match` and you get 304 with no
    body while that answer still holds, that is until a booking, a change of hours, time off, closures,
    policy or services, or the clock (minimum notice, a hold lapsing, a new day) changes it.
    `Last-Modified` says when the clinic's availability data last changed; it cannot validate an answer
    on its own, as the clock moves availability too, so `If-Modified-Since` is not used.

    The server keeps each answer until the same events change it (`Cache-Control: no-cache` in the
    request works it out again); booking never reads what is kept."""
    # The version first: data read after it is at least as new, so an ETag never claims newer data.
    version, changed_at = AvailabilityVersion.current()
    tz = selectors.clinic_zone()
    key = compact.query_key(service=q.service, therapist=q.therapist, first_day=q.from_, days=q.days, tz=tz)
    if_none_match = request.headers.get("If-None-Match", "")
    now = timezone.now()
    fresh = if_none_match and compact.still_fresh(if_none_match, version=version, key=key, now=now)
    if fresh:
        return _not_modified(fresh, changed_at)
    # `Cache-Control: no-cache` asks for the answer to be worked out again, not taken from the cache.
    revalidate = "no-cache" in request.headers.get("Cache-Control", "")
    kept = None if revalidate else compact.kept_answer(version=version, key=key, now=now)
    if kept is not None:
        tag, body = kept
        if if_none_match and compact.matches(if_none_match, tag):
            return _not_modified(tag, changed_at)
        return _with_validators(HttpResponse(body, content_type="application/json"), tag, changed_at)
    service = get_service(q.service)
    therapist = get_therapist(q.therapist, service)
    first_day = q.from_ or now.astimezone(tz).date()
    listing = selectors.free_times_listing(
        service=service, therapist=therapist, first_day=first_day, days=q.days, now=now
    )
    tag = compact.etag(version=version, key=key, fresh_until=listing.fresh_until)
    if if_none_match and compact.matches(if_none_match, tag):
        return _not_modified(tag, changed_at)
    body = {
        "time_zone": tz.key,
        "service": {"slug": service.slug, "name": service.name, "duration_minutes": service.duration_minutes},
        **compact.compact_days(listing.times, listing.names, tz=tz, first_day=first_day, days=q.days),
    }
    content = orjson.dumps(body)
    compact.keep_answer(
        version=version, key=key, tag=tag, fresh_until=listing.fresh_until, body=content, now=now
    )
    return _with_validators(HttpResponse(content, content_type="application/json"), tag, changed_at)


def _with_validators(response: HttpResponse, tag: str, changed_at: datetime | None) -> HttpResponse:
    response["ETag"] = tag
    if changed_at is not None:
        response["Last-Modified"] = http_date(changed_at.timestamp())
    return response


def _not_modified(tag: str, changed_at: datetime | None) -> HttpResponse:
    return _with_validators(HttpResponseNotModified(), tag, changed_at)


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
