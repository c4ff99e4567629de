"""Every URL pattern of the project, read from the resolver, for the tests that walk them all.

The hostile-input walk (`intake/tests/test_hostile_walk.py`), the access matrix
(`intake/tests/test_access_matrix.py`) and the access-event classification
(`intake/tests/test_access_events.py`) all start here, so a route added anywhere is walked by each
the day it is added.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils.regex_helper import normalize


@dataclass(frozen=True)
class Route:
    name: str
    regex: str
    converters: dict = field(hash=False, compare=False)
    callback: Callable | None = field(default=None, hash=False, compare=False)

    @property
    def is_admin(self) -> bool:
        return self.name.startswith("admin:")

    @property
    def is_api(self) -> bool:
        return self.name.startswith("api-v1:")

    @property
    def params(self) -> list[str]:
        """The names of the path's parameters, in order."""
        return normalize(self.regex)[0][1]

    @property
    def key(self) -> str:
        """The route's name; an unnamed route (the admin's object redirects and catch-all) is named by
        its path with `<param>` for each parameter, e.g. `admin:admin/auth/group/<object_id>/`."""
        if self.name and not self.name.endswith(":"):
            return self.name
        template, params = normalize(self.regex)[0]
        return self.name + template % {name: f"<{name}>" for name in params}

    @property
    def path_prefix(self) -> str:
        """The path's first segment with its slash ("admin/", "accounts/", "api/"), or ""."""
        head, slash, _ = self.regex.partition("/")
        return head + slash if slash else ""

    def __str__(self) -> str:
        return self.name or self.regex


def _walk(resolver, prefix: str = "", converters: dict | None = None, namespace: str = ""):
    for entry in resolver.url_patterns:
        regex = prefix + entry.pattern.regex.pattern.removeprefix("^")
        found = {**(converters or {}), **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, regex, found, inner)
        else:
            yield Route(f"{namespace}{entry.name or ''}", regex, found, entry.callback)


def all_routes() -> list[Route]:
    """One Route per distinct URL regex (the API serves several methods on one URL: walked once)."""
    seen: dict[str, Route] = {}
    for route in _walk(get_resolver()):
        seen.setdefault(route.regex, route)
    return list(seen.values())


def fill(route: Route, values: dict[str, str]) -> str | None:
    """The path of `route` with `values`, or None when it would not resolve back to the route."""
    template, params = normalize(route.regex)[0]
    if set(params) - set(values):
        return None
    path = "/" + template % {name: values[name] for name in params}
    try:
        match = resolve(path.replace("%00", "\x00"))
    except (Resolver404, ValueError):
        return None
    found = f"{match.namespace}:{match.url_name or ''}" if match.namespace else (match.url_name or "")
    return path if found == route.name or not route.name else None
