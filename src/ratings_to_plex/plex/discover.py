"""`DiscoverClient`: the signed-in account on Plex's online catalogue ("Discover"), where any film or show can be rated.

What it sends is what public client code sends to the live service (PLEX_PROTOCOL.md §9): look up by external id
(`/library/metadata/matches`), search by title (`/library/search`), read the account's state
(`/library/metadata/<hex>?includeUserState=1`), rate (`PUT /actions/rate`) and mark watched (`/actions/scrobble`).
The service publishes no quota and answers bursts with 429 + `Retry-After`, so every request waits for the shared
token bucket, and a 429 holds the bucket — every thread, not just the one refused — for the time asked (capped at a
minute). Lookups are cached for the run: one request per id, one per search. The token goes in a header, never in
a URL; redirects are refused (they would carry it elsewhere).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import plexapi
import requests

from ..errors import AuthError, PlexConnectionError, PlexError
from ..security import redact, register_secret
from .client import RetryPolicy, make_session
from .items import LibraryItem

DISCOVER_ENV: Final = "RATINGS_TO_PLEX_DISCOVER_URL"
DISCOVER_DEFAULT: Final = "https://discover.provider.plex.tv"
METADATA_DEFAULT: Final = "https://metadata.provider.plex.tv"
PACE_ENV: Final = "RATINGS_TO_PLEX_DISCOVER_PACE"  # requests per second (default 3; §9 suggests 1–5)
RATE_IDENTIFIER: Final = "tv.plex.provider.discover"
_TYPE_NUMBERS: Final = {"movie": 1, "show": 2}
_SEARCH_TYPES: Final = {"movie": "movies", "show": "tv"}
_MAX_BODY: Final = 4 * 1024 * 1024
_MAX_WAIT_S: Final = 60.0
_TRIES_429: Final = 6
_SLOWEST: Final = 1.0  # requests per second the pace never drops below after 429s (§9: 1–5 per second)
# 5xx and network errors are retried by the transport; 429 is ours (the bucket must hold for every thread).
_RETRY: Final = RetryPolicy(attempts=3, backoff_s=0.5, timeout_s=20.0)


#: Discover titles become library items with rating keys from here up (servers count from 1) in this "section".
KEY_BASE: Final = 1 << 62
DISCOVER_SECTION: Final = -1
DISCOVER_LIBRARY: Final = "Plex Discover"


def on_discover(item: LibraryItem) -> bool:
    """Whether an item is a title on Plex Discover rather than in a library."""
    return item.rating_key >= KEY_BASE


def discover_key(hex_id: str) -> int:
    """The stable rating key standing for a Discover id (60 bits of its hash above `KEY_BASE`)."""
    return KEY_BASE + int(hashlib.sha1(hex_id.encode()).hexdigest()[:15], 16)


def discover_bases() -> tuple[str, str]:
    """(discover, metadata) base URLs: the live hosts, or both at `RATINGS_TO_PLEX_DISCOVER_URL`."""
    value = os.environ.get(DISCOVER_ENV, "").strip().rstrip("/")
    return (value, value) if value else (DISCOVER_DEFAULT, METADATA_DEFAULT)


@dataclass(frozen=True, slots=True)
class OnlineTitle:
    """A film or show on Discover; the user fields are the account's, and only set by `DiscoverClient.state`."""

    key: str  # the 24-hex id, also the tail of the `plex://` guid
    type: str  # movie | show
    title: str
    year: int | None
    guids: tuple[str, ...] = ()
    user_rating: float | None = None
    last_rated_at: int | None = None
    view_count: int = 0

    @property
    def display_title(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title

    @property
    def watched(self) -> bool:
        return self.view_count > 0


def _title(meta: Mapping[str, Any]) -> OnlineTitle | None:
    key, kind = str(meta.get("ratingKey") or ""), str(meta.get("type") or "")
    if not key or kind not in _TYPE_NUMBERS:
        return None
    year, rating, rated_at = meta.get("year"), meta.get("userRating"), meta.get("lastRatedAt")
    guids = tuple(str(g.get("id")) for g in meta.get("Guid") or () if isinstance(g, Mapping) and g.get("id"))
    return OnlineTitle(key, kind, str(meta.get("title") or ""), int(year) if isinstance(year, int) else None,
                       guids, float(rating) if isinstance(rating, (int, float)) else None,
                       int(rated_at) if isinstance(rated_at, int) else None, int(meta.get("viewCount") or 0))


class Pacer:
    """A token bucket shared by every thread: `per_second` requests on average, `burst` at once; `hold` stops all."""

    def __init__(self, per_second: float, burst: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.per_second, self.burst = per_second, burst
        self._clock, self._sleep = clock, sleep
        self._tokens, self._stamp, self._held_until = burst, clock(), 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until one request may go."""
        while True:
            with self._lock:
                now = self._clock()
                if now < self._held_until:
                    delay = self._held_until - now
                else:
                    self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.per_second)
                    self._stamp = now
                    if self._tokens >= 1.0:
                        self._tokens -= 1.0
                        return
                    delay = (1.0 - self._tokens) / self.per_second
            self._sleep(delay)

    def hold(self, seconds: float) -> None:
        """Nobody sends for `seconds` (a 429's Retry-After); then the bucket starts empty and refills 30 % slower
        (down to 1 request/s): a service that had to say "slow down" once should not have to keep saying it."""
        with self._lock:
            self._held_until = max(self._held_until, self._clock() + seconds)
            self._tokens, self._stamp = 0.0, self._held_until
            self.per_second = max(min(self.per_second, _SLOWEST), self.per_second * 0.7)


@dataclass
class DiscoverStats:
    requests: int = 0  # sent, retries of 429s included
    throttled: int = 0  # 429s received
    by_kind: dict[str, int] = field(default_factory=dict)


def _pace_from_env() -> float:
    try:
        return max(0.1, float(os.environ.get(PACE_ENV, "") or 3.0))
    except ValueError:
        return 3.0


class DiscoverClient:
    """One account on Discover. Thread-safe: the bucket, the caches and the stats are shared under locks."""

    def __init__(self, token: str, *, verify: bool = True, pace: float | None = None, burst: float | None = None,
                 session: requests.Session | None = None) -> None:
        register_secret(token)
        self._token = token
        self.discover_base, self.metadata_base = discover_bases()
        self.where = "Plex Discover" + ("" if self.discover_base == DISCOVER_DEFAULT
                                        else f" (redirected to {self.discover_base})")
        per_second = pace if pace is not None else _pace_from_env()
        self.pacer = Pacer(per_second, burst if burst is not None else max(1.0, min(per_second, 5.0)))
        self.session = session or make_session(verify=verify, retry=_RETRY, pool_size=8)
        for adapter in self.session.adapters.values():  # 429s are handled here, for every thread at once
            retry = getattr(adapter, "max_retries", None)
            if retry is not None and hasattr(retry, "new"):
                adapter.max_retries = retry.new(  # type: ignore[attr-defined]
                    status_forcelist=(500, 502, 503, 504), respect_retry_after_header=False)
        # A scrobble adds a view each time it lands, and a lost answer does not mean it did not: never resent
        # blindly (the executor reads the state back and resends only if the title is still unwatched).
        self._once = make_session(verify=verify, retry=RetryPolicy(attempts=0, timeout_s=_RETRY.timeout_s),
                                  pool_size=2)
        self.stats = DiscoverStats()
        self._finds: dict[tuple[str, str], OnlineTitle | None] = {}
        self._searches: dict[tuple[str, str], list[OnlineTitle]] = {}
        self._lock = threading.Lock()

    # -- reads -----------------------------------------------------------------------------------------------
    def find(self, guid: str, kind: str) -> OnlineTitle | None:
        """The title carrying an external id (`imdb://tt…`, `tmdb://…`, `tvdb://…`) of that type; cached."""
        with self._lock:
            if (guid, kind) in self._finds:
                return self._finds[(guid, kind)]
        body = self._request("GET", self.discover_base, "/library/metadata/matches", "lookup",
                             {"type": _TYPE_NUMBERS[kind], "guid": guid}, missing_ok=True)
        metas = (body or {}).get("MediaContainer", {}).get("Metadata") or []
        found = next((t for t in map(_title, metas) if t is not None and t.type == kind), None)
        with self._lock:
            self._finds[(guid, kind)] = found
        return found

    def search(self, query: str, kind: str) -> list[OnlineTitle]:
        """Discover's own search results of one type (its "external" results, as plexapi reads them); cached."""
        with self._lock:
            if (query, kind) in self._searches:
                return self._searches[(query, kind)]
        body = self._request("GET", self.discover_base, "/library/search", "search",
                             {"query": query, "limit": 30, "searchTypes": _SEARCH_TYPES[kind],
                              "searchProviders": "discover", "includeMetadata": 1})
        groups = (body or {}).get("MediaContainer", {}).get("SearchResults") or []
        results = next((g.get("SearchResult") or [] for g in groups if g.get("id") == "external"), [])
        found = [t for t in (_title(r.get("Metadata") or {}) for r in results) if t is not None and t.type == kind]
        with self._lock:
            self._searches[(query, kind)] = found
        return found

    def state(self, title: OnlineTitle) -> OnlineTitle:
        """The title as the account sees it now: its rating, when it was rated, how often it was watched."""
        body = self._request("GET", self.discover_base, f"/library/metadata/{title.key}", "state",
                             {"includeUserState": 1})
        metas = (body or {}).get("MediaContainer", {}).get("Metadata") or []
        fresh = next((t for t in map(_title, metas) if t is not None and t.key == title.key), None)
        if fresh is None:
            raise PlexError(f"{self.where} did not return {title.display_title} when asked for it.")
        return fresh

    # -- writes ----------------------------------------------------------------------------------------------
    def rate(self, key: str, rating: float | None) -> None:
        """Rate on the 1–10 scale; None clears with `rating=-1` (the server's convention; unproven live)."""
        value: float | int = -1 if rating is None else (int(rating) if float(rating).is_integer() else rating)
        self._request("PUT", self.discover_base, "/actions/rate", "rate",
                      {"identifier": RATE_IDENTIFIER, "key": key, "rating": value})

    def set_watched(self, key: str, watched: bool) -> None:
        path = "/actions/scrobble" if watched else "/actions/unscrobble"
        self._request("GET", self.metadata_base, path, "scrobble" if watched else "unscrobble",
                      {"key": key, "identifier": "com.plexapp.plugins.library"})

    # -- transport -------------------------------------------------------------------------------------------
    def _request(self, method: str, base: str, path: str, kind: str, params: Mapping[str, str | int | float], *,
                 missing_ok: bool = False) -> dict[str, Any] | None:
        """Paced request; 429 holds everyone for Retry-After and tries again; JSON body (None for a 404 lookup)."""
        headers = {**plexapi.BASE_HEADERS, "Accept": "application/json", "X-Plex-Token": self._token}
        for _ in range(_TRIES_429):
            self.pacer.wait()
            with self._lock:
                self.stats.requests += 1
                self.stats.by_kind[kind] = self.stats.by_kind.get(kind, 0) + 1
            try:
                session = self._once if kind == "scrobble" else self.session
                resp = session.request(method, base + path, params=dict(params), headers=headers,
                                       timeout=_RETRY.timeout_s, allow_redirects=False)
                body = self._read(resp)
            except PlexConnectionError:
                raise  # the transport's own message (too big, too slow, cut short) says it best
            except requests.exceptions.SSLError:
                raise PlexConnectionError(f"TLS certificate check failed for {self.where}.") from None
            except requests.exceptions.RequestException:
                raise PlexConnectionError(f"Cannot reach {self.where}: check your internet connection "
                                          "(after retries).") from None
            if resp.status_code == 429:
                with self._lock:
                    self.stats.throttled += 1
                self.pacer.hold(_retry_after(resp.headers.get("Retry-After")))
                continue
            return self._check(resp.status_code, body, kind, missing_ok)
        raise PlexConnectionError(f"{self.where} kept asking us to slow down (429) for a {kind}; "
                                  "try again later.")

    def _read(self, resp: requests.Response) -> bytes:
        """The body, refused when it is absurdly large for a lookup (a wrong or hostile host)."""
        declared = resp.headers.get("Content-Length", "0")
        body = resp.content or b""
        if len(body) > _MAX_BODY or (declared.isdigit() and int(declared) > _MAX_BODY):
            raise PlexError(f"{self.where} sent an answer larger than {_MAX_BODY // 1024 // 1024} MB; refusing it.")
        return body

    def _check(self, status: int, body: bytes, kind: str, missing_ok: bool) -> dict[str, Any] | None:
        if status == 401:
            raise AuthError(f"{self.where} rejected the account token (401): sign in again with "
                            "`ratings-to-plex login`.")
        if status == 404 and missing_ok:
            return None
        if 300 <= status < 400:
            raise PlexError(f"{self.where} answered the {kind} with a redirect; not following it.")
        if status >= 500:
            raise PlexConnectionError(f"{self.where} kept failing ({status}) for a {kind} after retries.")
        if status >= 400:
            detail = redact(body[:200].decode("utf-8", "replace"))
            raise PlexError(f"{self.where} refused the {kind} ({status}): {detail}")
        if not body.strip():
            return {}
        try:
            data = json.loads(body)
        except ValueError:
            raise PlexError(f"{self.where} answered the {kind} with something that is not JSON.") from None
        return data if isinstance(data, dict) else {}


def _retry_after(value: str | None) -> float:
    """Seconds to wait: Retry-After as (fractional) seconds, capped at a minute; 2 s when missing or a date."""
    try:
        return min(_MAX_WAIT_S, max(0.0, float(value or "")))
    except ValueError:
        return 2.0
