"""Shared request/response types and the emulator's mutable server-side state (token, pins, identity)."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .counters import Counters
from .faults import FaultConfig
from .library import Library
from .users import Household

if TYPE_CHECKING:
    from .discover import DiscoverService

XML_TYPE = "text/xml;charset=utf-8"


@dataclass(frozen=True)
class Request:
    """What a handler needs from one HTTP request; `query` keeps the last value of a repeated key and
    `headers` has lower-cased names."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes = b""

    def param(self, name: str) -> str | None:
        """A paging/token value from the query string or, failing that, the request header of that name."""
        value = self.query.get(name)
        if value is None:
            value = self.headers.get(name.lower())
        return value

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def flag(self, name: str) -> bool:
        return self.query.get(name, "0") not in ("", "0", "false")


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = XML_TYPE
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Pin:
    """A plex.tv PIN; `auth_token` stays empty until the emulator approves it."""

    id: int
    code: str
    client_id: str
    created_at: float
    expires_in: int
    auth_token: str = ""

    def expired(self, now: float) -> bool:
        return now >= self.created_at + self.expires_in


class Context:
    """Everything handlers read or change besides the library: the valid token, pins, server identity."""

    def __init__(
        self,
        library: Library,
        token: str,
        counters: Counters,
        faults: FaultConfig,
        *,
        seed: int = 0,
        server_name: str = "Plex Emulator",
        pin_expires_s: int = 1800,
        extra_resources: int = 0,
        strict: bool = True,
    ) -> None:
        self.library = library
        self.token: str | None = token
        self.counters = counters
        self.faults = faults
        self.server_name = server_name
        self.pin_expires_s = pin_expires_s
        self.extra_resources = extra_resources
        #: Behave like a real PMS where our old picture of it was kinder (PLEX_PROTOCOL.md §7): guid filters on the
        #: main guid only, 400 for a listing without X-Plex-Container-Size, 404 for a metadata list naming any
        #: missing key. Tests that need the old behaviour set `emulator.ctx.strict = False`.
        self.strict = strict
        self.version = "1.41.3.9314-a0bfb8370"  # what `/` reports; below 1.24.3 no <Guid> children are sent
        self.machine_id = hashlib.sha1(f"ratings-to-plex-emulator-{seed}".encode()).hexdigest()
        self.port = 0
        self.pins: dict[int, Pin] = {}
        self._pin_lock = threading.Lock()
        self._next_pin = 100_000 + seed % 1000
        self.discover: DiscoverService | None = None  # Plex Discover side, built on first use (discover.py)
        self.users = Household()  # the other people in the owner's household (emulator/users.py)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def token_ok(self, presented: str | None, *, plextv: bool = False) -> bool:
        """Constant-time comparison against the owner's token (none is valid after `revoke_token`), else one of
        the other users' tokens for that side (plex.tv or the server)."""
        if bool(presented) and self.token is not None and secrets.compare_digest(presented or "", self.token):
            return True
        return self.users.accepts(presented, plextv=plextv)

    def create_pin(self, client_id: str) -> Pin:
        with self._pin_lock:
            self._next_pin += 1
            pin = Pin(self._next_pin, secrets.token_hex(12)[:25], client_id, time.time(), self.pin_expires_s)
            self.pins[pin.id] = pin
            return pin

    def get_pin(self, pin_id: int) -> Pin | None:
        """The pin, or None when unknown or expired (plex.tv answers 404 then)."""
        with self._pin_lock:
            pin = self.pins.get(pin_id)
            if pin is None or pin.expired(time.time()):
                return None
            return pin

    def approve_pin(self, pin_id: int) -> bool:
        pin = self.get_pin(pin_id)
        if pin is None or self.token is None:
            return False
        pin.auth_token = self.token
        return True

    def approve_all(self) -> int:
        with self._pin_lock:
            ids = list(self.pins)
        return sum(1 for pin_id in ids if self.approve_pin(pin_id))
