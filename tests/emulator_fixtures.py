"""Helpers for emulator tests: a requests.Session that sends plexapi's hard-coded plex.tv calls to an emulator."""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter

PLEX_TV = "https://plex.tv"


class _RedirectAdapter(HTTPAdapter):
    """Rewrites https://plex.tv/... to the emulator before sending (PLEX_PROTOCOL.md §1.5 option 1)."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        assert request.url is not None
        request.url = self.base_url + request.url[len(PLEX_TV):]
        return super().send(request, **kwargs)


def plextv_session(base_url: str) -> requests.Session:
    """A session whose plex.tv requests reach `base_url`; server URLs pass through untouched."""
    session = requests.Session()
    session.mount(PLEX_TV, _RedirectAdapter(base_url))
    return session
