"""`PlexClient`: the one place that sends requests to a Plex Media Server (through plexapi).

The transport under it (retries, redirects, size and time limits, safe XML) is `plex.http`. Errors become
`AuthError`/`PlexConnectionError` with a message naming the server, never the token.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Final, Literal
from urllib.parse import urlencode
from xml.etree.ElementTree import Element

import requests
from plexapi import exceptions as plex_exc
from plexapi.server import PlexServer
from plexapi.video import Episode, Movie, Season, Show

from ..errors import AuthError, PlexConnectionError, PlexError
from ..security import clean_text, redact, register_secret, strip_credentials
from .credentials import client_identifier
from .http import RetryPolicy, make_session
from .replies import SafePlexServer

__all__ = ["ItemGone", "PlexClient", "RetryPolicy", "Section", "make_session", "plex_errors"]

#: Real PMS is asked for at most this many items per request (X-Plex-Container-Size).
MAX_PAGE: Final = 1000
#: The first PMS version that sends items' external ids as <Guid> children (python-plexapi PR #831).
GUIDS_SINCE: Final = (1, 24, 3)

_PLEXAPI_CLASSES: Final[dict[str, tuple[Any, str]]] = {
    "movie": (Movie, "Video"), "episode": (Episode, "Video"),
    "show": (Show, "Directory"), "season": (Season, "Directory"),
}


@dataclass(frozen=True)
class Section:
    """A library section as the user picks it: `Movies` (key 1), `TV Shows` (key 2)…"""

    key: int
    title: str
    type: str  # movie | show | artist | photo
    agent: str = ""
    language: str = ""

    @property
    def listable_types(self) -> tuple[str, ...]:
        return {"movie": ("movie",), "show": ("show", "season", "episode")}.get(self.type, ())

    @property
    def new_agent(self) -> bool:
        """Items of new-agent sections carry their external ids only as <Guid> children."""
        return self.agent.startswith("tv.plex.agents.")

    def lookup_guid(self, imdb_id: str) -> str | None:
        """The primary guid an item of this section matched to `imdb_id` has, when that can be known in advance.

        Real PMS filters `guid=` on an item's own guid attribute only, never on its <Guid> children, so a per-id
        lookup can be answered only where the primary guid *is* the IMDb id: the legacy IMDb agent's sections
        (`com.plexapp.agents.imdb://tt…?lang=<the section's language>`). Anywhere else: None (list the section).
        """
        if self.agent != "com.plexapp.agents.imdb" or not self.language:
            return None
        return f"com.plexapp.agents.imdb://{imdb_id}?lang={self.language}"


class ItemGone(PlexError):
    """Raised for a 404: the server has no such item (deleted, or in the trash) — and only then."""


# Connecting: one short retry. A server that accepts the connection and never answers (a stuck PMS, a wrong port
# behind a firewall that swallows packets) would otherwise hold the user for 6 × 30 s before any word.
CONNECT_RETRY: Final = RetryPolicy(attempts=1, timeout_s=6.0, deadline_s=15.0)


class PlexClient:
    """A connected server. Thread-safe for the calls below (requests' pool is shared, plexapi holds no state)."""

    def __init__(self, server: PlexServer, url: str) -> None:
        self.server = server
        self.url = url
        self.name: str = server.friendlyName or url
        self.machine_identifier: str = server.machineIdentifier or ""
        self.version: str = server.version or ""
        self._sections: list[Section] | None = None
        self._lock = threading.Lock()

    @classmethod
    def connect(cls, url: str, token: str, *, verify: bool = True, retry: RetryPolicy | None = None,
                pool_size: int = 16) -> PlexClient:
        """Open a server by URL + token; raises AuthError / PlexConnectionError with a plain message."""
        register_secret(token)
        client_identifier()  # the server sees this installation's own X-Plex-Client-Identifier (credentials.py)
        policy = retry or RetryPolicy()
        first = retry or CONNECT_RETRY  # a server that never answers is told within ~15 s, not minutes
        session = make_session(verify=verify, retry=first, pool_size=pool_size)
        url = url.rstrip("/")
        try:
            with plex_errors(url):
                server = SafePlexServer(url, token, session=session, timeout=first.timeout_s)
        except ItemGone:  # every Plex server answers its root: a 404 there (a web server, a proxy) is no Plex
            raise PlexConnectionError(f"The server at {strip_credentials(url)} answered, but this is not a Plex "
                                      "server (it has no Plex API at that address): check the URL, e.g. "
                                      "http://192.168.1.10:32400.", reason="not_plex") from None
        if first is not policy:  # it answered: big listings and writes get the patient policy from now on
            adapter = policy.adapter(pool_size)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            server._timeout = policy.timeout_s
        return cls(server, strip_credentials(url))  # user:password@ in a URL is never stored or shown

    def sections(self) -> list[Section]:
        with self._lock:
            if self._sections is None:
                root = self.get("/library/sections")
                self._sections = [
                    Section(int(d.attrib["key"]), d.attrib.get("title", ""), d.attrib.get("type", ""),
                            d.attrib.get("agent", ""), d.attrib.get("language", ""))
                    for d in root if d.tag == "Directory" and d.attrib.get("key", "").isdigit()
                ]
            return list(self._sections)

    @property
    def sends_guids(self) -> bool:
        """Whether this server sends items' external ids (<Guid> children, `includeGuids=1`): PMS ≥ 1.24.3."""
        return server_sends_guids(self.version)

    def get(self, path: str, *, start: int | None = None, size: int | None = None) -> Element:
        """One request. Listings must pass `start` and `size` (≤ MAX_PAGE): real PMS wants X-Plex-Container-Size on
        every listing (it logs that a missing one "will fail with status code 400") — use `list_all` for those."""
        headers = {}
        if start is not None and size is not None:
            headers = {"X-Plex-Container-Start": str(start), "X-Plex-Container-Size": str(size)}
        with plex_errors(self.url):
            root = self.server.query(path, headers=headers)
        return root if root is not None else Element("MediaContainer")

    def list_all(self, path: str, *, page_size: int = MAX_PAGE) -> list[Element]:
        """Every item element of a listing (`…/children`, `…/allLeaves`, a section's `all`…), page by page.

        Stops at the first short page, so a `totalSize` that overstates what the pages hold costs nothing extra.
        """
        out: list[Element] = []
        start = 0
        while True:
            root = self.get(path, start=start, size=page_size)
            page = [el for el in root if "ratingKey" in el.attrib]
            out.extend(page)
            start += len(page)
            total = _int_attr(root, "totalSize", start)
            if len(page) < page_size or start >= total:
                return out

    def rate(self, rating_key: int, kind: str, rating: float | None, rated_at: int | None = None) -> None:
        """Set (or, with None, clear) the user rating; `rated_at` (epoch seconds) tells Plex when the user rated
        the title, so its `lastRatedAt` is the export's date rather than the time of this run."""
        params = {"key": str(rating_key), "identifier": "com.plexapp.plugins.library",
                  "rating": str(_plex_number(rating) if rating is not None else -1)}
        if rated_at is not None and rating is not None:
            params["ratedAt"] = str(min(int(rated_at), int(time.time())))  # PMS refuses a date in the future
        with plex_errors(self.url):
            self.server.query(f"/:/rate?{urlencode(params)}", method=self.server._session.put)

    def mark_watched(self, rating_key: int, kind: str, watched: bool) -> None:
        item = self._plexapi_item(rating_key, kind)
        with plex_errors(self.url):
            if watched:
                item.markPlayed()
            else:
                item.markUnplayed()

    def _plexapi_item(self, rating_key: int, kind: str) -> Any:
        """A partial plexapi object for writing: no request is made to build it."""
        cls, tag = _PLEXAPI_CLASSES[kind]
        data = Element(tag, {"ratingKey": str(rating_key), "type": kind, "key": f"/library/metadata/{rating_key}"})
        return cls(self.server, data, initpath=f"/library/metadata/{rating_key}")


def rated_at_epoch(day: date | None) -> int | None:
    """The `ratedAt` to send for an export row rated on `day`: that day's midnight UTC, the same instant the
    `newer` policy compares Plex's `lastRatedAt` with (never in the future: PMS refuses that)."""
    if day is None:
        return None
    return min(int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()), int(time.time()))


def server_sends_guids(version: str) -> bool:
    """PMS sends <Guid> children (`includeGuids=1`) from 1.24.3 on; an unreadable version is assumed recent."""
    parts = version.split("-", 1)[0].split(".")
    try:
        numbers = tuple(int(p) for p in parts[:3])
    except ValueError:
        return True
    return len(numbers) < 3 or numbers >= GUIDS_SINCE


def _int_attr(root: Element, name: str, default: int) -> int:
    value = root.attrib.get(name, "")
    return int(value) if value.isdigit() else default


def _plex_number(rating: float | None) -> float | int | None:
    """Send whole ratings as `8`, not `8.0`, as Plex clients do."""
    if rating is None:
        return None
    return int(rating) if float(rating).is_integer() else rating


class plex_errors:
    """Turn plexapi/requests exceptions into our own, with the server named and the token redacted."""

    def __init__(self, where: str) -> None:
        self.where = clean_text(redact(strip_credentials(where)))

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> Literal[False]:
        if exc is None or isinstance(exc, PlexError):
            return False
        detail = clean_text(redact(str(exc)))[:300]
        if isinstance(exc, plex_exc.Unauthorized):
            raise AuthError(f"Plex at {self.where} rejected the token (401): sign in again "
                            "(ratings-to-plex login) or pass a valid --token.", reason="token_rejected",
                            where=self.where) from None
        if isinstance(exc, requests.exceptions.SSLError):
            raise PlexConnectionError(f"TLS certificate check failed for {self.where}. If this is your own server "
                                      "with a self-signed certificate, use --insecure-skip-tls-verify.",
                                      reason="tls_failed", where=self.where) from None
        if isinstance(exc, requests.exceptions.Timeout):
            raise PlexConnectionError(f"Plex at {self.where} did not answer in time (after retries).") from None
        if isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.RetryError):
            raise PlexConnectionError(f"Cannot reach Plex at {self.where}: check the URL and that the server "
                                      "is running.") from None
        if isinstance(exc, plex_exc.NotFound):
            raise ItemGone(f"Plex at {self.where} has no such item ({detail}).") from None
        if isinstance(exc, plex_exc.BadRequest):
            status = detail[1:4] if detail.startswith("(") else "?"
            if status.startswith("5") or status == "429":
                raise PlexConnectionError(f"Plex at {self.where} kept failing ({detail.split(';')[0]}) "
                                          "after retries.") from None
            raise PlexError(f"Plex at {self.where} refused the request: {detail}") from None
        return False
