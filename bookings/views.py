from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST, require_safe

from clinic.audit.access import reads_health_data
from clinic.errors import error_text, show_error
from clinic.models import ClinicPolicy, ClinicProfile, Therapist

from . import extensions, permissions, selectors, services, visitor_choice
from .desk import day as desk_day
from .errors import BookingError
from .forms import CancelForm, DayListFilterForm, FrontDeskBookingForm, SlotChoiceForm
from .ics import appointment_ics
from .models import ACTIVE_STATUSES, Appointment, Service, Status
from .picker_views import render_slot_page, slot_picker_context
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
    page_url: str,
    extra_error: str | None = None,
    default_day: date | None = None,
    default_therapist: Therapist | None = None,
    for_staff: bool = False,
) -> dict:
    """The slot picker of the booking and rescheduling pages (`picker_views.slot_picker_context`)."""
    context = slot_picker_context(
        request,
        service,
        page_url=page_url,
        action_url=action_url,
        default_day=default_day,
        default_therapist=default_therapist,
        for_staff=for_staff,
    )
    context["error"] = extra_error
    return context


def _service_slot_context(request, service: Service, *, extra_error: str | None = None) -> dict:
    return _slot_context(
        request,
        service,
        action_url=reverse("bookings:hold", args=[service.slug]),
        page_url=reverse("bookings:service-slots", args=[service.slug]),
        extra_error=extra_error,
    )


def service_slots(request, slug: str):
    service = get_object_or_404(Service.objects.active(), slug=slug)
    return render_slot_page(request, "bookings/slot_list.html", _service_slot_context(request, service))


@require_POST
def hold(request, slug: str):
    """Hold the posted slot. A visitor's pick is kept while they log in or sign up
    (`visitor_choice`), then held for them."""
    service = get_object_or_404(Service.objects.active(), slug=slug)
    form = SlotChoiceForm(request.POST)
    if not request.user.is_authenticated:
        return _keep_visitor_choice(request, service, form)
    if not hold_attempt_allowed(request):
        messages.error(request, HOLD_RATE_LIMITED_MESSAGE)
        response = render_slot_page(
            request, "bookings/slot_list.html", _service_slot_context(request, service), status=429
        )
        response["Retry-After"] = hold_retry_after()
        return response
    if form.is_valid():
        try:
            appointment = services.appointment_book_choice(
                patient=request.user,
                service=service,
                start=form.cleaned_data["start"],
                therapist_id=form.cleaned_data["therapist"],
            )
        except services.BookingError as exc:
            error = error_text(exc)
        else:
            messages.success(request, HELD_MESSAGE)
            return redirect(_after_hold_url(appointment))
    else:
        error = next(iter(form.errors.values()))[0]
    messages.error(request, error)
    context = _service_slot_context(request, service, extra_error=error)
    return render(request, "bookings/slot_list.html", context, status=409)


HELD_MESSAGE = "We are holding this time while you answer a few health questions. It is not confirmed yet."


def _keep_visitor_choice(request, service: Service, form: SlotChoiceForm):
    if not form.is_valid():
        error = next(iter(form.errors.values()))[0]
        messages.error(request, error)
        return render(request, "bookings/slot_list.html", _service_slot_context(request, service), status=409)
    start = form.cleaned_data["start"]
    visitor_choice.remember(
        request, service=service, start=start, therapist_id=form.cleaned_data["therapist"]
    )
    local = timezone.localtime(start, selectors.clinic_zone())
    messages.info(
        request,
        f"Log in or create an account to hold {local:%H:%M} on {local:%A} {local.day} {local:%B} for you. "
        "We will hold it as soon as you are signed in.",
    )
    resume = reverse("bookings:hold-resume", args=[service.slug])
    return redirect(f"{reverse('account_login')}?{urlencode({'next': resume})}")


@login_required
@require_safe
def hold_resume(request, slug: str):
    """Where a visitor lands after logging in or signing up: the slot they picked, held (its next step),
    or why it could not be, with the same day's times."""
    outcome = request.session.pop(visitor_choice.OUTCOME_KEY, None)
    if not isinstance(outcome, dict) or not url_has_allowed_host_and_scheme(
        outcome.get("url", ""), allowed_hosts=None
    ):
        return redirect("bookings:service-slots", slug=slug)
    if outcome.get("appointment"):
        messages.success(request, HELD_MESSAGE)
    else:
        messages.error(request, outcome.get("error") or "That time could not be held.")
    return redirect(outcome["url"])


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
            "policy": ClinicPolicy.get(),
            "panels": extensions.appointment_panels(appointment, request.user),
        },
    )


def _cancel_page(request, appointment: Appointment, form: CancelForm, *, status: int = 200):
    context = {
        "appointment": appointment,
        "form": form,
        "policy": ClinicPolicy.get(),
        "is_own": permissions.is_own_appointment(request.user, appointment),
    }
    return render(request, "bookings/appointment_cancel.html", context, status=status)


@login_required
def appointment_cancel(request, pk: int):
    """Cancelling asks first: the page states the cancellation policy; the POST cancels."""
    appointment = _get_changeable(request, pk)
    if request.method != "POST":
        if not permissions.can_change_appointment(request.user, appointment):
            messages.error(
                request,
                f"This appointment can no longer be cancelled online. {ClinicProfile.get().phone_the_clinic}",
            )
            return redirect(appointment)
        return _cancel_page(request, appointment, CancelForm())
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The reason is too long (300 characters at most).")
        return _cancel_page(request, appointment, form, status=400)
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
            therapist_id = form.cleaned_data["therapist"]
            therapist = Therapist.objects.filter(pk=therapist_id).first() if therapist_id else None
            try:
                if therapist_id is None:
                    services.appointment_reschedule_any(
                        appointment=appointment, start=form.cleaned_data["start"], by=request.user
                    )
                elif therapist is None:
                    raise services.BookingError(
                        "That therapist could not be found.", code="unknown_therapist"
                    )
                else:
                    services.appointment_reschedule(
                        appointment=appointment,
                        start=form.cleaned_data["start"],
                        therapist=therapist,
                        by=request.user,
                    )
            except services.BookingError as exc:
                error = error_text(exc) if is_own else _for_staff(exc, appointment.patient)
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
        page_url=action,
        extra_error=error,
        default_day=appointment.start.astimezone(selectors.clinic_zone()).date(),
        default_therapist=appointment.therapist,
        for_staff=not is_own,
    )
    context["appointment"] = appointment
    context["is_own"] = is_own
    return render_slot_page(request, "bookings/slot_list.html", context, status=status)


@login_required
def appointment_ics_download(request, pk: int):
    appointment = _get_visible(request, pk)
    response = HttpResponse(appointment_ics(appointment), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="appointment-{appointment.pk}.ics"'
    return response


def _day_list_url(**params) -> str:
    return f"{reverse('bookings:front-desk-day')}?{urlencode({k: v for k, v in params.items() if v})}"


@login_required
def front_desk_day(request):
    """The desk's day (or week) across therapists: counts per status, closures and time off marked.
    Without a date it opens on today, or on the next working day when the clinic is closed today."""
    if not permissions.can_manage_appointments(request.user):
        raise PermissionDenied
    form = DayListFilterForm(request.GET or None)
    today = _local_today()
    day, therapist, status, week = None, None, "", False
    if form.is_bound and form.is_valid():
        day = form.cleaned_data["date"]
        therapist = form.cleaned_data["therapist"]
        status = form.cleaned_data["status"]
        week = form.cleaned_data["view"] == "week"
    elif form.is_bound:
        messages.error(request, "Some filters could not be read; showing today for everyone.")
    if day is None:
        day, reason = desk_day.next_working_day(today)
        if day != today:
            why = f" ({reason})" if reason else ""
            messages.info(
                request,
                f"The clinic is closed today{why}. Showing {day:%A} {day.day} {day:%B}, the next working day.",
            )
    if not form.is_bound or form.is_valid():  # the date box shows the day on the page
        form = DayListFilterForm({**form.data.dict(), "date": day.isoformat()})
        form.is_valid()
    first, last = desk_day.week_of(day) if week else (day, day)
    sheets, counts = desk_day.day_sheets(first=first, last=last, therapist=therapist, status=status)
    keep = {"therapist": therapist.pk if therapist else "", "status": status, "view": "week" if week else ""}
    step = timedelta(days=7 if week else 1)
    return render(
        request,
        "bookings/front_desk_day.html",
        {
            "form": form,
            "day": day,
            "first": first,
            "last": last,
            "week": week,
            "today": today,
            "sheets": sheets,
            # Who can be marked arrived: today's booked visits not marked yet (`appointment_mark_arrived`).
            "arrivable": {
                a.pk
                for sheet in sheets
                if sheet.day == today
                for a in sheet.appointments
                if a.arrived_at is None and a.status in services.ARRIVAL_STATUSES
            },
            "counts": [
                {
                    "status": c.status,
                    "label": c.label,
                    "count": c.count,
                    "url": _day_list_url(**{**keep, "status": c.status}, date=day.isoformat()),
                }
                for c in counts
            ],
            "total": sum(c.count for c in counts),
            "status": status,
            "previous_url": _day_list_url(**keep, date=(day - step).isoformat()),
            "next_url": _day_list_url(**keep, date=(day + step).isoformat()),
            "today_url": _day_list_url(**keep, date=today.isoformat()),
            "day_view_url": _day_list_url(**{**keep, "view": ""}, date=day.isoformat()),
            "week_view_url": _day_list_url(**{**keep, "view": "week"}, date=day.isoformat()),
            "all_statuses_url": _day_list_url(**{**keep, "status": ""}, date=day.isoformat()),
        },
    )


def _for_staff(error: BookingError, patient) -> str:
    """A refusal as the staff member reads it: the patient is "they", not "you"."""
    if error.code == "patient_busy":
        return f"{patient} already has an appointment at this time. Pick another time."
    return error_text(error)


def _choice_form(request) -> tuple[FrontDeskBookingForm, bool]:
    """The patient and service from the query, and whether both are chosen and valid. A choice not
    made yet is not an error (the patient search links here with the patient alone); a choice made
    and wrong is said on its field."""
    form = FrontDeskBookingForm(request.GET or None)
    if not form.is_bound:
        return form, False
    if form.is_valid():
        return form, True
    for name in list(form.errors):
        if name not in request.GET:
            del form.errors[name]
    return form, False


@login_required
def front_desk_book(request):
    """Book for a patient with the patients' own slot picker (the same engine): choose the patient and
    the service, then a therapist or anyone and a day, and click a free time. A time taken meanwhile is
    said on the same page, with every choice kept (409)."""
    if not permissions.can_manage_appointments(request.user):
        raise PermissionDenied
    choice, chosen = _choice_form(request)
    page_url = reverse("bookings:front-desk-book")
    if not chosen:
        status = 200
        if request.method == "POST":
            messages.error(request, "Choose the patient and the service again, then click a time.")
            status = 400
        patient = getattr(choice, "patient", None)
        return render(
            request,
            "bookings/front_desk_book.html",
            {"choice": choice, "for_patient": patient},
            status=status,
        )
    patient, service = choice.patient, choice.cleaned_data["service"]
    status = 200
    if request.method == "POST":
        form = SlotChoiceForm(request.POST)
        if form.is_valid():
            try:
                therapist = _posted_therapist(form.cleaned_data["therapist"])
                # The patient still answers the health questions; until then the booking waits for review.
                appointment = services.appointment_book_for_review(
                    patient=patient,
                    service=service,
                    therapist=therapist,
                    start=form.cleaned_data["start"],
                    by=request.user,
                )
            except BookingError as exc:
                messages.error(request, _for_staff(exc, patient))
                status = 409
            else:
                local = timezone.localtime(appointment.start, selectors.clinic_zone())
                messages.success(
                    request,
                    f"Booked for {patient}: {local:%A} {local.day} {local:%B} at {local:%H:%M} with "
                    f"{appointment.therapist.display_name}. It waits for review until the patient's "
                    "health form is in; they are emailed a link to it.",
                )
                return redirect(appointment)
        else:
            messages.error(request, next(iter(form.errors.values()))[0])
            status = 400
    context = slot_picker_context(
        request,
        service,
        page_url=page_url,
        action_url=page_url,
        keep={"patient": choice.cleaned_data["patient"], "service": service.slug},
        for_staff=True,
    )
    context.update(choice=choice, for_patient=patient)
    return render_slot_page(request, "bookings/front_desk_book.html", context, status=status)


def _posted_therapist(therapist_id: int | None) -> Therapist | None:
    """The therapist a slot button posted (None: any therapist)."""
    if therapist_id is None:
        return None
    therapist = Therapist.objects.filter(pk=therapist_id).first()
    if therapist is None:
        raise BookingError(
            "That therapist could not be found; please pick a time again.", code="unknown_therapist"
        )
    return therapist


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
