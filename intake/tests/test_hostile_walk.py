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
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls.converters import IntConverter, SlugConverter
from django.utils import timezone

from bookings.models import Status
from bookings.tests.factories import AppointmentFactory, ServiceFactory, bookable_therapist
from clinic.models import ClinicPolicy
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
# The admin is sampled: the superuser opens each model's list, add and change pages and the admin's own
# extra pages, and the change pages with hostile object ids. Hostile form values go to our own admin
# pages only, not to Django's model forms: its autocomplete widget (an id that is not a number) and,
# on SQLite, its many-to-many field (an id past 64 bits) still answer those with a 500.
ADMIN_ROLES = ("superuser",)
ADMIN_KINDS: tuple[str, ...] = ()
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
