"""`PlexClient`: the one place that sends requests to a Plex Media Server (through plexapi).

The transport under it (retries, redirects, size and time limits, safe XML) is `plex.http`. Errors become
`AuthError`/`PlexConnectionError` with a message naming the server, never the token.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Final, Literal
from xml.etree.ElementTree import Element

import requests
from plexapi import exceptions as plex_exc
from plexapi.server import PlexServer
from plexapi.video import Episode, Movie, Season, Show

from ..errors import AuthError, PlexConnectionError, PlexError
from ..security import clean_text, redact, register_secret, strip_credentials
from .http import RetryPolicy, SafePlexServer, make_session

__all__ = ["PlexClient", "RetryPolicy", "Section", "make_session", "plex_errors"]

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

    @property
    def listable_types(self) -> tuple[str, ...]:
        return {"movie": ("movie",), "show": ("show", "episode")}.get(self.type, ())

    @property
    def new_agent(self) -> bool:
        """New-agent sections can be searched by `imdb://` guid; legacy ones cannot."""
        return self.agent.startswith("tv.plex.agents.")


class PlexClient:
    """A connected server. Thread-safe for the calls below (requests' pool is shared, plexapi holds no state)."""

    def __init__(self, server: PlexServer, url: str) -> None:
        self.server = server
        self.url = url
        self.name: str = server.friendlyName or url
        self.machine_identifier: str = server.machineIdentifier or ""
        self._sections: list[Section] | None = None
        self._lock = threading.Lock()

    @classmethod
    def connect(cls, url: str, token: str, *, verify: bool = True, retry: RetryPolicy | None = None,
                pool_size: int = 16) -> PlexClient:
        """Open a server by URL + token; raises AuthError / PlexConnectionError with a plain message."""
        register_secret(token)
        policy = retry or RetryPolicy()
        session = make_session(verify=verify, retry=policy, pool_size=pool_size)
        url = url.rstrip("/")
        with plex_errors(url):
            server = SafePlexServer(url, token, session=session, timeout=policy.timeout_s)
        return cls(server, strip_credentials(url))  # user:password@ in a URL is never stored or shown

    def sections(self) -> list[Section]:
        with self._lock:
            if self._sections is None:
                root = self.get("/library/sections")
                self._sections = [
                    Section(int(d.attrib["key"]), d.attrib.get("title", ""), d.attrib.get("type", ""),
                            d.attrib.get("agent", ""))
                    for d in root if d.tag == "Directory" and d.attrib.get("key", "").isdigit()
                ]
            return list(self._sections)

    def get(self, path: str, *, start: int | None = None, size: int | None = None) -> Element:
        headers = {}
        if start is not None and size is not None:
            headers = {"X-Plex-Container-Start": str(start), "X-Plex-Container-Size": str(size)}
        with plex_errors(self.url):
            root = self.server.query(path, headers=headers)
        return root if root is not None else Element("MediaContainer")

    def rate(self, rating_key: int, kind: str, rating: float | None) -> None:
        """Set (or, with None, clear) the user rating through plexapi's own `rate()`."""
        with plex_errors(self.url):
            self._plexapi_item(rating_key, kind).rate(_plex_number(rating))

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
                            "(ratings-to-plex login) or pass a valid --token.") from None
        if isinstance(exc, requests.exceptions.SSLError):
            raise PlexConnectionError(f"TLS certificate check failed for {self.where}. If this is your own server "
                                      "with a self-signed certificate, use --insecure-skip-tls-verify.") from None
        if isinstance(exc, requests.exceptions.Timeout):
            raise PlexConnectionError(f"Plex at {self.where} did not answer in time (after retries).") from None
        if isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.RetryError):
            raise PlexConnectionError(f"Cannot reach Plex at {self.where}: check the URL and that the server "
                                      "is running.") from None
        if isinstance(exc, plex_exc.NotFound):
            raise PlexError(f"Plex at {self.where} has no such item ({detail}).") from None
        if isinstance(exc, plex_exc.BadRequest):
            status = detail[1:4] if detail.startswith("(") else "?"
            if status.startswith("5") or status == "429":
                raise PlexConnectionError(f"Plex at {self.where} kept failing ({detail.split(';')[0]}) "
                                          "after retries.") from None
            raise PlexError(f"Plex at {self.where} refused the request: {detail}") from None
        return False
