"""Browser sessions kept on the server, keyed by an opaque random id in an HttpOnly cookie.

Everything sensitive — the Plex token, the connected server, the uploaded file's location — stays here; the browser
only ever holds the session id and a CSRF token. Sessions expire when idle, and their number is capped so that
anonymous requests cannot fill memory.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

IDLE_S: Final = 12 * 3600.0
MAX_SESSIONS: Final = 500
COOKIE: Final = "rtp_session"


@dataclass
class BrowserSession:
    """One browser's state. `flow` is the web flow's own state object (set by `web.flow`); `authenticated` is
    True once the access token was given (always True when the server has no access token)."""

    id: str
    csrf: str
    authenticated: bool = False
    created: float = field(default_factory=time.monotonic)
    seen: float = field(default_factory=time.monotonic)
    flow: Any = None
    messages: list[tuple[str, str]] = field(default_factory=list)  # (level, text) shown once, then dropped
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)


class SessionStore:
    """A thread-safe, size-capped map of session id → BrowserSession, least recently used evicted first."""

    def __init__(self, *, idle_s: float = IDLE_S, max_sessions: int = MAX_SESSIONS,
                 on_drop: Callable[[BrowserSession], None] | None = None) -> None:
        self._sessions: OrderedDict[str, BrowserSession] = OrderedDict()
        self._lock = threading.Lock()
        self.idle_s, self.max_sessions = idle_s, max_sessions
        self._on_drop = on_drop

    def get(self, session_id: str | None) -> BrowserSession | None:
        """The live session with this id, or None (unknown or expired)."""
        if not session_id:
            return None
        now = time.monotonic()
        with self._lock:
            found = self._sessions.get(session_id)
            if found is None:
                return None
            if now - found.seen > self.idle_s:
                del self._sessions[session_id]
                dropped: BrowserSession | None = found
            else:
                found.seen = now
                self._sessions.move_to_end(session_id)
                return found
        self._drop(dropped)
        return None

    def create(self, *, authenticated: bool = False) -> BrowserSession:
        """A new session with fresh random id and CSRF token."""
        session = BrowserSession(secrets.token_urlsafe(32), secrets.token_urlsafe(32), authenticated)
        evicted: list[BrowserSession] = []
        with self._lock:
            self._sessions[session.id] = session
            while len(self._sessions) > self.max_sessions:
                # The least recently used session not logged in goes first (a login form left open).
                anonymous = next((k for k, v in self._sessions.items() if not v.authenticated), None)
                evicted.append(self._sessions.pop(anonymous) if anonymous else self._sessions.popitem(last=False)[1])
        for old in evicted:
            self._drop(old)
        return session

    def rotate(self, session: BrowserSession, *, authenticated: bool) -> BrowserSession:
        """Replace a session by a new id (after logging in, so a planted id is worthless), keeping its flow."""
        fresh = self.create(authenticated=authenticated)
        fresh.flow = session.flow
        with self._lock:
            self._sessions.pop(session.id, None)
        return fresh

    def all(self) -> list[BrowserSession]:
        with self._lock:
            return list(self._sessions.values())

    def close(self) -> None:
        """Drop every session (server shutdown): their temporary files go with them."""
        with self._lock:
            sessions = list(self._sessions.values())
            self._sessions.clear()
        for session in sessions:
            self._drop(session)

    def _drop(self, session: BrowserSession | None) -> None:
        if session is not None and self._on_drop is not None:
            self._on_drop(session)
