"""The account side of Plex, shared by the CLI and the GUI: PIN sign-in here; the user's servers and reaching one
in `servers.py`, Plex Home users in `users.py` (both re-exported so callers keep one import).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import webbrowser
from collections.abc import Callable
from typing import Final

from plexapi.myplex import MyPlexPinLogin

from ..errors import AuthError, PlexConnectionError, PlexError, RatingsToPlexError
from ..security import register_secret
from .credentials import client_identifier
from .plextv import PLEXTV_RETRY, plextv_errors, plextv_session
from .servers import (
    CONNECT_TIMEOUT_S,
    ServerInfo,
    account,
    connect_server,
    list_servers,
    owned_servers,
    prefetch_servers,
    reachable_url,
    remembered_libraries,
    select_server,
)

__all__ = [
    "CONNECT_TIMEOUT_S", "LOGIN_TIMEOUT_S", "LoginCancelled", "LoginExpired", "LoginTimedOut", "PinLogin",
    "ServerInfo", "account", "can_open_browser", "connect_server", "list_servers",
    "open_browser", "owned_servers", "prefetch_servers", "reachable_url", "remembered_libraries",
    "select_server",
]

LOGIN_TIMEOUT_S: Final = 300.0
_POLL_S: Final = 1.0
_POLL_FAILURES: Final = 5  # consecutive network failures while polling before we give up


class LoginExpired(AuthError):
    """Raised when plex.tv forgets the PIN (it expired or was used) before the user approved it."""


class LoginTimedOut(AuthError):
    """Raised when our own wait (`--timeout`) ends before the user approved the sign-in."""


class LoginCancelled(RatingsToPlexError):
    """Raised when the user (Ctrl-C, the GUI's Cancel) stops waiting for approval."""

    exit_code = 130


# -- sign-in ------------------------------------------------------------------------------------------------
class PinLogin:
    """One PIN (OAuth) sign-in: `start()` gives the URL to open, `wait()` returns the token once approved.

    We poll ourselves rather than use plexapi's thread so that we can show a countdown, tell "expired" from
    "network down", and stop at once on Ctrl-C or a GUI Cancel.
    """

    def __init__(self, *, verify: bool = True) -> None:
        from .. import __version__

        # Name ourselves on plex.tv's approval page (plexapi would say "PlexAPI"), with this installation's own
        # client id (plexapi's default is derived from the machine, the same for every install on it).
        headers = {"X-Plex-Product": "ratings-to-plex", "X-Plex-Version": __version__,
                   "X-Plex-Client-Identifier": client_identifier()}
        self._pin = MyPlexPinLogin(oauth=True, session=plextv_session(verify), headers=headers,
                                   requestTimeout=PLEXTV_RETRY.timeout_s)
        self.url: str | None = None

    def start(self) -> str:
        """Ask plex.tv for a PIN; returns the sign-in URL for the browser."""
        with plextv_errors():
            self.url = str(self._pin.oauthUrl())
        return self.url

    def check(self) -> str | None:
        """One poll: the token once approved, None while pending; raises LoginExpired."""
        try:
            with plextv_errors():
                approved = self._pin._checkLogin()  # public checkLogin() hides *why* a poll failed
        except PlexConnectionError:
            raise
        except PlexError as exc:  # plex.tv answers 404 for a PIN that expired or was used
            raise LoginExpired("The sign-in request expired before it was approved. "
                               "Run `ratings-to-plex login` again.") from exc
        if not approved:
            return None
        token = str(self._pin.token)
        register_secret(token)
        return token

    def wait(self, timeout: float = LOGIN_TIMEOUT_S, *, on_tick: Callable[[float], None] | None = None,
             cancel: threading.Event | None = None, poll_s: float = _POLL_S) -> str:
        """Poll until approved; `on_tick(seconds_left)` runs before each poll. Raises LoginTimedOut/Cancelled."""
        if self.url is None:
            self.start()
        stop = cancel or threading.Event()
        deadline = time.monotonic() + timeout
        failures = 0
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LoginTimedOut(f"No approval within {timeout:.0f} s. Run `ratings-to-plex login` again "
                                    "(add --timeout for more time).")
            if stop.is_set():
                raise LoginCancelled("Sign-in cancelled.")
            if on_tick is not None:
                on_tick(left)
            try:
                token = self.check()
                failures = 0
            except PlexConnectionError:
                failures += 1
                if failures >= _POLL_FAILURES:
                    raise
                token = None
            if token:
                return token
            stop.wait(min(poll_s, left))


def can_open_browser() -> bool:
    """True when opening a browser will show a page to the user, not start a text browser in our terminal."""
    if os.environ.get("BROWSER"):
        return True
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False  # headless: webbrowser would fall back to lynx/w3m on this very terminal
    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


def open_browser(url: str) -> bool:
    """Open `url` in the user's browser (respects $BROWSER) without waiting for it; False when there is none."""
    if not can_open_browser():
        return False
    threading.Thread(target=_open_quietly, args=(url,), name="open-browser", daemon=True).start()
    return True


def _open_quietly(url: str) -> None:
    with contextlib.suppress(Exception):  # a broken $BROWSER must not stop the sign-in: the URL is printed
        webbrowser.open(url)


