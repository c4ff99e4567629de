"""The therapist's day and week, marking sessions, home-care plans, and the patient's plans page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from bookings import services as booking_services
from bookings.desk.day import next_working_day
from bookings.models import Appointment, Status
from bookings.selectors import clinic_zone
from clinic.audit.access import reads_health_data
from clinic.audit.models import AccessKind
from clinic.errors import error_text, show_error
from clinic.models import Therapist

from ..models import HomeCarePlan, PlanItem
from ..permissions import get_record_or_404, intake_readable_patient_ids, plans_visible_to, record_reads
from ..review.restrictions import appointments_with_restrictions, restriction_reasons, restrictions_for
from .forms import DAY, WEEK, MarkForm, PlanForm, TherapistDayForm, plan_item_formset
from .services import PLANNABLE_STATUSES, plan_assign, plan_techniques

# The sessions of a therapist's day: booked or done. Unfinished holds and cancelled, declined,
# refused or expired bookings are not sessions.
DAY_STATUSES = (Status.PENDING_REVIEW, Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW)


def _therapist_or_404(user) -> Therapist:
    """The signed-in user's therapist record, with their calendar link (if any) in the same query."""
    therapist = Therapist.objects.select_related("calendar_feed").filter(user=user).first()
    if therapist is None:
        raise Http404
    return therapist


def _has_calendar_feed(therapist: Therapist) -> bool:
    try:
        return therapist.calendar_feed is not None
    except ObjectDoesNotExist:
        return False


def _local_today() -> date:
    return timezone.now().astimezone(clinic_zone()).date()


def _day_url(day: date, view: str) -> str:
    return f"{reverse('intake:therapist-day')}?{urlencode({'date': day.isoformat(), 'view': view})}"


@dataclass(frozen=True)
class DayRow:
    appointment: Appointment
    restrictions: list[str]
    can_mark: bool
    can_plan: bool
    can_read_intake: bool = False


def _plans_prefetch() -> Prefetch:
    return Prefetch("items", queryset=PlanItem.objects.select_related("technique").order_by("pk"))


def _day_rows(request, appointments) -> list[DayRow]:
    """The rows of the therapist's day for `appointments` (already scoped to the therapist), each
    patient recorded as read; a fixed number of queries whatever the rows."""
    appointments = appointments_with_restrictions(
        appointments.select_related("patient", "service")
        .annotate(has_plan=Exists(HomeCarePlan.objects.filter(appointment=OuterRef("pk"))))
        .order_by("start", "pk")
    )
    record_reads(request, kind=AccessKind.DAY, records=appointments)
    readable = intake_readable_patient_ids(request.user, {a.patient_id for a in appointments})
    now = timezone.now()
    return [
        DayRow(
            appointment=appointment,
            restrictions=restrictions_for(appointment),
            # A visit completed on its own after it ended can still be marked a no-show.
            can_mark=(appointment.status == Status.CONFIRMED and appointment.start <= now)
            or appointment.status == Status.COMPLETED,
            can_plan=appointment.status in PLANNABLE_STATUSES,
            can_read_intake=appointment.patient_id in readable,
        )
        for appointment in appointments
    ]


@login_required
@reads_health_data
def therapist_day(request):
    """The signed-in therapist's own appointments for a day or a Monday-to-Sunday week, in clinic time,
    each with its screening outcome and the techniques ruled out; a fixed number of queries. Each
    patient shown is recorded as read."""
    therapist = _therapist_or_404(request.user)
    form = TherapistDayForm(request.GET or None)
    day, view = None, DAY
    if form.is_bound:
        if form.is_valid():
            day = form.cleaned_data["date"]
            view = form.cleaned_data["view"] or DAY
        else:
            messages.error(request, "That date or view could not be read; showing today.")
    if day is None:  # today, or this therapist's next working day when they do not work today
        day, _ = next_working_day(_local_today(), therapist=therapist)
    first = day - timedelta(days=day.weekday()) if view == WEEK else day
    days = 7 if view == WEEK else 1
    tz = clinic_zone()
    start = datetime.combine(first, time.min, tzinfo=tz)
    end = datetime.combine(first + timedelta(days=days), time.min, tzinfo=tz)
    rows = _day_rows(
        request,
        Appointment.objects.for_therapist(therapist).filter(
            status__in=DAY_STATUSES, start__gte=start, start__lt=end
        ),
    )
    by_day: dict[date, list[DayRow]] = {first + timedelta(days=i): [] for i in range(days)}
    for row in rows:
        by_day[row.appointment.start.astimezone(tz).date()].append(row)
    step = timedelta(days=days)
    return render(
        request,
        "intake/therapist_day.html",
        {
            "therapist": therapist,
            "form": form,
            "view": view,
            "day": day,
            "first": first,
            "last": first + timedelta(days=days - 1),
            "days": list(by_day.items()),
            "count": sum(len(rows) for rows in by_day.values()),
            "previous_url": _day_url(day - step, view),
            "next_url": _day_url(day + step, view),
            "today_url": _day_url(_local_today(), view),
            "day_view_url": _day_url(day, DAY),
            "week_view_url": _day_url(day, WEEK),
            "time_zone": tz.key,
            "calendar_feed_on": _has_calendar_feed(therapist),
        },
    )


def therapist_mark(request, pk: int):
    """Completed or no-show, by the appointment's own therapist (404 for anyone else). From the day
    list with htmx, the answer is the appointment's row alone, redrawn with what was recorded (or why
    not) for the list to swap in, its read recorded as the day list's is (`_day_rows`); without
    JavaScript, back to the day with the same message. (Not @reads_health_data: that check is for
    pages reached by GET.) Signed out meanwhile, htmx is told to load the login page as a whole page,
    not to put it in the row."""
    if not request.user.is_authenticated:
        login = redirect_to_login(reverse("intake:therapist-day"))
        return HttpResponseClientRedirect(login["Location"]) if request.htmx else login
    return _therapist_mark(request, pk)


@require_POST
def _therapist_mark(request, pk: int):
    appointment = get_object_or_404(
        Appointment.objects.select_related("patient"), pk=pk, therapist__user=request.user
    )
    form = MarkForm(request.POST)
    view = DAY
    ok, notice = False, "Choose completed or no-show."
    if form.is_valid():
        view = form.cleaned_data["view"] or DAY
        try:
            booking_services.appointment_mark(
                appointment=appointment, to=form.cleaned_data["to"], by=request.user
            )
        except booking_services.BookingError as exc:
            notice = error_text(exc)
        else:
            local = appointment.start.astimezone(clinic_zone())
            ok = True
            notice = (
                f"{appointment.patient} at {local:%H:%M} is marked "
                f"{appointment.get_status_display().lower()}."
            )
    if request.htmx:
        (row,) = _day_rows(request, Appointment.objects.filter(pk=appointment.pk))
        return render(
            request,
            "intake/therapist_day_row.html",
            {"row": row, "view": view, "row_notice": notice, "row_notice_ok": ok},
        )
    (messages.success if ok else messages.error)(request, notice)
    return redirect(_day_url(appointment.start.astimezone(clinic_zone()).date(), view))


@login_required
@reads_health_data
def plan_assign_page(request, pk: int):
    """After a session the appointment's own therapist assigns a home-care plan (404 for anyone else)."""
    appointment = get_record_or_404(
        request,
        Appointment.objects.select_related("patient", "service", "therapist", "screening"),
        kind=AccessKind.PLAN,
        pk=pk,
        therapist__user=request.user,
    )
    techniques = list(plan_techniques())
    ruled_out = restriction_reasons(appointment)
    plannable = appointment.status in PLANNABLE_STATUSES
    data = request.POST if request.method == "POST" else None
    form = PlanForm(data)
    formset = plan_item_formset(data, techniques=techniques, ruled_out=ruled_out)
    status = 200
    if request.method == "POST":
        status = 400
        if not plannable:
            messages.error(request, "A plan can follow only a confirmed or completed appointment.")
        elif form.is_valid() and formset.is_valid():
            try:
                plan_assign(
                    appointment=appointment,
                    by=request.user,
                    note=form.cleaned_data["note"],
                    items=formset.items(),
                )
            except ValidationError as exc:
                show_error(request, exc)
            else:
                messages.success(request, f"The plan is saved and {appointment.patient} has been emailed.")
                return redirect("intake:plan-assign", pk=appointment.pk)
        else:
            messages.error(request, "Please check the rows marked below; nothing was saved yet.")
    plans = (
        HomeCarePlan.objects.filter(appointment=appointment)
        .prefetch_related(_plans_prefetch())
        .order_by("-created_at", "-pk")
    )
    return render(
        request,
        "intake/plan_assign.html",
        {
            "appointment": appointment,
            "form": form,
            "formset": formset,
            "plannable": plannable,
            "restrictions": restrictions_for(appointment),
            "plans": plans,
            "back_url": _day_url(appointment.start.astimezone(clinic_zone()).date(), DAY),
        },
        status=status,
    )


@login_required
def my_plans(request):
    """The signed-in patient's own home-care plans, newest first; a fixed number of queries."""
    plans = (
        plans_visible_to(request.user)
        .select_related("therapist", "appointment__service")
        .prefetch_related(_plans_prefetch())
        .order_by("-created_at", "-pk")
    )
    return render(request, "intake/plan_mine.html", {"plans": plans})
