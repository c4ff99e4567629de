from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from clinic.errors import show_error

from .. import extensions, permissions
from .. import services as booking_services
from ..errors import BookingError
from ..models import Appointment
from ..selectors import clinic_zone
from . import search, services
from .forms import PatientRegisterForm, PatientSearchForm


def _desk_only(request) -> None:
    if not permissions.can_manage_appointments(request.user):
        raise PermissionDenied


@login_required
def patient_search(request):
    """One box: a name, email, phone or date of birth. Contact details and the next visit only."""
    _desk_only(request)
    form = PatientSearchForm(request.GET or None)
    query = results = None
    if form.is_bound:
        if form.is_valid():
            query = search.parse_query(form.cleaned_data["q"])
            if query is not None:
                results = search.patient_search(query)
            elif form.cleaned_data["q"].strip():
                messages.info(request, "Type at least two letters of a name, or a whole date of birth.")
        else:
            messages.error(request, "That search is too long: 100 characters at most.")
    more = results is not None and len(results) > search.MAX_RESULTS
    return render(
        request,
        "bookings/desk/patient_search.html",
        {
            "form": form,
            "query": query,
            "results": results[: search.MAX_RESULTS] if results is not None else None,
            "more": more,
            "max_results": search.MAX_RESULTS,
        },
    )


def _register_initial(text: str) -> dict:
    """What the desk already typed in the search box, carried over to the new patient's form."""
    query = search.parse_query(text)
    if query is None:
        return {}
    if query.kind == "date_of_birth":
        return {"date_of_birth": query.value}
    if query.kind == "email":
        return {"email": query.value}
    if query.kind == "phone":
        return {"phone": text.strip()}
    first, _, last = query.value.partition(" ")
    return {"first_name": first, "last_name": last}


@login_required
def patient_register(request):
    """Register a patient at the desk and email them the invitation to choose a password."""
    _desk_only(request)
    if request.method == "POST":
        form = PatientRegisterForm(request.POST)
        if form.is_valid():
            try:
                patient = services.patient_register(**form.cleaned_data, by=request.user)
            except BookingError as exc:
                field = "email" if exc.code == services.DUPLICATE_EMAIL else None
                show_error(request, exc, form=form, field=field)
            else:
                messages.success(
                    request,
                    f"{patient} is registered. An email to {patient.email} invites them to choose a "
                    "password and fill in the health form.",
                )
                return redirect(f"{reverse('bookings:patient-search')}?{urlencode({'q': patient.email})}")
    else:
        form = PatientRegisterForm(initial=_register_initial(request.GET.get("q", "")[:100]))
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "bookings/desk/patient_register.html", {"form": form}, status=status)


@login_required
@require_POST
def appointment_arrived(request, pk: int):
    """The desk marks the patient arrived, then goes back to the day the appointment is on. Anyone
    else gets 404: the address says nothing of whose appointment it is."""
    if not permissions.can_manage_appointments(request.user):
        raise Http404
    appointment = get_object_or_404(Appointment.objects.select_related("patient", "therapist"), pk=pk)
    try:
        booking_services.appointment_mark_arrived(appointment=appointment, by=request.user)
    except BookingError as exc:
        show_error(request, exc)
    else:
        local = appointment.start.astimezone(clinic_zone())
        messages.success(
            request,
            f"{appointment.patient} is here for {local:%H:%M} with {appointment.therapist.display_name}.",
        )
        # Something still to do on arrival (the health form on the clinic tablet): that page next.
        follow_up = extensions.arrival_follow_up_url(appointment)
        if follow_up:
            return redirect(follow_up)
    day = appointment.start.astimezone(clinic_zone()).date()
    return redirect(f"{reverse('bookings:front-desk-day')}?{urlencode({'date': day.isoformat()})}")
