"""Helpers for emulator tests: a requests.Session that sends plexapi's hard-coded plex.tv calls to an emulator, and
an emulator that stands in for plex.tv for one test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter

from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.plex.plextv import PLEXTV_ENV

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


@contextmanager
def plextv_emulator(monkeypatch: pytest.MonkeyPatch, config: EmulatorConfig) -> Iterator[Emulator]:
    """A running emulator that is also the test's plex.tv (PLEXTV_ENV points at it until the test ends), so sign-in
    and server discovery never leave 127.0.0.1."""
    with Emulator(config) as e:
        monkeypatch.setenv(PLEXTV_ENV, e.url)
        yield e
