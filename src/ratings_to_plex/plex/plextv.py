"""Where plex.tv is: the real one by default, or (for tests, checks and the demo) whatever
`RATINGS_TO_PLEX_PLEXTV_URL` names.

plexapi hard-codes `https://plex.tv/...`, so every plex.tv call of the tool goes through `plextv_session()`: our
retrying session plus, when the base is elsewhere, an adapter that rewrites those URLs before sending
(PLEX_PROTOCOL.md §1.5 option 1). Server (PMS) URLs pass through untouched.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Final, Literal
from urllib.parse import urlsplit

import requests
from plexapi import exceptions as plex_exc
from requests.adapters import BaseAdapter, HTTPAdapter

from ..errors import AuthError, PlexConnectionError
from .client import RetryPolicy, make_session, plex_errors
from .credentials import client_identifier

PLEXTV_ENV: Final = "RATINGS_TO_PLEX_PLEXTV_URL"
PLEXTV_DEFAULT: Final = "https://plex.tv"
# plex.tv answers quickly or not at all: fewer, shorter tries than a busy home server gets.
PLEXTV_RETRY: Final = RetryPolicy(attempts=3, backoff_s=0.5, timeout_s=15.0)


def plextv_base() -> str:
    """The plex.tv base URL in use (no trailing slash)."""
    value = os.environ.get(PLEXTV_ENV, "").strip()
    return (value or PLEXTV_DEFAULT).rstrip("/")


def plextv_name() -> str:
    """How messages name plex.tv: "plex.tv", or the stand-in's URL when redirected."""
    base = plextv_base()
    return "plex.tv" if base == PLEXTV_DEFAULT else f"plex.tv (redirected to {base})"


class _RewritingAdapter(BaseAdapter):
    """Sends `https://plex.tv/...` requests to `base` instead, through the retrying adapter it wraps."""

    def __init__(self, base: str, inner: HTTPAdapter) -> None:
        super().__init__()
        self.base = base
        self.inner = inner

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: float | tuple[float | None, float | None] | None = None,
             verify: bool | str = True, cert: Any = None,
             proxies: Mapping[str, str] | None = None) -> requests.Response:
        url = request.url or ""
        if urlsplit(url).netloc.lower() == "plex.tv":  # the mount prefix would also match plex.tvx.com
            request.url = self.base + url[len(PLEXTV_DEFAULT):]
        return self.inner.send(request, stream=stream, timeout=timeout, verify=verify, cert=cert,
                               proxies=dict(proxies) if proxies is not None else None)

    def close(self) -> None:
        self.inner.close()


def plextv_session(verify: bool = True, *, retry: RetryPolicy | None = None) -> requests.Session:
    """A retrying session for plex.tv calls, redirected to `plextv_base()` when that is not the real plex.tv."""
    policy = retry or PLEXTV_RETRY
    client_identifier()  # plex.tv sees this installation's own id, never a shared one
    session = make_session(verify=verify, retry=policy, pool_size=4)
    base = plextv_base()
    if base != PLEXTV_DEFAULT:
        session.mount(PLEXTV_DEFAULT, _RewritingAdapter(base, policy.adapter(4)))
    return session


class plextv_errors(plex_errors):
    """Map errors of a plex.tv call to ours, with plex.tv-specific advice (never the token)."""

    def __init__(self) -> None:
        super().__init__(plextv_name())

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: Any) -> Literal[False]:
        if isinstance(exc, plex_exc.Unauthorized):
            raise AuthError(f"{self.where} rejected the token: it has expired or was revoked. "
                            "Sign in again with `ratings-to-plex login`.") from None
        if isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.Timeout) \
                and not isinstance(exc, requests.exceptions.SSLError):
            hint = "check your internet connection" if plextv_base() == PLEXTV_DEFAULT else f"check {PLEXTV_ENV}"
            raise PlexConnectionError(f"Cannot reach {self.where}: {hint}, then try again.") from None
        return super().__exit__(exc_type, exc, tb)
