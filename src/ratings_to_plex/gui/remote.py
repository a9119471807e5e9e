"""The window's controller when the engine runs in its own process (`engine_process`): the same methods, the same
event queue, the same `busy` set as `controller.Controller`, so the window cannot tell them apart.

Calls whose answer the window uses (did the job start?) wait for it: they come from clicks, and the engine answers
within milliseconds (its answering thread waits at most for one C call of a worker, ≈ 20 ms at worst). Everything
the window asks on its own, in reaction to events (`check_unfinished`, `load_history`, …), and every call whose
answer it ignores, is sent and forgotten: the window never waits on a busy engine. Events arrive on a reader
thread and wait in `events` for the window's `after()` poll, as before. If the engine process dies, the window says
so (and again at each click); nothing more is written from it.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing
import queue
import threading
from pathlib import Path
from typing import Any, Final

from .engine_process import EngineSettings, serve
from .events import Busy, Event, Failed, drain_queue
from .state import RunRequest

log = logging.getLogger(__name__)

ANSWER_TIMEOUT_S: Final = 10.0
ENGINE_GONE = ("The background engine of this window stopped unexpectedly; nothing more can be written from this "
               "window. Close it and open the app again: runs already sent are in the journal, and an interrupted "
               "run can be finished from History.")


class _FormatChoice:
    """`controller.engine.source_format`, as the Source tab's "Read as" menu sets it (forwarded to the engine)."""

    def __init__(self, remote: RemoteController) -> None:
        self._remote = remote
        self._format: str | None = None

    @property
    def source_format(self) -> str | None:
        return self._format

    @source_format.setter
    def source_format(self, value: str | None) -> None:
        self._format = value
        self._remote._tell("set_source_format", value)


class RemoteController:
    """Starts the engine process and stands in for its controller.

    `busy` follows the engine's `Busy` events only, applied in the order they were posted: an answer's own view
    of the jobs could arrive after a later event and leave the window thinking a finished job still runs.
    """

    def __init__(self, settings: EngineSettings | None = None) -> None:
        context = multiprocessing.get_context("spawn")  # never fork a process that may already run Tk threads
        self._pipe, child_end = context.Pipe(duplex=True)
        self.process = context.Process(target=serve, args=(child_end, settings or EngineSettings()),
                                       name="ratings-to-plex-engine", daemon=True)
        self.process.start()
        child_end.close()
        self.events: queue.Queue[Event] = queue.Queue()
        self.engine = _FormatChoice(self)
        self._busy: frozenset[str] = frozenset()
        self._ids = itertools.count(1)
        self._answers: dict[int, queue.Queue[tuple[Any, ...]]] = {}
        self._lock = threading.Lock()  # the answers awaited (the reader never waits for a sender)
        self._send_lock = threading.Lock()
        self._closing = threading.Event()
        self._gone = False  # the engine died (not shut down by the window)
        threading.Thread(target=self._read, name="r2p-engine-reader", daemon=True).start()

    # -- what the window reads ------------------------------------------------------------------------------
    @property
    def busy(self) -> frozenset[str]:
        return self._busy

    def drain(self, limit: int = 5000) -> list[Event]:
        return drain_queue(self.events, limit)

    # -- calls whose answer the window uses ---------------------------------------------------------------
    def load_source(self, path: Path) -> bool:
        return bool(self._ask("load_source", path))

    def has_fresh_plan(self, request: RunRequest) -> bool:
        return bool(self._ask("has_fresh_plan", request))

    def run_undo(self, run_id: int) -> bool:
        return bool(self._ask("run_undo", run_id))

    def resume(self, run_id: int) -> bool:
        return bool(self._ask("resume", run_id))

    def restore_preview(self, request: RunRequest) -> bool:
        return bool(self._ask("restore_preview", request))

    def switch_user(self, uuid: str, pin: str, server: str) -> bool:
        return bool(self._ask("switch_user", uuid, pin, server))

    def ping(self) -> bool:
        """True once the engine process runs and answers (the packaged app's self-test)."""
        return bool(self._ask("ping"))

    # -- calls sent and forgotten (what they start reports back through events) --------------------------
    def start(self, url: str | None = None, token: str | None = None, sample_file: Path | None = None,
              use_stored_token: bool = True) -> None:
        self._tell("start", url, token, sample_file, use_stored_token)

    def save_settings(self, updates: dict[str, Any]) -> None:
        self._tell("save_settings", updates)

    def preview(self, request: RunRequest) -> bool:
        return self._tell("preview", request)

    def run(self, request: RunRequest) -> bool:
        return self._tell("run", request)

    def cancel(self) -> None:
        self._tell("cancel")

    def sign_in(self) -> bool:
        return self._tell("sign_in")

    def cancel_sign_in(self) -> None:
        self._tell("cancel_sign_in")

    def open_link(self, url: str) -> bool:
        return self._tell("open_link", url)

    def sign_out(self) -> bool:
        return self._tell("sign_out")

    def connect_url(self, url: str, token: str) -> bool:
        return self._tell("connect_url", url, token)

    def cancel_connect(self) -> None:
        self._tell("cancel_connect")

    def check_unfinished(self, source: Path | None, server: str | None) -> bool:
        """Asked when a file or server is chosen, maybe while the engine works: never waited for. A check already
        under way answers about the old choice, and the window's handler then asks about the current one."""
        return self._tell("check_unfinished", source, server)

    def load_history(self) -> bool:
        return self._tell("load_history")

    def move_journal_aside(self) -> bool:
        return self._tell("move_journal_aside")

    def plan_undo(self, run_id: int) -> bool:
        return self._tell("plan_undo", run_id)

    def export(self, request: RunRequest, fmt: str, path: Path) -> bool:
        return self._tell("export", request, fmt, path)

    def find_reports(self, run_id: int) -> bool:
        return self._tell("find_reports", run_id)

    def shutdown(self, save: dict[str, Any] | None = None, timeout: float = 3.0) -> None:
        """Cancel and save as `Controller.shutdown` does, wait for the engine to finish (its last events arrive
        first), then let the process go."""
        if self.process.is_alive():
            self._ask("shutdown", save, timeout, wait=timeout + ANSWER_TIMEOUT_S)
        self._closing.set()
        self.process.join(timeout + 2)
        if self.process.is_alive():
            self.process.terminate()
        self._pipe.close()

    # -- the pipe ---------------------------------------------------------------------------------------------
    def _tell(self, method: str, *args: Any) -> bool:
        """Send a call without waiting; True when it was sent (the engine reports a refusal as an event)."""
        return self._send((0, method, args))

    def _ask(self, method: str, *args: Any, wait: float = ANSWER_TIMEOUT_S) -> Any:
        call_id = next(self._ids)
        answer: queue.Queue[tuple[Any, ...]] = queue.Queue(1)
        with self._lock:
            self._answers[call_id] = answer
        try:
            if not self._send((call_id, method, args)):
                return False
            kind, _, value = answer.get(timeout=wait)
            if kind == "gone":  # the engine died while this waited: already said
                return False
        except queue.Empty:
            self.events.put(Failed("engine", "The background engine did not answer in time. Wait a moment and "
                                             "try again; if it keeps happening, close the app and open it again."))
            return False
        finally:
            with self._lock:
                self._answers.pop(call_id, None)
        if kind == "error":
            log.error("engine call %s failed: %s", method, value)
            self.events.put(Failed("engine", f"Unexpected error ({value}). This is a bug in ratings-to-plex."))
            return False
        return value

    def _send(self, message: tuple[int, str, tuple[Any, ...]]) -> bool:
        call_id, method, args = message
        if self._closing.is_set():
            if self._gone:  # a click after the engine died gets the same plain answer, at once
                self.events.put(Failed("engine", ENGINE_GONE))
            return False
        try:
            with self._send_lock:
                self._pipe.send(("call", call_id, method, args, {}))
            return True
        except (OSError, ValueError):
            self._engine_gone()
            return False

    def _read(self) -> None:
        while True:
            try:
                message = self._pipe.recv()
            except (EOFError, OSError):
                if not self._closing.is_set():
                    self._engine_gone()
                return
            if message[0] == "events":
                for event in message[1]:
                    if isinstance(event, Busy):
                        self._busy = event.jobs
                    self.events.put(event)
            else:
                with self._lock:
                    answer = self._answers.get(message[1])
                if answer is not None:
                    answer.put(message)

    def _engine_gone(self) -> None:
        if self._closing.is_set():
            return
        self._closing.set()
        self._gone = True
        with self._lock:
            for answer in self._answers.values():  # whoever waits for an answer stops waiting now
                with contextlib.suppress(queue.Full):  # (unless its answer came just before)
                    answer.put_nowait(("gone", 0, None))
        log.error("the engine process ended (exit code %s)", self.process.exitcode)
        self._busy = frozenset()
        self.events.put(Busy(frozenset()))
        self.events.put(Failed("engine", ENGINE_GONE))
