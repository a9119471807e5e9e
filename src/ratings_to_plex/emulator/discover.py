"""Plex's online catalogue ("Discover") and its metadata service, served by the emulator under `/discover`.

Live, these are two hosts (`discover.provider.plex.tv`, `metadata.provider.plex.tv`) whose paths collide with a
server's (`/library/metadata/…`); the tool reaches both through one base URL (`RATINGS_TO_PLEX_DISCOVER_URL`), so the
emulator serves both under one prefix: `http://127.0.0.1:PORT/discover`. Shapes follow PLEX_PROTOCOL.md §9 (JSON with
`Accept: application/json`). User state (ratings, views) is per account token — never shared between accounts —
and each token gets a token bucket: a burst beyond it is answered 429 with `Retry-After`, and a request that
arrives before that wait is over (beyond those already on the wire) is counted in `early`: a client that honours
Retry-After keeps it at 0.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .context import Context, Request, Response
from .discover_catalogue import Catalogue, Title, build_catalogue

PREFIX = "/discover"
RATE_IDENTIFIER = "tv.plex.provider.discover"
_TYPES = {"1": "movie", "2": "show"}
_SEARCH_TYPES = {"movies": "movie", "tv": "show"}


@dataclass(slots=True)
class UserState:
    """One account's state of one title."""

    user_rating: float | None = None
    last_rated_at: int | None = None
    view_count: int = 0
    last_viewed_at: int | None = None


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float
    blocked_until: float = 0.0
    blocked_since: float = 0.0


@dataclass
class Limits:
    """Per-account burst limit: `burst` requests at once, refilled at `per_second`; 429s ask to wait `retry_after`."""

    burst: float = 20.0
    per_second: float = 10.0
    retry_after: float = 1.0


@dataclass
class DiscoverService:
    """The catalogue (built on first use from the library) plus per-account user state and rate limiting."""

    build: Callable[[], Catalogue]
    limits: Limits = field(default_factory=Limits)
    early: int = 0  # requests that came back before their Retry-After was over
    throttled: int = 0  # 429s answered
    lose_answers: int = 0  # the next N scrobbles land but are answered 500, as if the answer was lost on the way
    _catalogue: Catalogue | None = None
    _states: dict[str, dict[str, UserState]] = field(default_factory=dict)
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def catalogue(self) -> Catalogue:
        with self._lock:
            if self._catalogue is None:
                self._catalogue = self.build()
            return self._catalogue

    def account(self, token: str) -> dict[str, UserState]:
        """The state map of one account (created empty on first use)."""
        with self._lock:
            return self._states.setdefault(token, {})

    def user_state(self, token: str, key: str) -> UserState:
        with self._lock:
            return self._states.setdefault(token, {}).setdefault(key, UserState())

    def rating(self, token: str, key: str) -> float | None:
        """A test helper: the account's rating of a title (None when unrated)."""
        return self.user_state(token, key).user_rating

    def set_rating(self, token: str, key: str, rating: float | None) -> None:
        """A test helper: preset a rating as if the user had rated the title in a Plex app."""
        state = self.user_state(token, key)
        state.user_rating, state.last_rated_at = rating, (int(time.time()) - 86_400 if rating is not None else None)

    def rated(self, token: str) -> dict[str, float]:
        """Every rated title of one account: hex → rating."""
        with self._lock:
            states = dict(self._states.get(token, {}))
        return {k: s.user_rating for k, s in states.items() if s.user_rating is not None}

    def find(self, guid: str) -> Title | None:
        """A test helper: the entry carrying an external id (`imdb://tt…`)."""
        found = self.catalogue.match(guid, None)
        return found[0] if found else None

    def admit(self, token: str) -> float | None:
        """Take one request from the account's bucket; the seconds to wait when it is empty (answer 429)."""
        now = time.monotonic()
        limits = self.limits
        with self._lock:
            bucket = self._buckets.setdefault(token, _Bucket(limits.burst, now))
            # Requests already on the wire when the 429 went out arrive within milliseconds: not a client's fault.
            if bucket.blocked_since + min(0.1, limits.retry_after / 4) < now < bucket.blocked_until:
                self.early += 1
            bucket.tokens = min(limits.burst, bucket.tokens + (now - bucket.stamp) * limits.per_second)
            bucket.stamp = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            self.throttled += 1
            if now >= bucket.blocked_until:
                bucket.blocked_since = now
            bucket.blocked_until = max(bucket.blocked_until, now + limits.retry_after)
            return limits.retry_after


_CREATE_LOCK = threading.Lock()


def service(ctx: Context) -> DiscoverService:
    """The context's Discover side (the Emulator creates it up front; its catalogue is built on first use)."""
    with _CREATE_LOCK:
        if ctx.discover is None:
            library = ctx.library
            ctx.discover = DiscoverService(lambda: build_catalogue(library))
        return ctx.discover


# -- responses ------------------------------------------------------------------------------------------------
def _json(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(body, ensure_ascii=False).encode("utf-8"), "application/json",
                    headers or {})


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return _json({"errors": [{"code": status, "message": message, "status": status}]}, status, headers)


def _metadata(title: Title, state: UserState | None) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "ratingKey": title.key, "key": f"/library/metadata/{title.key}", "guid": title.guid, "type": title.type,
        "title": title.title, "Guid": [{"id": g} for g in title.guids],
    }
    if title.year is not None:
        meta["year"] = title.year
    if title.original_title:
        meta["originalTitle"] = title.original_title
    if state is not None:
        meta["userState"] = True
        for name, value in (("userRating", state.user_rating), ("lastRatedAt", state.last_rated_at),
                            ("viewCount", state.view_count or None), ("lastViewedAt", state.last_viewed_at)):
            if value is not None:
                meta[name] = value
    return meta


def _guarded(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Check the account token (401 without one), then the burst limit (429 + Retry-After), then handle."""

    def run(ctx: Context, req: Request, **params: str) -> Response:
        token = req.param("X-Plex-Token") or ""
        if not ctx.token_ok(token, plextv=True):  # an account token; a server token of another user is not one
            return _error(401, "User could not be authenticated")
        svc = service(ctx)
        wait = svc.admit(token)
        if wait is not None:
            seconds = str(int(wait)) if float(wait).is_integer() else f"{wait:g}"
            return _error(429, "Too Many Requests", {"Retry-After": seconds})
        return handler(svc, token, req, **params)

    return run


def _matches(svc: DiscoverService, token: str, req: Request) -> Response:
    guid = req.query.get("guid", "")
    kind = _TYPES.get(req.query.get("type", ""))
    if not guid or "://" not in guid:
        return _error(400, "Missing required param guid!")
    found = svc.catalogue.match(guid, kind)
    if not found:
        return _error(404, "Not Found")
    return _json({"MediaContainer": {"size": len(found), "identifier": RATE_IDENTIFIER,
                                     "Metadata": [_metadata(t, None) for t in found]}})


def _search(svc: DiscoverService, token: str, req: Request) -> Response:
    if not req.query.get("searchProviders"):
        return _error(400, "Missing required param searchProviders!")
    kinds = frozenset(_SEARCH_TYPES[t] for t in req.query.get("searchTypes", "movies,tv").split(",")
                      if t in _SEARCH_TYPES)
    try:
        limit = max(1, min(100, int(req.query.get("limit", "30"))))
    except ValueError:
        return _error(400, "limit must be a number")
    found = svc.catalogue.search(req.query.get("query", ""), kinds, limit)
    results = [{"score": score, "Metadata": _metadata(t, None)} for score, t in found]
    return _json({"MediaContainer": {"size": 1, "identifier": RATE_IDENTIFIER, "SearchResults": [
        {"id": "external", "title": "More Ways To Watch", "size": len(results), "SearchResult": results}]}})


def _title_or_404(svc: DiscoverService, key: str) -> Title | Response:
    title = svc.catalogue.titles.get(key)
    return title if title is not None else _error(404, "Not Found")


def _meta(svc: DiscoverService, token: str, req: Request, key: str) -> Response:
    title = _title_or_404(svc, key)
    if isinstance(title, Response):
        return title
    state = svc.user_state(token, key) if req.flag("includeUserState") else None
    return _json({"MediaContainer": {"size": 1, "identifier": RATE_IDENTIFIER, "Metadata": [_metadata(title, state)]}})


def _user_state(svc: DiscoverService, token: str, req: Request, key: str) -> Response:
    title = _title_or_404(svc, key)
    if isinstance(title, Response):
        return title
    state = svc.user_state(token, key)
    row: dict[str, Any] = {"ratingKey": key, "type": title.type, "viewCount": state.view_count,
                           "viewState": "complete" if state.view_count else "unplayed"}
    for name, value in (("userRating", state.user_rating), ("lastViewedAt", state.last_viewed_at)):
        if value is not None:
            row[name] = value
    return _json({"MediaContainer": {"size": 1, "UserState": [row]}})


def _rate(svc: DiscoverService, token: str, req: Request) -> Response:
    if req.query.get("identifier") != RATE_IDENTIFIER:
        return _error(400, f"identifier must be {RATE_IDENTIFIER}")
    title = _title_or_404(svc, req.query.get("key", ""))
    if isinstance(title, Response):
        return title
    try:
        value = float(req.query.get("rating", ""))
    except ValueError:
        return _error(400, "rating must be a number")
    if value != -1 and not 0 < value <= 10:
        return _error(400, "rating must be between 1 and 10, or -1 to clear")
    svc.set_rating(token, title.key, None if value == -1 else value)
    if value != -1:
        svc.user_state(token, title.key).last_rated_at = int(time.time())
    return _json({})


def _scrobble(watched: bool) -> Callable[[DiscoverService, str, Request], Response]:
    def handle(svc: DiscoverService, token: str, req: Request) -> Response:
        if req.query.get("identifier") != "com.plexapp.plugins.library":
            return _error(400, "identifier must be com.plexapp.plugins.library")
        title = _title_or_404(svc, req.query.get("key", ""))
        if isinstance(title, Response):
            return title
        state = svc.user_state(token, title.key)
        if watched:
            state.view_count, state.last_viewed_at = state.view_count + 1, int(time.time())
        else:
            state.view_count, state.last_viewed_at = 0, None
        with svc._lock:
            lost, svc.lose_answers = svc.lose_answers > 0, max(0, svc.lose_answers - 1)
        return _error(500, "Internal Server Error") if lost else _json({})

    return handle


def control_state(ctx: Context, req: Request) -> Response:
    """`GET /emulator/discover/state`: the emulator token's Discover ratings and views, and the 429 tallies."""
    svc = service(ctx)
    titles = svc.catalogue.titles
    with svc._lock:
        states = dict(svc._states.get(ctx.token or "", {}))
    return _json({"early": svc.early, "throttled": svc.throttled, "titles": {
        key: {"title": titles[key].title, "year": titles[key].year, "user_rating": s.user_rating,
              "view_count": s.view_count} for key, s in states.items() if key in titles}})


#: (methods, path pattern, handler) for routes.py; every one checks the account token itself.
ROUTES: tuple[tuple[str, str, Callable[..., Response]], ...] = (
    ("GET", f"{PREFIX}/library/metadata/matches", _guarded(_matches)),
    ("GET", f"{PREFIX}/library/search", _guarded(_search)),
    ("GET", f"{PREFIX}/library/metadata/{{key}}/userState", _guarded(_user_state)),
    ("GET", f"{PREFIX}/library/metadata/{{key}}", _guarded(_meta)),
    ("PUT POST", f"{PREFIX}/actions/rate", _guarded(_rate)),
    ("GET PUT POST", f"{PREFIX}/actions/scrobble", _guarded(_scrobble(True))),
    ("GET PUT POST", f"{PREFIX}/actions/unscrobble", _guarded(_scrobble(False))),
)
