"""URL routing: maps "METHOD path" to a handler and the pattern name the request counters use."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from . import discover, home, plextv, pms, writes
from .context import Context, Request, Response
from .users import view_for

Handler = Callable[..., Response]


@dataclass(frozen=True)
class Route:
    """One endpoint. `auth=False` only for the PIN calls plexapi makes without a token; `control` routes are
    the emulator's own knobs and are neither counted nor faulted."""

    methods: frozenset[str]
    regex: re.Pattern[str]
    pattern: str
    handler: Handler
    auth: bool = True
    control: bool = False


def _r(methods: str, path: str, handler: Handler, *, auth: bool = True, control: bool = False) -> Route:
    regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", re.escape(path).replace(r"\{", "{").replace(r"\}", "}"))
    return Route(frozenset(methods.split()), re.compile(regex + "$"), path, handler, auth, control)


ROUTES: tuple[Route, ...] = (
    _r("GET", "/", pms.root),
    _r("GET", "/identity", pms.identity),
    _r("GET", "/library", pms.library_root),
    _r("GET", "/library/sections", pms.sections),
    _r("GET", "/library/sections/", pms.sections),
    _r("GET", "/library/sections/{id}/all", pms.section_all),
    _r("PUT", "/library/sections/{id}/all", writes.section_edit),
    _r("GET", "/library/sections/{id}/collections", pms.section_collections),
    _r("GET", "/library/all", pms.library_all),
    _r("GET", "/library/metadata/{rk}/children", pms.children),
    _r("GET", "/library/metadata/{rk}/allLeaves", pms.all_leaves),
    _r("GET", "/library/metadata/{rk}", pms.metadata),
    _r("PUT GET POST", "/:/rate", writes.rate),
    _r("GET PUT POST", "/:/scrobble", writes.scrobble),
    _r("GET PUT POST", "/:/unscrobble", writes.unscrobble),
    _r("GET", "/api/v2/user", plextv.user),
    _r("POST", "/api/v2/users/signin", plextv.user, auth=False),
    _r("GET", "/api/v2/resources", plextv.resources),
    _r("POST", "/api/v2/pins", plextv.create_pin, auth=False),
    _r("GET", "/api/v2/pins/{id}", plextv.get_pin, auth=False),
    _r("GET", "/api/v2/home/users", home.home_users_v2),
    _r("POST", "/api/v2/home/users/{uuid}/switch", home.switch_v2),
    _r("GET", "/api/home/users", home.home_users_v1),
    _r("POST", "/api/home/users/{id}/switch", home.switch_v1),
    _r("GET", "/api/users/", home.users_v1),
    _r("GET", "/api/users", home.users_v1),
    _r("GET", "/emulator/users", home.list_people, control=True),
    _r("POST", "/emulator/users", home.set_switch_limit, control=True),
    _r("POST", "/emulator/pins/approve-all", plextv.approve_all, control=True),
    _r("POST", "/emulator/pins/{id}/approve", plextv.approve_pin, control=True),
    _r("GET", "/emulator/state", plextv.state, control=True),
    _r("GET", "/emulator/counters", plextv.counters, control=True),
    _r("POST", "/emulator/counters/reset", plextv.reset_counters, control=True),
    _r("POST", "/emulator/faults", plextv.set_faults, control=True),
    *(_r(methods, path, handler, auth=False) for methods, path, handler in discover.ROUTES),  # checks its own token
    _r("GET", "/emulator/discover/state", discover.control_state, control=True),
)


def resolve(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for a request and its path parameters; None for an unknown path or method."""
    for route in ROUTES:
        m = route.regex.match(path)
        if m and method in route.methods:
            return route, m.groupdict()
    return None


def metadata_pattern(path: str) -> str:
    """Counter key for unknown paths: the path itself (kept short so a typo cannot explode the counter map)."""
    return path[:120]


def dispatch(ctx: Context, route: Route, params: dict[str, str], req: Request) -> Response:
    return route.handler(view_for(ctx, req), req, **params)  # another user's token sees their own state
