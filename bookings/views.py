from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe

from clinic.audit.access import reads_health_data
from clinic.errors import error_text, show_error
from clinic.models import ClinicPolicy, ClinicProfile, Therapist

from . import extensions, permissions, selectors, services
from .forms import CancelForm, DayListFilterForm, DayPickForm, FrontDeskBookingForm, SlotChoiceForm
from .ics import appointment_ics
from .models import ACTIVE_STATUSES, Appointment, Service, Status
from .throttle import HOLD_RATE_LIMITED_MESSAGE, hold_attempt_allowed, hold_retry_after


def service_list(request):
    services_ = Service.objects.active()
    return render(request, "bookings/service_list.html", {"services": services_})


def _local_today() -> date:
    return timezone.now().astimezone(selectors.clinic_zone()).date()


def _slot_context(
    request,
    service: Service,
    *,
    action_url: str,
    extra_error: str | None = None,
    default_day: date | None = None,
    default_therapist: Therapist | None = None,
) -> dict:
    """The day picker and the free slots of one day, shared by booking and rescheduling. The defaults
    apply until the visitor chooses otherwise ("Any therapist" is a choice too)."""
    params = request.GET.copy()
    if default_day and "date" not in params:
        params["date"] = max(default_day, _local_today()).isoformat()
    if (
        default_therapist
        and "therapist" not in params
        and service.therapists.filter(pk=default_therapist.pk, active=True).exists()
    ):
        params["therapist"] = str(default_therapist.pk)
    form = DayPickForm(params or None, service=service)
    therapist = None
    day = _local_today()
    if form.is_bound:
        if form.is_valid():
            day = form.cleaned_data["date"] or day
            if form.cleaned_data["therapist"]:
                therapist = Therapist.objects.filter(pk=form.cleaned_data["therapist"]).first()
        else:
            if form.data.get("date") and "date" in form.errors:
                messages.error(request, "That day could not be read; showing today instead.")
            if "therapist" in form.errors:
                messages.error(request, "That therapist is not available for this service; showing everyone.")
    slots = selectors.free_slots(service=service, therapist=therapist, first_day=day, days=1)
    chosen = request.GET.get("start", "")
    return {
        "service": service,
        "form": form,
        "day": day,
        "previous_day": day - timedelta(days=1) if day > _local_today() else None,
        "next_day": day + timedelta(days=1),
        "therapist": therapist,
        "slots": slots,
        "chosen_start": chosen,
        "action_url": action_url,
        "error": extra_error,
        "query": {"therapist": therapist.pk if therapist else "", "date": day.isoformat()},
    }


def service_slots(request, slug: str):
    service = get_object_or_404(Service.objects.active(), slug=slug)
    context = _slot_context(request, service, action_url=reverse("bookings:hold", args=[slug]))
    context["login_url"] = f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}"
    context["signup_url"] = f"{reverse('account_signup')}?{urlencode({'next': request.get_full_path()})}"
    return render(request, "bookings/slot_list.html", context)


@login_required
@require_POST
def hold(request, slug: str):
    service = get_object_or_404(Service.objects.active(), slug=slug)
    if not hold_attempt_allowed(request):
        messages.error(request, HOLD_RATE_LIMITED_MESSAGE)
        context = _slot_context(request, service, action_url=reverse("bookings:hold", args=[slug]))
        response = render(request, "bookings/slot_list.html", context, status=429)
        response["Retry-After"] = hold_retry_after()
        return response
    form = SlotChoiceForm(request.POST)
    error = None
    if form.is_valid():
        therapist = Therapist.objects.filter(pk=form.cleaned_data["therapist"]).first()
        if therapist is None:
            error = "That therapist could not be found; please pick a slot again."
        else:
            try:
                appointment = services.appointment_book(
                    patient=request.user,
                    service=service,
                    therapist=therapist,
                    start=form.cleaned_data["start"],
                )
            except services.BookingError as exc:
                error = error_text(exc)
            else:
                url = _after_hold_url(appointment)
                messages.success(
                    request,
                    "We are holding this time while you answer a few health questions. "
                    "It is not confirmed yet.",
                )
                return redirect(url)
    else:
        error = next(iter(form.errors.values()))[0]
    messages.error(request, error)
    context = _slot_context(
        request, service, action_url=reverse("bookings:hold", args=[slug]), extra_error=error
    )
    return render(request, "bookings/slot_list.html", context, status=409)


def _after_hold_url(appointment: Appointment) -> str:
    """A new hold goes on to the step another app registered (the health form), else to its own page."""
    return extensions.next_step_url(appointment) or appointment.get_absolute_url()


def _get_visible(request, pk: int) -> Appointment:
    return get_object_or_404(
        Appointment.objects.visible_to(request.user).select_related("therapist", "service", "patient"), pk=pk
    )


def _get_changeable(request, pk: int) -> Appointment:
    """An appointment the user may ask to change; 404 for anyone else, even if they may see it."""
    appointment = _get_visible(request, pk)
    if not permissions.can_request_change(request.user, appointment):
        raise Http404
    return appointment


@login_required
def my_appointments(request):
    now = timezone.now()
    mine = Appointment.objects.filter(patient=request.user).select_related("therapist", "service")
    upcoming = (
        mine.filter(status__in=ACTIVE_STATUSES, end__gte=now)
        .exclude(status=Status.HELD, hold_expires_at__lte=now)
        .order_by("start")
    )
    past = mine.exclude(pk__in=upcoming.values("pk")).order_by("-start")[:50]
    return render(
        request,
        "bookings/appointment_list.html",
        {"upcoming": list(upcoming), "past": list(past), "policy": ClinicPolicy.get()},
    )


@login_required
@reads_health_data
def appointment_detail(request, pk: int):
    """One appointment, for its patient and the staff who may see it (404 for anyone else)."""
    appointment = permissions.read_appointment_or_404(
        request,
        Appointment.objects.visible_to(request.user).select_related("therapist", "service", "patient"),
        pk,
    )
    return render(
        request,
        "bookings/appointment_detail.html",
        {
            "appointment": appointment,
            "can_change": permissions.can_change_appointment(request.user, appointment),
            "is_own": permissions.is_own_appointment(request.user, appointment),
            "cancel_form": CancelForm(),
            "policy": ClinicPolicy.get(),
            "panels": extensions.appointment_panels(appointment, request.user),
        },
    )


@login_required
@require_POST
def appointment_cancel(request, pk: int):
    appointment = _get_changeable(request, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The reason is too long (300 characters at most).")
        return redirect(appointment)
    try:
        services.appointment_cancel(
            appointment=appointment,
            by=request.user,
            reason=form.cleaned_data["reason"],
        )
    except services.BookingError as exc:
        show_error(request, exc)
    else:
        messages.success(request, "The appointment is cancelled. A confirmation email is on its way.")
    return redirect(appointment)


@login_required
def appointment_reschedule(request, pk: int):
    appointment = _get_changeable(request, pk)
    is_own = appointment.patient_id == request.user.pk
    action = reverse("bookings:appointment-reschedule", args=[pk])
    status = 200
    error = None
    if not permissions.can_change_appointment(request.user, appointment):
        messages.error(
            request,
            f"This appointment can no longer be moved online. {ClinicProfile.get().phone_the_clinic}",
        )
        return redirect(appointment)
    if request.method == "POST":
        form = SlotChoiceForm(request.POST)
        if form.is_valid():
            therapist = Therapist.objects.filter(pk=form.cleaned_data["therapist"]).first()
            try:
                if therapist is None:
                    raise services.BookingError(
                        "That therapist could not be found.", code="unknown_therapist"
                    )
                services.appointment_reschedule(
                    appointment=appointment,
                    start=form.cleaned_data["start"],
                    therapist=therapist,
                    by=request.user,
                )
            except services.BookingError as exc:
                error = error_text(exc)
            else:
                if is_own:
                    messages.success(
                        request, "Your appointment has moved. An updated calendar entry is on its way."
                    )
                else:
                    messages.success(
                        request,
                        f"The appointment has moved. {appointment.patient} is emailed the new time "
                        "with an updated calendar entry.",
                    )
                return redirect(appointment)
        else:
            error = next(iter(form.errors.values()))[0]
        messages.error(request, error)
        status = 409
    # A move keeps the therapist and the day unless someone picks others: staff moving a booking
    # must not change the patient's therapist by accident.
    context = _slot_context(
        request,
        appointment.service,
        action_url=action,
        extra_error=error,
        default_day=appointment.start.astimezone(selectors.clinic_zone()).date(),
        default_therapist=appointment.therapist,
    )
    context["appointment"] = appointment
    context["is_own"] = is_own
    return render(request, "bookings/slot_list.html", context, status=status)


@login_required
def appointment_ics_download(request, pk: int):
    appointment = _get_visible(request, pk)
    response = HttpResponse(appointment_ics(appointment), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="appointment-{appointment.pk}.ics"'
    return response


@login_required
def front_desk_day(request):
    if not permissions.can_manage_appointments(request.user):
        raise PermissionDenied
    form = DayListFilterForm(request.GET or None)
    day = _local_today()
    qs = Appointment.objects.select_related("therapist", "service", "patient").order_by("start", "therapist")
    if form.is_bound and form.is_valid():
        day = form.cleaned_data["date"] or day
        if form.cleaned_data["therapist"]:
            qs = qs.filter(therapist=form.cleaned_data["therapist"])
        if form.cleaned_data["status"]:
            qs = qs.filter(status=form.cleaned_data["status"])
    elif form.is_bound:
        messages.error(request, "Some filters could not be read; showing today for everyone.")
    tz = selectors.clinic_zone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    appointments = list(qs.filter(start__gte=start, start__lt=start + timedelta(days=1)))
    return render(
        request,
        "bookings/front_desk_day.html",
        {"form": form, "day": day, "appointments": appointments},
    )


@login_required
def front_desk_book(request):
    if not permissions.can_manage_appointments(request.user):
        raise PermissionDenied
    form = FrontDeskBookingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            # The patient still answers the health questions; until then the booking waits for review.
            appointment = services.appointment_book_for_review(
                patient=form.patient,
                service=form.cleaned_data["service"],
                therapist=form.cleaned_data["therapist"],
                start=form.cleaned_data["start"],
                by=request.user,
            )
        except services.BookingError as exc:
            show_error(request, exc, form=form)
        else:
            messages.success(
                request,
                f"Booked for {form.patient}. It waits for review until the patient's health form is in.",
            )
            return redirect(appointment)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "bookings/front_desk_book.html", {"form": form}, status=status)


@require_safe
def therapist_list(request):
    """Everyone patients can book, with photo, licence and what they offer."""
    therapists = list(selectors.public_therapists())
    return render(
        request, "bookings/therapist_list.html", {"therapists": therapists, "today": _local_today()}
    )


@require_safe
def therapist_detail(request, therapist_id: int):
    """One therapist's page: who they are, their licence as of today, and their next free times for one
    of their services (`?service=<slug>`, else the first), each a link into the booking page."""
    therapist = get_object_or_404(selectors.public_therapists(), pk=therapist_id)
    offered = therapist.offered
    service = next(
        (s for s in offered if s.slug == request.GET.get("service")), offered[0] if offered else None
    )
    free_days = []
    if service is not None:
        free_days = [
            (
                free.day,
                [
                    (
                        slot.start,
                        reverse("bookings:service-slots", args=[service.slug])
                        + "?"
                        + urlencode(
                            {
                                "therapist": therapist.pk,
                                "date": free.day.isoformat(),
                                "start": slot.start.isoformat(),
                            }
                        ),
                    )
                    for slot in free.slots
                ],
            )
            for free in selectors.next_free_days(service=service, therapist=therapist)
        ]
    return render(
        request,
        "bookings/therapist_detail.html",
        {
            "therapist": therapist,
            "service": service,
            "free_days": free_days,
            "today": _local_today(),
            "day_url": reverse("bookings:service-slots", args=[service.slug]) + f"?therapist={therapist.pk}"
            if service
            else "",
        },
    )


@require_safe
def services_and_prices(request):
    return render(
        request,
        "bookings/services.html",
        {"services": list(selectors.public_services()), "policy": ClinicPolicy.get()},
    )
