"""The JSON API under /api/v1/ (django-ninja; OpenAPI schema at /api/v1/openapi.json).

Every error is JSON `{"code": ..., "message": ...}` with a 4xx status; bad input never gives a 500.
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from ninja import Field, NinjaAPI, Query, Schema
from ninja import Status as NinjaStatus
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import django_auth

from clinic.models import Therapist

from . import extensions, selectors, services
from .models import Appointment, Service
from .throttle import HOLD_RATE_LIMITED_MESSAGE, hold_attempt_allowed, hold_retry_after

api = NinjaAPI(
    title="Clinic booking API",
    version="1",
    description="Availability and appointments of the clinic. Times are ISO-8601 with a UTC offset.",
    docs_url=None,
    urls_namespace="api-v1",
)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class ErrorOut(Schema):
    code: str
    message: str


def _error(request, status: int, code: str, message: str):
    return api.create_response(request, {"code": code, "message": message}, status=status)


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return _error(request, exc.status, exc.code, exc.message)


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
    return _error(request, exc.status_code, "error", str(exc))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, "not_found", "Not found.")


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


class AvailabilityQuery(Schema):
    service: str = Field(..., description="The service's slug, e.g. psoas-release-60.")
    therapist: int | None = Field(None, description="A therapist's id; leave out for any therapist.")
    from_: date | None = Field(
        None, alias="from", description="First local date (YYYY-MM-DD); default today."
    )
    days: int = Field(7, ge=1, le=62, description="How many days, 1 to 62.")


def get_service(slug: str) -> Service:
    service = Service.objects.active().filter(slug=slug).first()
    if service is None:
        raise ApiError(400, "unknown_service", f"There is no bookable service called '{slug}'.")
    return service


def get_therapist(therapist_id: int | None, service: Service) -> Therapist | None:
    if therapist_id is None:
        return None
    therapist = Therapist.objects.filter(pk=therapist_id, active=True, services=service).first()
    if therapist is None:
        raise ApiError(
            400, "unknown_therapist", "That therapist does not exist or does not offer this service."
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

BOOKING_ERROR_STATUS = {
    "slot_taken": 409,
    "slot_unavailable": 409,
    "patient_busy": 409,
    "outside_window": 409,
    "invalid_transition": 409,
    "expired": 409,
    "too_many_holds": 409,
    "unknown_service": 400,
    "unknown_therapist": 400,
    "invalid_start": 400,
}


class AppointmentIn(Schema):
    service: str = Field(..., description="The service's slug.")
    therapist: int
    start: datetime = Field(..., description="ISO-8601 with a UTC offset, e.g. 2026-06-02T09:00:00+01:00.")


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


def _booking_error(exc) -> ApiError:
    code = getattr(exc, "code", None) or "invalid"
    return ApiError(BOOKING_ERROR_STATUS.get(code, 400), code, exc.messages[0])


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
        raise ApiError(400, "invalid_start", "The start time needs a UTC offset, e.g. +01:00 or Z.")
    service = get_service(payload.service)
    therapist = get_therapist(payload.therapist, service)
    key = request.headers.get("Idempotency-Key", "")
    if len(key) > 100:
        raise ApiError(
            400, "invalid_idempotency_key", "The Idempotency-Key header is 100 characters at most."
        )
    try:
        appointment = services.appointment_book(
            patient=request.user,
            service=service,
            therapist=therapist,
            start=payload.start,
            idempotency_key=key,
        )
    except services.BookingError as exc:
        raise _booking_error(exc) from exc
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
        raise ApiError(404, "not_found", "No such appointment.")
    try:
        services.appointment_cancel(
            appointment=appointment, by=request.user, reason=payload.reason if payload else ""
        )
    except services.BookingError as exc:
        raise _booking_error(exc) from exc
    appointment = Appointment.objects.select_related("service", "therapist").get(pk=appointment.pk)
    return NinjaStatus(200, appointment_out(appointment))
