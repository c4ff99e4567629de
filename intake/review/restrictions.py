"""What a patient must avoid at an appointment: the screening's ruled-out techniques plus the newest
review decision's restrictions. Read by the review case page, the therapist's day and home-care plans."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, QuerySet

from bookings.models import Appointment
from techniques.models import Contraindication

from ..models import ReviewDecision, ScreeningResult

REVIEW_REASON = "review decision"


def _screening(appointment: Appointment) -> ScreeningResult | None:
    try:
        return appointment.screening
    except ObjectDoesNotExist:
        return None


def _newest_decision(result: ScreeningResult) -> ReviewDecision | None:
    # With `screening__decisions` prefetched newest first this reads the cache; otherwise one query,
    # in the model's newest-first ordering.
    return result.decisions.all().first()


def restrictions_for(appointment: Appointment) -> list[str]:
    """Technique codes ruled out for this appointment's patient: the screening result's
    `techniques_ruled_out` plus the newest review decision's `restricted_techniques`, each once.

    Query-free when the appointment comes with `screening` selected and `screening__decisions`
    prefetched in newest-first order (see `appointments_with_restrictions`)."""
    result = _screening(appointment)
    if result is None:
        return []
    codes = list(result.techniques_ruled_out or [])
    decision = _newest_decision(result)
    if decision is not None:
        codes += list(decision.restricted_techniques or [])
    return sorted(set(codes))


def restriction_reasons(appointment: Appointment) -> dict[str, list[str]]:
    """Technique code -> why it is ruled out, in words a therapist reads on a badge: the names of the
    contraindications the screening flagged, or "review decision". One query for the names."""
    result = _screening(appointment)
    codes = restrictions_for(appointment)
    if result is None or not codes:
        return {}
    keys_by_code: dict[str, set[str]] = {code: set() for code in codes}
    for flag in result.flags or []:
        key = flag.get("contraindication_key")
        for code in flag.get("techniques") or []:
            if key and code in keys_by_code:
                keys_by_code[code].add(key)
    all_keys = set().union(*keys_by_code.values())
    names = (
        dict(Contraindication.objects.filter(key__in=all_keys).values_list("key", "name")) if all_keys else {}
    )
    decision = _newest_decision(result)
    restricted = set(decision.restricted_techniques or []) if decision is not None else set()
    reasons: dict[str, list[str]] = {}
    for code in codes:
        words = sorted(names.get(key, key) for key in keys_by_code[code])
        if code in restricted:
            words.append(REVIEW_REASON)
        reasons[code] = words or ["screening"]
    return reasons


def appointments_with_restrictions(queryset: QuerySet[Appointment]) -> QuerySet[Appointment]:
    """The queryset with what `restrictions_for` reads, so a list costs the same for 1 or 100 rows."""
    return queryset.select_related("screening").prefetch_related(
        Prefetch("screening__decisions", queryset=ReviewDecision.objects.order_by("-decided_at", "-pk"))
    )
