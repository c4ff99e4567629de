"""Finding a patient from one search box: a name, an email address, a phone number or a date of birth.

The box's text is read once into what it most likely is (`parse_query`); the search then matches that
field alone, so "12/03/1980" finds a birthday and never a phone number with those digits. Results carry
the account's contact details and the next visit's time, never anything from the health record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db.models import CharField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Replace
from django.utils import timezone

from clinic.inputs import date_in_range
from clinic.rights.models import ERASED_EMAIL_DOMAIN
from clinic.roles import patient_accounts

from ..models import ACTIVE_STATUSES, Appointment

MAX_RESULTS = 25
# en-GB first (day before month), then ISO: "3/6/1980", "03.06.1980", "03-06-1980", "1980-06-03".
DATE_FORMATS = ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y-%m-%d")
PHONE_PUNCTUATION = ("+", " ", "-", "(", ")", ".", "/")
MIN_PHONE_DIGITS = 4


@dataclass(frozen=True)
class PatientQuery:
    kind: str  # "date_of_birth", "email", "phone" or "name"
    value: str | date
    words: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return {
            "date_of_birth": "date of birth",
            "email": "email address",
            "phone": "phone number",
            "name": "name",
        }[self.kind]


def parse_date(text: str) -> date | None:
    """A date typed the British way (day first) or as ISO; None for anything else or a date out of range."""
    for fmt in DATE_FORMATS:
        try:
            day = datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time of day
        except ValueError:
            continue
        return day if date_in_range(day) else None
    return None


def parse_query(text: str) -> PatientQuery | None:
    """What the search box holds, or None when it is empty (or too short to look for)."""
    text = " ".join((text or "").split())
    if not text:
        return None
    day = parse_date(text)
    if day is not None:
        return PatientQuery("date_of_birth", day)
    if "@" in text:
        return PatientQuery("email", text.lower())
    digits = re.sub(r"\D", "", text)
    if re.fullmatch(r"\+?[\d\s\-().]+", text) and len(digits) >= MIN_PHONE_DIGITS:
        return PatientQuery("phone", digits)
    words = tuple(word for word in text.split() if len(word) >= 2)
    if not words:
        return None
    return PatientQuery("name", text, words)


def patients() -> QuerySet:
    """Accounts the desk looks after: active patients (no staff role, not a closed account)."""
    return patient_accounts().exclude(email__endswith=f"@{ERASED_EMAIL_DOMAIN}")


def _phone_digits(field: str):
    expression = field
    for mark in PHONE_PUNCTUATION:
        expression = Replace(expression, Value(mark), Value(""), output_field=CharField())
    return expression


def _matching(query: PatientQuery) -> Q:
    if query.kind == "date_of_birth":
        # The desk records it on the account; a patient who signed up online gave it on the health form.
        return Q(date_of_birth=query.value) | Q(intakes__answers__date_of_birth=query.value.isoformat())
    if query.kind == "email":
        return Q(email__icontains=query.value)
    if query.kind == "phone":
        # "+44 7700 900123" and "07700 900123" are one number: match it without its country or trunk prefix.
        local = query.value[2:] if query.value.startswith("44") else query.value.lstrip("0")
        condition = Q(phone_digits__contains=query.value)
        if len(local) >= MIN_PHONE_DIGITS:
            condition |= Q(phone_digits__contains=local)
        return condition
    condition = Q()
    for word in query.words:
        condition &= Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
    return condition


def patient_search(query: PatientQuery, *, now: datetime | None = None) -> list:
    """Up to MAX_RESULTS + 1 patients matching `query` (one more than shown, to say there are more),
    each with `next_visit`: the start of their next active appointment, or None. One query."""
    now = now or timezone.now()
    next_visit = (
        Appointment.objects.filter(patient=OuterRef("pk"), status__in=ACTIVE_STATUSES, start__gte=now)
        .order_by("start")
        .values("start")[:1]
    )
    qs = patients()
    if query.kind == "phone":
        qs = qs.annotate(phone_digits=_phone_digits("phone"))
    matched = qs.filter(_matching(query)).values("pk")
    return list(
        get_user_model()
        .objects.filter(pk__in=matched)
        .annotate(next_visit=Subquery(next_visit))
        .order_by("last_name", "first_name", "email")[: MAX_RESULTS + 1]
    )
