"""Every URL pattern and API route, fed hostile values by every role, answers without a server error.

The routes come from the URL resolver, walked recursively, so a new route is covered the day it is
added. Each path converter is filled with real ids from one shared dataset and with hostile values;
query strings and form posts carry hostile values (year 1 and 9999, NUL, 10,000 characters, wrong
types, invisible characters) under every known parameter name and every field name the page itself
shows. Anonymous, patient, therapist, front desk, clinic admin and superuser each take the walk. The
admin is walked by the roles that can enter it. Any 5xx, or an exception escaping a view, fails.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.test import Client
from django.urls.converters import IntConverter, SlugConverter
from django.utils import timezone

from bookings.models import Closure, Status, TimeOff
from bookings.tests.factories import AppointmentFactory, ServiceFactory, bookable_therapist
from clinic.inputs import EARLIEST_DATE, LATEST_DATE
from clinic.models import ClinicPolicy, ClinicProfile
from clinic.tests.factories import UserFactory, clinic_admin_user, front_desk_user
from clinic.tests.routes import Route, all_routes, fill
from intake.models import ClearanceLetter, Decision, HomeCarePlan, Outcome, ReviewDecision
from intake.tests.plan_fixtures import screen
from techniques.models import Technique

HOSTILE = {
    "year_1": "0001-01-01",
    "year_9999": "9999-12-31",
    "datetime_year_1": "0001-01-01T00:00:00+12:00",
    "datetime_year_9999": "9999-12-31T23:59:59-12:00",
    "local_datetime_9999": "9999-12-31T23:59",
    "nul": "a\x00b",
    "ten_thousand": "9" * 10_000,
    "huge_int": "9" * 30,
    "word": "abc\u202e\u200b",
}
# JSON bodies may also carry the wrong types.
HOSTILE_JSON = {**HOSTILE, "list": [], "object": {}, "null": None, "big_number": 10**30, "float": 1e308}

# Query-string and form names the app reads, besides those a page shows in its own forms.
KNOWN_PARAMS = (
    "date",
    "from",
    "days",
    "therapist",
    "service",
    "view",
    "page",
    "start",
    "status",
    "scope",
    "outcome",
    "appointment",
    "to",
    "reason",
    "note",
    "decision",
    "restricted_techniques",
    "expected_last_decision",
    "patient_email",
    "q",
    "o",
    "p",
    "next",
)
API_FIELDS = ("service", "therapist", "start", "reason", "from", "days")
HOSTILE_PATH = {
    IntConverter: ("0", "9" * 30),
    SlugConverter: ("-", "x" * 10_000),
}
HOSTILE_PATH_TEXT = ("%00", "x" * 10_000, "-1", "9" * 30, "%E2%80%AE%E2%80%8B", "abc")
ROLES = ("anonymous", "patient", "therapist", "front_desk", "clinic_admin", "superuser")
# The admin is walked by the superuser: each model's list, add and change pages and the admin's own
# extra pages, with hostile query strings and form posts, and the change pages with hostile object ids.
# Every add and change form of our own admin is also posted each hostile value in every field: see
# test_admin_form_stores_no_hostile_value below.
ADMIN_ROLES = ("superuser",)
# Django's own admin pages (lists, the password page) get one value of each class: a date at the end of
# the calendar, a NUL, an id past 64 bits, a word where a number belongs.
ADMIN_KINDS: tuple[str, ...] = ("year_9999", "nul", "huge_int", "word")
DJANGO_ADMIN_PAGES = ("_changelist", "_add", "_change", "_password_change", ":index", ":login", ":app_list")
ADMIN_SKIPPED_SUFFIXES = ("_history", "_delete", ":", ":autocomplete", ":jsi18n", ":logout", ":view_on_site")
# A role the page turns away (login redirect, 403, 404) is only sent a couple of hostile requests.
REFUSED = {301, 302, 403, 404, 405}
NAME_ATTRIBUTE = re.compile(r"<(?:input|select|textarea|button)\b[^>]*\bname=\"([^\"]+)\"")


ROUTES = [
    route for route in all_routes() if not (route.is_admin and route.name.endswith(ADMIN_SKIPPED_SUFFIXES))
]


# --- the shared dataset: built once for the module, rolled back at its end --------------------------


@pytest.fixture(scope="module")
def dataset(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        data = _build_dataset()
        yield data
        transaction.set_rollback(True)


def _build_dataset() -> dict:
    ClinicPolicy.get()
    service = ServiceFactory(slug="psoas-60")
    therapist = bookable_therapist(service, display_name="Priya Shah")
    patient = UserFactory(email="sam@example.org")
    now = timezone.now()
    soon = (now + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    AppointmentFactory(  # a held time: the patient's list and the slot pages show it
        patient=patient,
        therapist=therapist,
        service=service,
        start=soon,
        status=Status.HELD,
        hold_expires_at=now + timedelta(hours=1),
    )
    pending = AppointmentFactory(
        patient=patient,
        therapist=therapist,
        service=service,
        start=soon + timedelta(days=1),
        status=Status.PENDING_REVIEW,
    )
    result = screen(pending, outcome=Outcome.BLOCKED, ruled_out={"herniated_disc": ["COB"]})
    ReviewDecision.objects.create(
        result=result, decision=Decision.NEEDS_CLEARANCE, note="Letter please.", decided_by=therapist.user
    )
    letter = ClearanceLetter(
        appointment=pending,
        content_type="application/pdf",
        original_name="letter.pdf",
        size=20,
        uploaded_by=patient,
    )
    letter.file.save("letter.pdf", SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n%%EOF\n"), save=False)
    letter.save()
    done = AppointmentFactory(
        patient=patient,
        therapist=therapist,
        service=service,
        start=now - timedelta(days=2),
        status=Status.CONFIRMED,
    )
    HomeCarePlan.objects.create(patient=patient, therapist=therapist, appointment=done, note="Gently.")
    # A row for each change form of the admin that the rows above do not make.
    ClinicProfile.objects.create(pk=1, name="Calm Clinic", phone="+44 20 7946 0000")
    Closure.objects.create(first_day=date(2031, 1, 1), last_day=date(2031, 1, 2), reason="New year")
    TimeOff.objects.create(
        therapist=therapist, start=now + timedelta(days=300), end=now + timedelta(days=301)
    )
    superuser = UserFactory(is_superuser=True, is_staff=True)
    users = {
        "anonymous": None,
        "patient": patient,
        "therapist": therapist.user,
        "front_desk": front_desk_user(),
        "clinic_admin": clinic_admin_user(),
        "superuser": superuser,
    }
    assert Group.objects.exists()
    technique = Technique.objects.published().first()
    return {
        "users": users,
        "ids": {
            "pk": [pending.pk, done.pk],
            "appointment_id": [pending.pk],
            "result_id": [result.pk],
            "letter_id": [letter.pk],
            "patient_id": [patient.pk],
            "therapist_id": [therapist.pk],
            "index": [0, 6],
        },
        "slugs": {"techniques": technique.slug, "default": service.slug},
    }


# --- building paths ---------------------------------------------------------------------------------


def _real_values(route: Route, data: dict) -> list[dict[str, str]]:
    params = route.params
    if not params:
        return [{}]
    if route.is_admin:
        return [_admin_values(route, params)]
    choices = []
    for name in params:
        if name == "slug":
            key = "techniques" if route.name.startswith("techniques:") else "default"
            choices.append([data["slugs"][key]])
        else:
            choices.append([str(v) for v in data["ids"].get(name, [1])])
    combos: list[dict[str, str]] = [{}]
    for name, options in zip(params, choices, strict=True):
        combos = [{**combo, name: option} for combo in combos for option in options]
    return combos


def _admin_values(route: Route, params: list[str]) -> dict[str, str]:
    """An existing object for an admin page (its model is in the URL name), else the first row."""
    values = {name: "clinic" if name == "app_label" else "1" for name in params}
    parts = route.name.removeprefix("admin:").split("_")
    for size in range(len(parts) - 1, 0, -1):
        app_label, model_name = parts[0], "_".join(parts[1 : size + 1])
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        if model._meta.swapped:  # auth.User: the clinic's own user model stands in
            model = apps.get_model(model._meta.swapped)
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            values = {name: str(first.pk) for name in params}
        break
    return values


def _hostile_paths(route: Route) -> list[str]:
    params = route.params
    paths = []
    for name in params:
        converter = route.converters.get(name)
        options = HOSTILE_PATH.get(type(converter), HOSTILE_PATH_TEXT)
        for option in options:
            values = dict.fromkeys(params, "1")
            values[name] = option
            path = fill(route, values)
            if path:
                paths.append(path)
    return paths


# --- the walk ----------------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


class Walk:
    def __init__(self, route: Route):
        self.route = route
        self.failures: list[str] = []

    def request(self, client: Client, role: str, method: str, path: str, label: str, **kwargs):
        try:
            response = getattr(client, method)(path, **kwargs)
        except Exception as exc:  # every escape is a finding
            self.failures.append(
                f"{role} {method.upper()} {path[:80]} [{label}]: {type(exc).__name__}: {exc}"[:400]
            )
            return None
        if response.streaming:  # a file download: read it to the end, as a server would, which closes it
            b"".join(response.streaming_content)
        if response.status_code >= 500:
            self.failures.append(
                f"{role} {method.upper()} {path[:80]} [{label}]: {response.status_code} "
                f"{response.content[:200]!r}"
            )
        elif self.route.is_api and response.status_code >= 400:
            body = response.json() if response["Content-Type"].startswith("application/json") else None
            if not (isinstance(body, dict) and {"code", "message"} <= set(body)):
                self.failures.append(
                    f"{role} {method.upper()} {path[:80]} [{label}]: {response.status_code} is not "
                    f"{{code, message}} JSON: {response.content[:200]!r}"
                )
        return response


def _names_on(response) -> set[str]:
    if response is None or response.status_code != 200:
        return set()
    if not response.get("Content-Type", "").startswith("text/html"):
        return set()
    return set(NAME_ATTRIBUTE.findall(response.content.decode(errors="replace"))) - {"csrfmiddlewaretoken"}


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_survives_hostile_input_from_every_role(route, dataset, db):
    walk = Walk(route)
    roles = ADMIN_ROLES if route.is_admin else ROLES
    real_paths = [p for values in _real_values(route, dataset) if (p := fill(route, values))]
    hostile_paths = _hostile_paths(route)
    for role in roles:
        client = _client(dataset["users"][role])
        for path in real_paths:
            page = walk.request(client, role, "get", path, "plain")
            refused = page is not None and page.status_code in REFUSED
            names = sorted(_names_on(page) | set(KNOWN_PARAMS))
            if route.is_admin and route.name.endswith(DJANGO_ADMIN_PAGES):
                kinds = ADMIN_KINDS
            elif refused:
                kinds = ("nul",)
            else:
                kinds = tuple(HOSTILE)
            for label in kinds:
                value = HOSTILE[label]
                walk.request(client, role, "get", path, label, data=dict.fromkeys(names, value))
                if route.is_api:
                    body = json.dumps(dict.fromkeys(API_FIELDS, HOSTILE_JSON[label]))
                    walk.request(
                        client, role, "post", path, label, data=body, content_type="application/json"
                    )
                else:
                    walk.request(client, role, "post", path, label, data=dict.fromkeys(names, value))
            if route.is_api and not refused:
                for label in set(HOSTILE_JSON) - set(HOSTILE):
                    body = json.dumps(dict.fromkeys(API_FIELDS, HOSTILE_JSON[label]))
                    walk.request(
                        client, role, "post", path, label, data=body, content_type="application/json"
                    )
                walk.request(
                    client, role, "post", path, "not json", data="{", content_type="application/json"
                )
        for path in hostile_paths:
            walk.request(client, role, "get", path, "hostile path")
            walk.request(client, role, "post", path, "hostile path", data={})
    assert real_paths or hostile_paths, f"{route} could not be filled in: teach this test its parameters"
    assert not walk.failures, "\n".join(walk.failures)


# --- our admin's add and change forms, posted hostile values ----------------------------------------

OUR_APPS = ("bookings", "clinic", "intake", "techniques")
# The formset's bookkeeping, the buttons and the token are left as the page gave them.
KEPT_FIELDS = re.compile(r"(^csrfmiddlewaretoken$|^_|-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$|__prefix__)")
INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200d\u202a-\u202e\u2066-\u2069\ufeff]")
LONGEST_TEXT = 5000  # the admin's limit for a text without its own (clinic/admin_site.py)


def _our_model_admin(route: Route):
    """The ModelAdmin behind an admin add or change page, when the admin class is ours."""
    if not route.name.endswith(("_add", "_change")):
        return None
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if route.name in (prefix + "add", prefix + "change"):
            ours = type(model_admin).__module__.split(".")[0] in OUR_APPS
            return model_admin if ours else None
    return None


ADMIN_FORMS = [route for route in ROUTES if _our_model_admin(route) is not None]


class FormValues(HTMLParser):
    """The values a browser would send for the page's form: inputs (ticked boxes only), the chosen
    options of each select, the text of each textarea."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values: list[tuple[str, str]] = []
        self.names: list[str] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            self.names.append(name)
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            if a.get("type") not in ("submit", "button", "file"):
                self.values.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self.names.append(name)
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.values.append((self._select, a.get("value") or ""))
        elif tag == "textarea" and name:
            self.names.append(name)
            self._textarea = name
            self.values.append((name, ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            name, text = self.values[-1]
            self.values[-1] = (name, text + data.removeprefix("\n") if not text else text + data)


def _form_values(html: str) -> tuple[dict[str, list[str]], list[str]]:
    parser = FormValues()
    parser.feed(html)
    values: dict[str, list[str]] = {}
    for name, value in parser.values:
        values.setdefault(name, []).append(value)
    spoilable = sorted({n for n in parser.names if not KEPT_FIELDS.search(n)})
    return values, spoilable


def _hostile_rows(model_admin) -> list[str]:
    """Every value of the form's model and its inlines' models that no admin form should store."""
    found = []
    for model in [model_admin.model, *(inline.model for inline in model_admin.inlines)]:
        fields = list(model._meta.concrete_fields)
        for row in model._default_manager.values_list("pk", *(f.attname for f in fields)):
            for field, value in zip(fields, row[1:], strict=True):
                if _is_hostile(field, value):
                    found.append(f"{model.__name__} #{row[0]} {field.name}={str(value)[:40]!r}")
    return found


def _is_hostile(field, value) -> bool:
    if isinstance(value, str) and isinstance(field, (models.CharField, models.TextField)):
        return bool(INVISIBLE.search(value)) or len(value) > LONGEST_TEXT
    if isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        return not EARLIEST_DATE <= day <= LATEST_DATE
    return False


@pytest.mark.parametrize("route", ADMIN_FORMS, ids=str)
def test_admin_form_stores_no_hostile_value(route, dataset, db):
    """Each hostile value in every field of the form (the formsets' bookkeeping as the page gave it):
    each post answers with the form and its errors, or saves cleaned values, never a server error, and
    no row of the form's models holds a hostile value afterwards."""
    model_admin = _our_model_admin(route)
    walk = Walk(route)
    client = _client(dataset["users"]["superuser"])
    (path,) = [p for values in _real_values(route, dataset) if (p := fill(route, values))]
    page = client.get(path)
    assert page.status_code in (200, 302, 403), f"{path}: {page.status_code}"  # 302: no such row
    given, spoilable = _form_values(page.content.decode())
    if not spoilable:  # a read-only or missing record (no form): posts are refused
        spoilable = [field.name for field in model_admin.model._meta.fields]
    for label, value in HOSTILE.items():
        data = {**given, **dict.fromkeys(spoilable, value), "_save": "Save"}
        walk.request(client, "superuser", "post", path, label, data=data)
    stored = _hostile_rows(model_admin)
    assert not walk.failures, "\n".join(walk.failures)
    assert not stored, f"{path} stored hostile values: {stored}"
