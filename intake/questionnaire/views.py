from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from bookings.models import Appointment, Status
from bookings.selectors import clinic_zone
from clinic.audit.access import reads_health_data
from clinic.errors import show_error
from clinic.models import ClinicPolicy

from ..models import Intake, ScreeningResult
from ..permissions import read_intake
from ..screening.rules import question_wording
from . import questions as q
from . import services
from .display import answer_sections
from .forms import STEPS, CheckInForm, HealthForm


def _own_appointment(request, pk: int) -> Appointment:
    return get_object_or_404(
        Appointment.objects.select_related("service", "therapist"), pk=pk, patient=request.user
    )


# The check-in answers of a hold that lapsed, kept in the session until the next check-in is sent.
CHECK_IN_KEPT = "intake_check_in_kept"


def _visit_date(appointment: Appointment):
    return appointment.start.astimezone(clinic_zone()).date()


def _step_url(step: int, appointment_id: int | None) -> str:
    url = reverse("intake:step", args=[step])
    return f"{url}?appointment={appointment_id}" if appointment_id else url


@login_required
def appointment_start(request, pk: int):
    """After a slot is held (or before a confirmed visit, from the check-in request email): the short
    check-in for a valid intake, otherwise the full form."""
    appointment = _own_appointment(request, pk)
    if not _takes_answers(appointment):
        return redirect("intake:outcome", pk=appointment.pk)
    if services.valid_intake_for(request.user):
        return redirect("intake:check-in", pk=appointment.pk)
    intake = services.intake_for_editing(patient=request.user)
    return redirect(_step_url(min(intake.step, len(STEPS) - 1), appointment.pk))


def _takes_answers(appointment: Appointment) -> bool:
    """A booking waiting for its health answers, or a confirmed visit whose check-in is open."""
    return services.appointment_needs_screening(appointment) or services.check_in_open(appointment)


def _appointment_from_query(request) -> Appointment | None:
    raw = request.GET.get("appointment") or request.POST.get("appointment")
    if not raw:
        return None
    try:
        return _own_appointment(request, int(raw))
    except ValueError as exc:
        raise Http404 from exc


def _check_answers_url(appointment: Appointment | None) -> str:
    url = reverse("intake:check-answers")
    return f"{url}?appointment={appointment.pk}" if appointment else url


@login_required
def step(request, index: int):
    if not 0 <= index < len(STEPS):
        raise Http404
    appointment = _appointment_from_query(request)
    intake = services.intake_for_editing(patient=request.user)
    if index > intake.step:
        messages.info(request, "Please finish the earlier steps first.")
        return redirect(_step_url(intake.step, appointment.pk if appointment else None))
    # Reached by a "Change" link of the check-your-answers page: saving goes back there.
    returning = request.GET.get("return") == "check"
    form_class = STEPS[index]
    kwargs = {"answers": intake.answers, "user": request.user}
    if issubclass(form_class, HealthForm):
        kwargs["wording"] = question_wording()
        if appointment is not None:
            kwargs["visit_date"] = _visit_date(appointment)
            kwargs["visit_day_answered"] = intake.answers.get(q.VISIT_DAY_ANSWERED_FOR) == appointment.pk
    form = form_class(request.POST or None, **kwargs)
    if request.method == "POST":
        saved = False
        if form.is_valid():
            try:
                services.intake_save_step(
                    patient=request.user, step=index, answers=form.to_answers(), appointment=appointment
                )
                saved = True
            except services.IntakeError as exc:  # e.g. another tab sent the form a moment ago
                show_error(request, exc, form=form)
        if saved:
            if "save_and_leave" in request.POST:
                messages.success(request, "Saved. You can come back to your health form at any time.")
                return redirect("intake:mine")
            if returning:
                return redirect(_check_answers_url(appointment))
            if index + 1 < len(STEPS):
                return redirect(_step_url(index + 1, appointment.pk if appointment else None))
            return redirect(_check_answers_url(appointment))
        if not form.non_field_errors():
            messages.error(request, "Please check the answers marked below.")
    return render(
        request,
        "intake/intake_step.html",
        {
            "form": form,
            "index": index,
            "number": index + 1,
            "total": len(STEPS),
            "steps": [(i, s.title) for i, s in enumerate(STEPS)],
            "reached": intake.step,
            "appointment": appointment,
            "returning": returning,
            "percent": int(100 * index / len(STEPS)),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def check_answers(request):
    """The patient reads all their answers once more, then sends the form."""
    appointment = _appointment_from_query(request)
    intake = services.intake_for_editing(patient=request.user)
    missing = services.intake_missing_steps(intake, user=request.user)
    if request.method == "POST":
        if missing or intake.pk is None:
            messages.error(request, "Some steps are not complete yet; they are marked below.")
        else:
            sent = services.intake_send(intake=intake, user=request.user, appointment=appointment)
            if sent.hold_lapsed:
                messages.warning(request, services.HOLD_LAPSED_MESSAGE)
                return redirect("bookings:service-slots", slug=appointment.service.slug)
            if sent.result is not None:
                return redirect("intake:outcome", pk=appointment.pk)
            messages.success(request, "Thank you: your health form is saved.")
            return redirect("intake:mine")
    sections = answer_sections(intake.answers, user=request.user, wording=question_wording())
    back = {"return": "check", **({"appointment": appointment.pk} if appointment else {})}
    for section in sections:
        section["missing"] = section["index"] in missing
        section["change_url"] = f"{reverse('intake:step', args=[section['index']])}?{urlencode(back)}"
    return render(
        request,
        "intake/intake_check_answers.html",
        {"sections": sections, "missing": missing, "appointment": appointment},
    )


@login_required
def check_in(request, pk: int):
    appointment = _own_appointment(request, pk)
    if not _takes_answers(appointment):
        return redirect("intake:outcome", pk=appointment.pk)
    intake = services.valid_intake_for(request.user)
    if intake is None:
        return redirect("intake:appointment-start", pk=appointment.pk)
    # Answers given for a hold that lapsed are offered again for the new time.
    form = CheckInForm(
        request.POST or None,
        initial=request.session.get(CHECK_IN_KEPT, {}),
        visit_date=_visit_date(appointment),
    )
    if request.method == "POST":
        if form.is_valid():
            changed = form.cleaned_data["health_changed"] == "yes"
            unwell = form.cleaned_data["unwell_today"] == "yes"
            if changed:
                request.session.pop(CHECK_IN_KEPT, None)
                services.intake_note_visit_day(patient=request.user, appointment=appointment, unwell=unwell)
                messages.info(
                    request, "Please check and update your health form; your earlier answers are filled in."
                )
                return redirect(_step_url(0, appointment.pk))
            was_confirmed = appointment.status == Status.CONFIRMED
            try:
                services.check_in_submit(
                    appointment=appointment, intake=intake, health_changed=False, unwell_today=unwell
                )
            except services.IntakeError as exc:
                if exc.code != "hold_lapsed":
                    raise
                request.session[CHECK_IN_KEPT] = {
                    "health_changed": form.cleaned_data["health_changed"],
                    "unwell_today": form.cleaned_data["unwell_today"],
                }
                messages.warning(request, exc.messages[0])
                return redirect("bookings:service-slots", slug=appointment.service.slug)
            request.session.pop(CHECK_IN_KEPT, None)
            if was_confirmed and appointment.status == Status.CONFIRMED:
                messages.success(request, "Thank you: nothing has changed, so we look forward to seeing you.")
                return redirect("bookings:appointment-detail", pk=appointment.pk)
            return redirect("intake:outcome", pk=appointment.pk)
        messages.error(request, "Please answer both questions.")
    return render(
        request,
        "intake/check_in.html",
        {"form": form, "appointment": appointment, "intake": intake},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def outcome(request, pk: int):
    appointment = _own_appointment(request, pk)
    result = ScreeningResult.objects.filter(appointment=appointment).first()
    return render(
        request,
        "intake/outcome.html",
        {"appointment": appointment, "result": result, "policy": ClinicPolicy.get()},
    )


@login_required
def mine(request):
    intake = Intake.objects.filter(patient=request.user).order_by("-created_at").first()
    valid = services.valid_intake_for(request.user)
    continue_url = None
    if intake is not None and intake.status == Intake.Status.DRAFT:
        # Resuming carries the booking the form is for, so sending it still screens that booking.
        waiting = services.appointment_waiting_for_intake(patient=request.user)
        waiting_id = waiting.pk if waiting else None
        if intake.step >= len(STEPS):
            continue_url = reverse("intake:check-answers") + (
                f"?appointment={waiting_id}" if waiting_id else ""
            )
        else:
            continue_url = _step_url(intake.step, waiting_id)
    return render(
        request,
        "intake/intake_mine.html",
        {"intake": intake, "valid": valid, "continue_url": continue_url},
    )


@login_required
@require_POST
def update(request):
    services.intake_start(patient=request.user)
    return redirect(_step_url(0, None))


@login_required
@reads_health_data
def patient_intake(request, patient_id: int):
    """A patient's latest submitted intake, for the people allowed to read it (404 for anyone else);
    a staff member's read is recorded."""
    patient = get_object_or_404(get_user_model(), pk=patient_id)
    intake = Intake.objects.submitted_by(patient).select_related("patient").first()
    if intake is None or not read_intake(request, intake):
        raise Http404
    sections = answer_sections(intake.answers, user=patient, wording=question_wording())
    return render(
        request, "intake/patient_intake.html", {"patient": patient, "intake": intake, "sections": sections}
    )
