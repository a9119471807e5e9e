"""The desktop app's engine process: the window's `Controller` (and with it every scan, match, plan and write) runs
here, in a process of its own, and talks to the window over one pipe (`remote.RemoteController` is the other end).

Why a process and not threads: CPython lets one thread run Python at a time. Parsing a 1,000-item XML page, a
garbage collection over a 100,000-item index or reading a big CSV each hold that lock for tens of milliseconds in
one C call, and every Tk call the window makes waits for it — the window froze 120–190 ms at a time during a large
sync (issue 12). In its own process the engine can be as busy as it likes: the window's process only draws.

Messages (all pickled by `multiprocessing`):
  window → engine  ("call", id, method, args, kwargs)   id 0 = no answer wanted
  engine → window  ("result", id, value) | ("error", id, text) | ("events", [event, …])
A closed pipe (the window is gone) stops the engine as closing the window does: a run is cancelled, the writes
already sent finish and are journaled.
"""

from __future__ import annotations

import logging
import queue
import signal
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Final

from .events import Failed

log = logging.getLogger(__name__)

# What the window may call; anything else is refused (the pipe carries method names, so keep it to this list).
METHODS: Final = frozenset({
    "start", "save_settings", "load_source", "has_fresh_plan", "preview", "run", "cancel", "sign_in",
    "cancel_sign_in", "open_link", "sign_out", "connect_url", "cancel_connect", "load_history", "move_journal_aside",
    "plan_undo", "run_undo", "check_unfinished", "resume", "export", "restore_preview", "find_reports",
    "switch_user", "set_source_format", "shutdown",
})
EVENT_BATCH: Final = 500  # events per message: a run's thousands of log lines travel in a few hundred messages
SWITCH_INTERVAL_S: Final = 0.001  # the thread that answers the window gets its turn within a millisecond


@dataclass(frozen=True)
class EngineSettings:
    """What the engine is made with (the `Engine` arguments of `run_app`)."""

    journal_path: Path | None = None
    report_dir: Path | None = None
    account_token: str | None = None


def serve(pipe: Connection, settings: EngineSettings) -> None:
    """The engine process's main function: make the controller, forward its events, answer calls until told to
    shut down or until the window's end of the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the terminal is the window's to handle
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    from .controller import Controller
    from .engine import Engine

    controller = Controller(Engine(journal_path=settings.journal_path, report_dir=settings.report_dir,
                                   account_token=settings.account_token))
    _Server(controller, pipe).run()


class _Server:
    def __init__(self, controller: Any, pipe: Connection) -> None:
        self.controller, self.pipe = controller, pipe
        self.send_lock = threading.Lock()
        self.stop = threading.Event()
        self.forwarder = threading.Thread(target=self._forward, name="r2p-events", daemon=True)

    def run(self) -> None:
        self.forwarder.start()
        while True:
            try:
                message = self.pipe.recv()
            except (EOFError, OSError):  # the window is gone: stop as closing it does
                self.controller.shutdown(timeout=5.0)
                return
            _kind, call_id, method, args, kwargs = message
            reply = self._call(call_id, method, args, kwargs)
            if method == "shutdown":  # every event before the answer, so the window's last drain sees them
                self.stop.set()
                self.forwarder.join(5)
                self._flush()
            if call_id:
                self._send(reply)
            if method == "shutdown":
                return

    def _call(self, call_id: int, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        try:
            if method == "ping":
                return ("result", call_id, True)
            if method not in METHODS:
                raise ValueError(f"unknown method {method!r}")
            value = getattr(self.controller, method)(*args, **kwargs)
            return ("result", call_id, value)
        except Exception as exc:  # a bug here must not end the engine: the window says it and goes on
            log.exception("engine call %s failed", method)
            return ("error", call_id, f"{type(exc).__name__}: {exc}")

    def _forward(self) -> None:
        """Send the controller's events to the window in batches, in the order they were posted."""
        while not self.stop.is_set():
            try:
                first = self.controller.events.get(timeout=0.1)
            except queue.Empty:
                continue
            if not self._send(("events", [first, *self.controller.drain(EVENT_BATCH - 1)])):
                return

    def _flush(self) -> None:
        """The events still queued at shutdown (the last log lines of a cancelled run)."""
        while batch := self.controller.drain(EVENT_BATCH):
            if not self._send(("events", batch)):
                return

    def _send(self, message: tuple[Any, ...]) -> bool:
        try:
            with self.send_lock:
                self.pipe.send(message)
            return True
        except (OSError, ValueError):  # the window closed its end: nobody is left to tell
            return False
        except Exception:  # something in it cannot be pickled (a bug): said, and the window goes on
            log.exception("cannot send %s to the window", message[0])
            text = "Unexpected error (a message of the engine could not be sent). This is a bug in ratings-to-plex."
            return self._send(("events", [Failed("engine", text)]) if message[0] == "events" else
                              ("error", message[1], "its answer could not be sent"))
