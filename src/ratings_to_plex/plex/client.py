"""`PlexClient`: the one place that sends requests to a Plex Media Server (through plexapi).

Retries live in the HTTP adapter (urllib3 `Retry`): timeouts, connection errors, 5xx and 429 are retried with
exponential backoff, honouring `Retry-After`; other 4xx never are. Errors become `AuthError`/`PlexConnectionError`
with a message naming the server, never the token.
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
from requests.adapters import HTTPAdapter
from urllib3 import exceptions as urllib3_exc
from urllib3.util.retry import Retry

from ..errors import AuthError, PlexConnectionError, PlexError
from ..security import redact, register_secret

_RETRY_STATUSES: Final = (429, 500, 502, 503, 504)
_MAX_RETRY_AFTER_S: Final = 60.0
_PLEXAPI_CLASSES: Final[dict[str, tuple[Any, str]]] = {
    "movie": (Movie, "Video"), "episode": (Episode, "Video"),
    "show": (Show, "Directory"), "season": (Season, "Directory"),
}


class _CappedRetry(Retry):
    """urllib3's Retry, but a server asking us to wait longer than a minute gets a minute."""

    def parse_retry_after(self, retry_after: str) -> float:
        """Also accept fractional seconds (urllib3 takes only whole ones or an HTTP date)."""
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            return float(super().parse_retry_after(retry_after))

    def increment(self, method: Any = None, url: Any = None, response: Any = None, error: Any = None,
                  _pool: Any = None, _stacktrace: Any = None) -> _CappedRetry:
        """A certificate that fails verification will fail again: give up at once instead of backing off."""
        if isinstance(error, urllib3_exc.SSLError):
            raise error
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        return None if value is None else min(value, _MAX_RETRY_AFTER_S)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before a request counts as failed."""

    attempts: int = 5
    backoff_s: float = 0.25
    timeout_s: float = 30.0

    def adapter(self, pool_size: int) -> HTTPAdapter:
        retry = _CappedRetry(
            total=self.attempts, connect=self.attempts, read=self.attempts, status=self.attempts,
            backoff_factor=self.backoff_s, backoff_max=10.0, status_forcelist=_RETRY_STATUSES,
            allowed_methods=None, respect_retry_after_header=True, raise_on_status=False,
        )
        return HTTPAdapter(max_retries=retry, pool_connections=pool_size, pool_maxsize=pool_size)


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


class _Session(requests.Session):
    """A requests Session whose `verify=False` survives REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE (psf/requests#3829)."""

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if self.verify is False:
            settings["verify"] = False
        return settings


def make_session(*, verify: bool = True, retry: RetryPolicy | None = None, pool_size: int = 16) -> requests.Session:
    session = _Session()
    session.verify = verify
    adapter = (retry or RetryPolicy()).adapter(pool_size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


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
            server = PlexServer(url, token, session=session, timeout=policy.timeout_s)
        return cls(server, url)

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
        self.where = redact(where)

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> Literal[False]:
        if exc is None or isinstance(exc, PlexError):
            return False
        detail = redact(str(exc))[:300]
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
