"""Pages of the staff review (queue, case, decision, letters) and the patient's side of it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bookings.models import Appointment, Status
from clinic.audit.access import reads_health_data
from clinic.audit.models import AccessKind
from clinic.errors import show_error
from clinic.models import ClinicPolicy
from techniques.models import Technique

from .. import permissions
from ..models import ClearanceLetter, Decision, Intake, Outcome, ReviewDecision, ScreeningResult
from ..screening.rules import question_wording
from . import alerts, deadlines, emails, letters, selectors, services
from .forms import AlertAcknowledgeForm, ClearanceLetterForm, DecisionForm, QueueFilterForm
from .restrictions import restrictions_for

BASICS = (
    ("legal_name", "Full legal name"),
    ("preferred_name", "Preferred name"),
    ("date_of_birth", "Date of birth"),
    ("phone", "Phone"),
    ("doctor_name", "Doctor"),
    ("doctor_phone", "Doctor's phone"),
)
FREE_TEXT = (
    ("main_complaint", "What they would like help with"),
    ("areas_to_avoid", "Areas to avoid"),
    ("other_conditions", "Other conditions"),
)


def _require_reviewer(request) -> None:
    if not permissions.can_review(request.user):
        raise PermissionDenied


@login_required
@reads_health_data
def review_queue(request):
    """Open flagged cases, most severe first, then soonest; a fixed number of queries however many.
    Each patient listed is recorded as read."""
    _require_reviewer(request)
    sees_all = permissions.reads_every_record(request.user)
    form = QueueFilterForm(request.GET or None, sees_all=sees_all)
    if form.is_bound and not form.is_valid():
        messages.error(request, "Some filters could not be read; showing every case.")
    cases = list(form.filter(selectors.review_queue(user=request.user), user=request.user))
    permissions.record_reads(request, kind=AccessKind.QUEUE, records=cases)
    deadline = ClinicPolicy.get().review_deadline_hours
    now = timezone.now()
    for case in cases:
        hours_left = (case.appointment.start - now).total_seconds() / 3600
        case.overdue = case.escalated_at is not None or hours_left <= deadline
    return render(
        request,
        "intake/review_queue.html",
        {"form": form, "cases": cases, "sees_all": sees_all, "deadline_hours": deadline, "now": now},
    )


def _technique_names(codes) -> dict[str, str]:
    return dict(Technique.objects.filter(code__in=set(codes)).values_list("code", "name"))


def _can_decide(result: ScreeningResult, latest: ReviewDecision | None) -> bool:
    """The decision form shows while the transition table allows a decision; a confirmed case is
    amended only before its visit."""
    appointment = result.appointment
    if not services.decisions_allowed(newest=latest, appointment=appointment):
        return False
    return appointment.status != Status.CONFIRMED or appointment.start > timezone.now()


@login_required
@reads_health_data
def review_case(request, result_id: int):
    """One case: the facts the decision rests on, the history, and the decision form. 404 for anyone
    who may not open it, a patient or the front desk included: the page says nothing of who is a case."""
    result = permissions.get_record_or_404(
        request,
        permissions.results_visible_to(request.user).select_related(
            "appointment__patient", "appointment__therapist", "appointment__service", "intake", "rule_set"
        ),
        kind=AccessKind.CASE,
        pk=result_id,
    )
    latest = selectors.latest_decision(result)
    ruled_out = tuple(result.techniques_ruled_out)
    form = DecisionForm(
        request.POST or None,
        ruled_out=ruled_out,
        initial={"expected_last_decision": latest.pk if latest else None},
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.review_decide(
                    result=result,
                    decision=form.cleaned_data["decision"],
                    note=form.cleaned_data["note"],
                    restricted_techniques=form.cleaned_data["restricted_techniques"],
                    by=request.user,
                    expected_last_decision_id=form.cleaned_data["expected_last_decision"],
                )
            except ValidationError as exc:  # a review rule, or a booking rule refusing the move
                if getattr(exc, "code", None) == "already_decided":
                    show_error(request, exc)
                    return redirect("intake:review-case", result_id=result.pk)
                show_error(request, exc, form=form)
            else:
                messages.success(request, "Decision recorded; the patient has been emailed.")
                return redirect("intake:review-queue")
        messages.error(request, "The decision was not recorded: please check the form.")
    context = _case_context(result, latest, form)
    context["can_read_intake"] = permissions.can_read_intake(request.user, result.appointment.patient)
    return render(
        request, "intake/review_case.html", context, status=400 if request.method == "POST" else 200
    )


def _case_context(result: ScreeningResult, latest: ReviewDecision | None, form: DecisionForm) -> dict:
    appointment = result.appointment
    patient = appointment.patient
    answers = result.intake.answers
    wording = question_wording()
    restrictions = restrictions_for(appointment)
    flag_codes = [code for flag in result.flags for code in flag.get("techniques", [])]
    names = _technique_names([*flag_codes, *restrictions])
    flags = [
        {
            **flag,
            "question": wording.get(flag.get("question_key", ""), flag.get("question_key", "")),
            "technique_list": [(code, names.get(code, code)) for code in flag.get("techniques", [])],
        }
        for flag in result.flags
    ]
    decisions = list(result.decisions.select_related("decided_by").order_by("-decided_at", "-pk"))
    # Every screening of the patient, this case included, in the order they happened (newest first):
    # a newer one (an urgent check-in) must never read as "earlier".
    history = (
        ScreeningResult.objects.filter(appointment__patient=patient)
        .select_related("appointment__therapist", "appointment__service", "rule_set")
        .prefetch_related(
            Prefetch(
                "decisions",
                queryset=ReviewDecision.objects.select_related("decided_by").order_by("-decided_at", "-pk"),
            )
        )
        .order_by("-screened_at", "-pk")
    )
    intakes = Intake.objects.submitted_by(patient)
    return {
        "result": result,
        "appointment": appointment,
        "patient": patient,
        "basics": [(label, answers.get(key)) for key, label in BASICS],
        "free_text": [(label, answers.get(key)) for key, label in FREE_TEXT],
        "flags": flags,
        "restrictions": [(code, names.get(code, code)) for code in restrictions],
        "decisions": decisions,
        "latest": latest,
        "history": list(history),
        "intakes": list(intakes),
        "letters": list(ClearanceLetter.objects.filter(appointment=appointment)),
        "form": form,
        "can_decide": _can_decide(result, latest),
    }


@login_required
@reads_health_data
def clearance_download(request, letter_id: int):
    """A clearance letter, to the patient, the appointment's therapist and clinic admins (404 to others).
    Always a download, never shown inline, and the browser may not guess another type."""
    letter = permissions.get_record_or_404(
        request, permissions.letters_visible_to(request.user), kind=AccessKind.LETTER, pk=letter_id
    )
    extension = letters.EXTENSION_BY_TYPE.get(letter.content_type, "bin")
    response = FileResponse(
        letter.file.open("rb"),
        as_attachment=True,
        filename=f"clearance-letter-{letter.pk}.{extension}",
        content_type=letter.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- the patient's side -----------------------------------------------------------------------------


def _own_appointment(request, pk: int) -> Appointment:
    return get_object_or_404(
        Appointment.objects.select_related("service", "therapist"), pk=pk, patient=request.user
    )


def _status_context(appointment: Appointment, form: ClearanceLetterForm | None = None) -> dict:
    result = ScreeningResult.objects.filter(appointment=appointment).first()
    latest = selectors.latest_decision(result) if result else None
    waiting = appointment.status == Status.PENDING_REVIEW
    wants_letter = waiting and (
        (latest is not None and latest.decision == Decision.NEEDS_CLEARANCE)
        or (result is not None and result.outcome == Outcome.BLOCKED)
    )
    released = (
        appointment.status == Status.DECLINED and appointment.cancel_reason == deadlines.NOT_REVIEWED_IN_TIME
    )
    return {
        "appointment": appointment,
        "result": result,
        "latest": latest,
        "waiting": waiting,
        "words": emails.PATIENT_WORDS.get(latest.decision) if latest else None,
        "released": released,
        "released_words": emails.RELEASED_WORDS,
        "wants_letter": wants_letter,
        "form": form or (ClearanceLetterForm() if wants_letter else None),
        "letters": list(ClearanceLetter.objects.filter(appointment=appointment)),
    }


@login_required
def review_status(request, pk: int):
    """The patient's view: waiting for review, then the decision in plain words."""
    appointment = _own_appointment(request, pk)
    return render(request, "intake/review_status.html", _status_context(appointment))


@login_required
@require_POST
def clearance_upload(request, pk: int):
    appointment = _own_appointment(request, pk)
    if appointment.status != Status.PENDING_REVIEW:
        messages.info(request, "This appointment does not need a letter from your doctor.")
        return redirect("intake:review-status", pk=appointment.pk)
    form = ClearanceLetterForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            letters.clearance_letter_upload(
                appointment=appointment, file=form.cleaned_data["letter"], by=request.user
            )
        except services.ReviewError as exc:
            show_error(request, exc, form=form, field="letter")
        else:
            messages.success(
                request, "Thank you: your letter was sent. We will email you once it is reviewed."
            )
            return redirect("intake:review-status", pk=appointment.pk)
    return render(request, "intake/review_status.html", _status_context(appointment, form), status=400)


# --- staff alerts -----------------------------------------------------------------------------------


@login_required
@reads_health_data
def alert_detail(request, alert_id: int):
    """One alert: whom to phone and when, the case behind it for those allowed to read it, and the
    acknowledgement (who, when, what they did). 404 for anyone not shown the alert."""
    alert = permissions.get_record_or_404(
        request,
        permissions.alerts_visible_to(request.user).select_related(
            "appointment__patient", "appointment__therapist", "appointment__service", "acknowledged_by"
        ),
        kind=AccessKind.ALERT,
        pk=alert_id,
    )
    form = AlertAcknowledgeForm(request.POST or None)
    if request.method == "POST":
        was_open = alert.acknowledged_at is None
        if form.is_valid():
            try:
                alert = alerts.alert_acknowledge(alert=alert, by=request.user, note=form.cleaned_data["note"])
            except alerts.AlertError as exc:
                form.add_error("note", exc)
            else:
                if was_open and alert.acknowledged_by_id == request.user.pk:
                    messages.success(request, "Alert acknowledged; your note is saved.")
                else:
                    messages.info(request, "Someone had already acknowledged this alert; their note stands.")
                return redirect("intake:alert", alert_id=alert.pk)
        messages.error(request, "The alert was not acknowledged: please write what you did.")
    appointment = alert.appointment
    case_result = None
    if permissions.can_read_alert_case(request.user, alert):
        case_result = ScreeningResult.objects.filter(appointment=appointment).only("pk").first()
    latest_intake = Intake.objects.submitted_by(appointment.patient).only("answers").first()
    return render(
        request,
        "intake/alert_detail.html",
        {
            "alert": alert,
            "appointment": appointment,
            "patient": appointment.patient,
            # Contact details only, never an answer about health: front desk makes this call too.
            "patient_phone": (latest_intake.answers.get("phone") if latest_intake else "") or "",
            "case_result": case_result,
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )
