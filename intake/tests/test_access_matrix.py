"""Who gets which status on every route: the access matrix.

Every URL pattern the resolver knows (`clinic.tests.routes`, shared with the hostile-input walk) is
requested by each of the eight roles of `access_world.ROLES`, with GET and with POST, and each status
is checked against the route's row in `access_table.py`. A route without a row fails, naming it.
Patient B and the other therapist are then sent to every object of patient A (every appointment, the
case, the letter, the alert, the health form) and must get what their column says there too: 404,
never the page and never a hint. Every answer to a signed-in person, and every API answer, must
carry `Cache-Control: no-store`.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client

from clinic.tests.routes import Route, all_routes, fill
from intake.tests.access_table import ROWS, Row
from intake.tests.access_world import ROLE_TITLES, World, build_world

ROUTES = all_routes()
TABLE = "intake/tests/access_table.py"
STRANGERS = ("b", "ther_x")  # to every object of patient A


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def cookies(world, django_db_blocker) -> dict[str, SimpleCookie]:
    """Each role's session cookie, signed in once for the module."""
    signed_in = {"anon": SimpleCookie()}
    with django_db_blocker.unblock():
        for role, user in world.users.items():
            if user is not None:
                client = Client()
                client.force_login(user)
                signed_in[role] = client.cookies
    return signed_in


def _admin_model_label(route: Route) -> str | None:
    """`app_label.model` of an admin page, read from its name (`admin:clinic_user_change`) or path."""
    if route.key.startswith("admin:admin/"):
        parts = route.key.removeprefix("admin:admin/").split("/")
        candidates = [(parts[0], parts[1])] if len(parts) > 2 else []
    else:
        parts = route.name.removeprefix("admin:").split("_")
        candidates = [
            ("_".join(parts[:i]), "_".join(parts[i:j]))
            for i in range(1, len(parts))
            for j in range(len(parts), i, -1)
        ]
    for app_label, model_name in candidates:
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        if model._meta.swapped:  # auth.User: the clinic's own user model stands in
            model = apps.get_model(model._meta.swapped)
        return model._meta.label_lower
    return None


def _values(route: Route, row: Row, world: World, obj: str | None = None) -> dict[str, str]:
    label = _admin_model_label(route) if route.is_admin else None
    values = {}
    for name in route.params:
        if name in world.of_a and not route.is_admin:
            objects = world.of_a[name]
            values[name] = objects[obj or row.obj or next(iter(objects))]
        elif name == "slug":
            values[name] = world.slugs.get(route.name.split(":")[0], world.slugs["default"])
        elif label is not None:
            assert label in world.admin_objects, f"{route.key}: give {label} an object in access_world.py"
            values[name] = world.admin_objects[label]
        elif name in world.fixed:
            values[name] = world.fixed[name]
        else:
            pytest.fail(f"{route.key}: teach access_world.py what to put in <{name}>")
    return values


def _status(cookies: SimpleCookie, route: Route, method: str, path: str, query: str = "") -> int:
    return _response(cookies, route, method, path, query).status_code


def _response(cookies: SimpleCookie, route: Route, method: str, path: str, query: str = ""):
    client = Client()
    client.cookies = SimpleCookie()
    client.cookies.load({name: morsel.value for name, morsel in cookies.items()})
    with transaction.atomic():  # every request sees the same world
        if method == "get":
            response = client.get(path, QUERY_STRING=query)
        elif route.is_api:
            response = client.post(path, data="{}", content_type="application/json")
        else:
            response = client.post(path)
        if response.streaming:  # a file download: read it to the end, which closes it
            b"".join(response.streaming_content)
        transaction.set_rollback(True)
    return response


def _row(route: Route) -> Row:
    if route.key not in ROWS:
        pytest.fail(f"No access-matrix row for the route {route.key!r} ({route.regex}): add one to {TABLE}")
    return ROWS[route.key]


def test_every_route_has_a_row():
    missing = sorted(route.key for route in ROUTES if route.key not in ROWS)
    assert not missing, f"Routes without a row in {TABLE}: {', '.join(missing)}"


def test_every_row_is_a_route():
    stale = sorted(set(ROWS) - {route.key for route in ROUTES})
    assert not stale, f"Rows in {TABLE} for routes that do not exist: {', '.join(stale)}"


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.key)
def test_each_role_gets_the_status_in_the_table(route, world, cookies, db):
    row = _row(route)
    path = fill(route, _values(route, row, world))
    assert path, f"{route.key}: the values from access_world.py do not make a path to this route"
    wrong = []
    for method in ("get", "post"):
        for role, expected in row.codes(method).items():
            got = _status(cookies[role], route, method, path, row.query if method == "get" else "")
            if got != expected:
                wrong.append(
                    f"{method.upper()} {path} as {ROLE_TITLES[role]}: {got}, the table says {expected}"
                )
    assert not wrong, "\n".join(wrong)


OBJECT_ROUTES = [
    route
    for route in ROUTES
    if not route.is_admin
    and {"pk", "appointment_id", "result_id", "letter_id", "alert_id", "patient_id"} & set(route.params)
]


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=lambda route: route.key)
def test_patient_b_and_the_other_therapist_reach_no_object_of_patient_a(route, world, cookies, db):
    row = _row(route)
    (param,) = set(route.params) & set(world.of_a)
    wrong = []
    for method in ("get", "post"):
        codes = row.codes(method)
        for role in STRANGERS:
            allowed = {404, 405} if codes["a"] == 405 else {404}
            assert codes[role] in allowed, (
                f"{route.key}: the table lets {ROLE_TITLES[role]} {method} A's object"
            )
        for obj in world.of_a[param]:
            path = fill(route, _values(route, row, world, obj=obj))
            for role in STRANGERS:
                got = _status(cookies[role], route, method, path)
                if got != codes[role]:
                    wrong.append(
                        f"{method.upper()} {path} ({obj}) as {ROLE_TITLES[role]}: {got}, not {codes[role]}"
                    )
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.key)
def test_no_answer_to_a_signed_in_person_or_from_the_api_is_stored(route, world, cookies, db):
    """`Cache-Control: no-store` on every page a patient or a clinic admin is shown, whatever its
    status, and on every API answer, signed in or not: no browser or proxy keeps a copy."""
    row = _row(route)
    path = fill(route, _values(route, row, world))
    roles = ("a", "admin", "anon") if route.is_api else ("a", "admin")
    stored = [
        f"GET {path} as {ROLE_TITLES[role]}: Cache-Control {response.get('Cache-Control')!r}"
        for role in roles
        if "no-store"
        not in (response := _response(cookies[role], route, "get", path, row.query)).get("Cache-Control", "")
    ]
    assert not stored, "\n".join(stored)
