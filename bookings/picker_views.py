"""The slot picker on a page: read the day and therapist from the query, build the picker, and answer
an htmx request for the picker alone. Any page that lets someone choose a time uses these three pieces:
`slot_picker_context` (the context), the partial `bookings/includes/slot_picker.html` (the markup, in a
`<div id="slot-picker">`) and `render_slot_page` (the whole page, or only the picker when htmx swaps it).
Every link in the picker is a plain link to the page, so it works with JavaScript off."""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode

from clinic.models import Therapist

from . import selectors
from .forms import DayPickForm
from .models import Service

PICKER_ID = "slot-picker"
PICKER_TEMPLATE = "bookings/includes/slot_picker.html"


def _link(page_url: str, therapist: Therapist | None, day: date, keep: dict[str, str] | None = None) -> str:
    params = {"date": day.isoformat()}
    if therapist is not None:
        params = {"therapist": str(therapist.pk), **params}
    return f"{page_url}?{urlencode({**(keep or {}), **params})}"


def _shown(therapist: Therapist | None, day: date) -> dict[str, str]:
    if therapist is None:
        return {"date": day.isoformat()}
    return {"therapist": str(therapist.pk), "date": day.isoformat()}


def slot_picker_context(
    request,
    service: Service,
    *,
    page_url: str,
    action_url: str,
    default_day: date | None = None,
    default_therapist: Therapist | None = None,
    keep: dict[str, str] | None = None,
    for_staff: bool = False,
) -> dict:
    """The picker for `service` as the query asks (`date`, `therapist`); without a date, the first day
    with free times. The defaults apply until the visitor chooses otherwise ("Any therapist" is a choice
    too). A date or therapist that cannot be used is said in `notices`, never an error page. Buttons post
    `start` and `therapist` (empty for any therapist) to `action_url`.

    `keep`: query parameters of the page itself that every link, the day form and the slot buttons carry
    along (the front desk's patient and service). `for_staff`: the picker's wording speaks of the patient,
    not to them."""
    keep = dict(keep or {})
    params = request.GET.copy()
    if default_day and "date" not in params:
        params["date"] = default_day.isoformat()
    if (
        default_therapist
        and "therapist" not in params
        and service.therapists.filter(pk=default_therapist.pk, active=True).exists()
    ):
        params["therapist"] = str(default_therapist.pk)
    form = DayPickForm(params or None, service=service)
    notices: list[str] = []
    therapist = None
    day = None
    if form.is_bound:
        if form.is_valid():
            day = form.cleaned_data["date"]
            if form.cleaned_data["therapist"]:
                therapist = Therapist.objects.filter(pk=form.cleaned_data["therapist"]).first()
        else:
            if form.data.get("date") and "date" in form.errors:
                notices.append("That day could not be read; showing the first day with free times instead.")
            if "therapist" in form.errors:
                notices.append("That therapist is not available for this service; showing everyone.")
    picker = selectors.slot_picker(service=service, therapist=therapist, day=day)
    choices = Counter(
        (slot.therapist_id, slot.therapist_name)
        for part in picker.parts
        for time in part.times
        for slot in time.options
    )

    def link(target_therapist: Therapist | None, target_day: date) -> str:
        return _link(page_url, target_therapist, target_day, keep)

    return {
        "service": service,
        "form": form,
        "picker": picker,
        "therapist": therapist,
        "notices": notices,
        "page_url": page_url,
        "action_url": action_url,
        "picker_id": PICKER_ID,
        "week": [
            {"day": d.day, "count": d.count, "bookable": d.bookable, "url": link(therapist, d.day)}
            for d in picker.week
        ],
        "jumps": {
            name: link(therapist, target)
            for name, target in (
                ("previous_week", picker.previous_week),
                ("next_week", picker.next_week),
                ("previous_available", picker.previous_available),
                ("next_available", picker.next_available),
            )
            if target is not None
        },
        # "Any therapist": who is free this day, to choose one instead (their times that day).
        "therapist_choices": [
            {
                "pk": pk,
                "name": name,
                "count": count,
                "url": f"{page_url}?{urlencode({**keep, 'therapist': pk, 'date': picker.day})}",
            }
            for (pk, name), count in sorted(choices.items(), key=lambda item: item[0][1])
        ]
        if therapist is None
        else [],
        "any_therapist_url": link(None, picker.day),
        "chosen_start": request.GET.get("start", ""),
        # Where a slot button posts: the day and therapist shown (and `keep`) come back if it is refused.
        "slot_action": f"{action_url}?{urlencode({**keep, **_shown(therapist, picker.day)})}",
        "picker_keep": keep,
        "for_staff": for_staff,
    }


def render_slot_page(request, template_name: str, context: dict, *, status: int = 200) -> HttpResponse:
    """The whole page, or, when htmx asks to swap the picker, the picker alone."""
    swap = getattr(request, "htmx", False) and request.htmx.target == PICKER_ID
    response = render(request, PICKER_TEMPLATE if swap else template_name, context, status=status)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response
