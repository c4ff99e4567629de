"""The clinic tablet ("kiosk"): the desk starts a patient's health form or check-in (`kiosk_start_page`),
the tablet takes the one-time code (`kiosk_enter`) and shows that form and nothing else. See `kiosk`
for how the pass is kept safe. Nobody is signed in on the tablet: its pages know the patient only
through the pass its session holds, and they have no navigation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from bookings import permissions as booking_permissions
from bookings.models import Appointment
from bookings.selectors import clinic_zone
from clinic.audit.trail import acting_as
from clinic.errors import error_text
from clinic.outbox.emails import absolute_url
from clinic.ratelimit import client_ip, hit

from ..models import KioskForm, KioskPass
from ..screening.rules import question_wording
from . import kiosk, services
from . import questions as q
from .display import answer_sections
from .forms import STEPS, CheckInForm, HealthForm

# Codes typed on one tablet (address): enough for a few typos, far too few to guess one.
CODE_TRIES = 10
CODE_WINDOW_SECONDS = 300


# --- the desk -------------------------------------------------------------------------------------


@login_required
def kiosk_start_page(request, pk: int):
    """What the patient who arrived still has to fill in, and a button that starts it on the tablet;
    the POST shows the one-time code to type there. Anyone but the front desk and clinic admins: 404."""
    if not booking_permissions.can_manage_appointments(request.user):
        raise Http404
    appointment = get_object_or_404(
        Appointment.objects.select_related("patient", "service", "therapist"), pk=pk
    )
    status = 200
    if request.method == "POST":
        try:
            kiosk_pass, code = kiosk.kiosk_start(appointment=appointment, by=request.user)
        except kiosk.KioskError as exc:
            messages.error(request, error_text(exc))
            status = 409
        else:
            response = render(
                request,
                "intake/kiosk/code.html",
                {
                    "appointment": appointment,
                    "kiosk_pass": kiosk_pass,
                    "code": f"{code[:4]} {code[4:]}",
                    "kiosk_url": absolute_url(reverse("intake:kiosk")),
                    "minutes": kiosk.CODE_MINUTES,
                    "day_url": _day_url(appointment),
                },
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(
        request,
        "intake/kiosk/start.html",
        {
            "appointment": appointment,
            "due": kiosk.form_due(appointment),
            "arrived": appointment.arrived_at is not None,
            "day_url": _day_url(appointment),
        },
        status=status,
    )


def _day_url(appointment: Appointment) -> str:
    day = appointment.start.astimezone(clinic_zone()).date()
    return f"{reverse('bookings:front-desk-day')}?date={day.isoformat()}"


# --- the tablet -----------------------------------------------------------------------------------


@never_cache
def kiosk_enter(request):
    """The tablet's first page: type the code the desk gives. A good code empties this browser's
    session (whoever was signed in here is signed out) and opens the patient's form."""
    status = 200
    if request.method == "POST":
        if not hit("kiosk-code", client_ip(request), limit=CODE_TRIES, window_seconds=CODE_WINDOW_SECONDS):
            messages.error(
                request, "Too many codes were tried on this tablet. Wait a few minutes, then try again."
            )
            status = 429
        else:
            try:
                kiosk_pass, secret = kiosk.kiosk_redeem(code=request.POST.get("code", "")[:40])
            except kiosk.KioskError as exc:
                messages.error(request, error_text(exc))
                status = 400
            else:
                request.session.flush()  # signs out anyone signed in on this browser
                request.session[kiosk.SESSION_KEY] = {"pass": kiosk_pass.pk, "secret": secret}
                return redirect("intake:kiosk-form")
    return render(request, "intake/kiosk/enter.html", {}, status=status)


def _open_pass(request) -> KioskPass | None:
    kiosk_pass = kiosk.kiosk_current(request.session)
    if kiosk_pass is None:
        request.session.pop(kiosk.SESSION_KEY, None)
    return kiosk_pass


def _ended() -> HttpResponse:
    return redirect("intake:kiosk-done")


def _finish(request, kiosk_pass: KioskPass) -> HttpResponse:
    kiosk.kiosk_finish(kiosk_pass)
    request.session.flush()
    return redirect("intake:kiosk-done")


def _step_url(index: int, *, returning: bool = False) -> str:
    url = reverse("intake:kiosk-step", args=[index])
    return f"{url}?return=check" if returning else url


@never_cache
@require_safe
def kiosk_form(request):
    """Where the tablet's form starts or resumes: the check-in when that is what is due and the
    health form is valid, else the health form at the first step not done."""
    kiosk_pass = _open_pass(request)
    if kiosk_pass is None:
        return _ended()
    patient = kiosk_pass.appointment.patient
    if kiosk_pass.form == KioskForm.CHECK_IN and services.valid_intake_for(patient):
        return redirect("intake:kiosk-check-in")
    intake = services.intake_for_editing(patient=patient)
    if intake.step >= len(STEPS):
        return redirect("intake:kiosk-check")
    return redirect(_step_url(intake.step))


@never_cache
def kiosk_step(request, index: int):
    kiosk_pass = _open_pass(request)
    if kiosk_pass is None:
        return _ended()
    if not 0 <= index < len(STEPS):
        raise Http404
    appointment = kiosk_pass.appointment
    patient = appointment.patient
    intake = services.intake_for_editing(patient=patient)
    if index > intake.step:
        return redirect(_step_url(intake.step))
    returning = request.GET.get("return") == "check"
    form_class = STEPS[index]
    kwargs = {"answers": intake.answers, "user": patient}
    if issubclass(form_class, HealthForm):
        kwargs["wording"] = question_wording()
        kwargs["visit_date"] = appointment.start.astimezone(clinic_zone()).date()
        kwargs["visit_day_answered"] = intake.answers.get(q.VISIT_DAY_ANSWERED_FOR) == appointment.pk
    form = form_class(request.POST or None, **kwargs)
    if request.method == "POST":
        if form.is_valid():
            try:
                with acting_as(patient):
                    services.intake_save_step(
                        patient=patient, step=index, answers=form.to_answers(), appointment=appointment
                    )
            except services.IntakeError as exc:
                form.add_error(None, error_text(exc))
            else:
                if returning or index + 1 >= len(STEPS):
                    return redirect("intake:kiosk-check")
                return redirect(_step_url(index + 1))
        if not form.non_field_errors():
            messages.error(request, "Please check the answers marked below.")
    return render(
        request,
        "intake/kiosk/step.html",
        {
            "form": form,
            "appointment": appointment,
            "number": index + 1,
            "total": len(STEPS),
            "returning": returning,
        },
        status=400 if request.method == "POST" else 200,
    )


@never_cache
def kiosk_check(request):
    """The patient reads their answers once more and sends them; then the tablet goes back to the desk."""
    kiosk_pass = _open_pass(request)
    if kiosk_pass is None:
        return _ended()
    appointment = kiosk_pass.appointment
    patient = appointment.patient
    intake = services.intake_for_editing(patient=patient)
    missing = services.intake_missing_steps(intake, user=patient)
    if request.method == "POST":
        if missing or intake.pk is None:
            messages.error(request, "Some steps are not complete yet; they are marked below.")
        else:
            with acting_as(patient):
                services.intake_send(intake=intake, user=patient, appointment=appointment)
            return _finish(request, kiosk_pass)
    sections = answer_sections(intake.answers, user=patient, wording=question_wording())
    for section in sections:
        section["missing"] = section["index"] in missing
        section["change_url"] = _step_url(section["index"], returning=True)
    return render(
        request,
        "intake/kiosk/check.html",
        {"sections": sections, "missing": missing, "appointment": appointment},
        status=400 if request.method == "POST" else 200,
    )


@never_cache
def kiosk_check_in(request):
    """The two check-in questions. A change in health opens the health form, with the earlier answers."""
    kiosk_pass = _open_pass(request)
    if kiosk_pass is None:
        return _ended()
    appointment = kiosk_pass.appointment
    patient = appointment.patient
    intake = services.valid_intake_for(patient)
    if intake is None:
        return redirect("intake:kiosk-form")
    visit_date = appointment.start.astimezone(clinic_zone()).date()
    form = CheckInForm(request.POST or None, visit_date=visit_date)
    if request.method == "POST":
        if form.is_valid():
            unwell = form.cleaned_data["unwell_today"] == "yes"
            with acting_as(patient):
                if form.cleaned_data["health_changed"] == "yes":
                    services.intake_note_visit_day(patient=patient, appointment=appointment, unwell=unwell)
                    return redirect(_step_url(0))
                services.check_in_submit(
                    appointment=appointment, intake=intake, health_changed=False, unwell_today=unwell
                )
            return _finish(request, kiosk_pass)
        messages.error(request, "Please answer both questions.")
    return render(
        request,
        "intake/kiosk/check_in.html",
        {"form": form, "appointment": appointment, "intake": intake},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def kiosk_stop(request):
    """Stop on the tablet: the steps saved so far stay as the patient's draft; the tablet goes back."""
    kiosk_pass = _open_pass(request)
    if kiosk_pass is None:
        return _ended()
    return _finish(request, kiosk_pass)


@never_cache
@require_safe
def kiosk_done(request):
    """The neutral page the tablet ends on: nothing of the patient, nothing to follow."""
    request.session.pop(kiosk.SESSION_KEY, None)
    return render(request, "intake/kiosk/done.html")
