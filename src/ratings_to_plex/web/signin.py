"""Signing in from the browser: the Plex PIN flow with its link shown in the page, or a server URL + token.

A server in a container cannot open a browser, so the link is shown and the *server* polls plex.tv in a background
thread until the user approves; the page asks `/signin/status` now and then. The PIN itself is asked for in that
thread too, so a page view never waits on plex.tv. The token never leaves the server.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from ..errors import RatingsToPlexError
from ..security import redact

if TYPE_CHECKING:
    from ..app.account import PinLogin

PIN_TIMEOUT_S: Final = 600.0


class PinState(str, enum.Enum):
    WAITING = "waiting"
    APPROVED = "approved"
    FAILED = "failed"


@dataclass
class PinSignIn:
    """One PIN sign-in in progress; `token` is set (server-side only) once plex.tv says it was approved."""

    login: PinLogin | None = None
    url: str | None = None  # None until plex.tv has answered with a PIN
    state: PinState = PinState.WAITING
    message: str = ""
    token: str | None = field(default=None, repr=False)
    deadline: float = field(default_factory=lambda: time.monotonic() + PIN_TIMEOUT_S)
    cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def seconds_left(self) -> int:
        return max(0, int(self.deadline - time.monotonic()))


Callback = Callable[[PinSignIn], None]


def start_pin(on_done: Callback) -> PinSignIn:
    """Start a PIN sign-in in a daemon thread: ask plex.tv for a PIN (`url` once it answers), then poll it;
    `on_done(sign_in)` runs in that thread once it is approved or failed (not after a cancel)."""
    sign_in = PinSignIn()
    threading.Thread(target=_wait, args=(sign_in, on_done), name="web-pin", daemon=True).start()
    return sign_in


def _wait(sign_in: PinSignIn, on_done: Callback) -> None:
    """Poll plex.tv; once approved, let `on_done` connect *before* the state says so (the page reloads on it)."""
    from ..app.account import PinLogin

    try:
        sign_in.login = PinLogin()
        sign_in.url = sign_in.login.start()
        token = sign_in.login.wait(max(1.0, sign_in.deadline - time.monotonic()), cancel=sign_in.cancel)
    except RatingsToPlexError as exc:
        if sign_in.cancel.is_set():
            return
        sign_in.message = redact(str(exc)).replace("Run `ratings-to-plex login` again", "Start again")
        sign_in.state = PinState.FAILED
        on_done(sign_in)
        return
    sign_in.token = token
    on_done(sign_in)  # may mark it FAILED (e.g. the servers cannot be listed)
    if sign_in.state is PinState.WAITING:
        sign_in.state = PinState.APPROVED
