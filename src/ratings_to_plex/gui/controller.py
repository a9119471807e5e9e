"""The window's worker side (no Tk): runs every engine call in a background thread and reports back through a
queue of small event objects (`events`), which the window drains with `after()`.

Nothing here touches a widget. The window calls the public methods (they return at once) and handles the events;
tests can drive a `Controller` without a display at all.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..app.advice import advise
from ..app.format import rows_in
from ..app.jobs import JobRunner, failure_message
from ..errors import UsageError
from .engine import Engine
from .events import (
    CONNECT,
    LOGIN,
    PLAN,
    RUN,
    SETTINGS,
    SIGNOUT,
    SOURCE,
    STARTUP,
    UNDO_PLAN,
    Busy,
    Event,
    Failed,
    Log,
    LoginPending,
    LoginTick,
    PlanReady,
    RunFinished,
    RunProgress,
    RunStarted,
    ServerChoice,
    ServersLoaded,
    SettingsLoaded,
    SignedIn,
    SignedOut,
    SourceLoaded,
    Status,
    drain_queue,
)
from .export_jobs import ExportJobs
from .journal_jobs import WRITE_JOBS, JournalJobs, _UndoEntry, finished_event
from .restore_jobs import RestoreJobs
from .state import RunRequest

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..app import Connection, Plan, ReadResult
    from ..app.account import ServerInfo

__all__ = [  # the window reads these as controller.X; the journal's events are read from `events`
    "CONNECT", "LOGIN", "PLAN", "RUN", "SETTINGS", "SIGNOUT", "SOURCE", "STARTUP", "UNDO_PLAN", "Busy", "Controller",
    "Event", "Failed", "Log", "LoginPending", "LoginTick", "PlanReady", "RunFinished", "RunProgress", "RunStarted",
    "ServerChoice", "ServersLoaded", "SettingsLoaded", "SignedIn", "SignedOut", "SourceLoaded", "Status",
]


@dataclass
class _PlanEntry:
    key: tuple[Any, ...]
    plan: Plan  # bound to its server's identity: the session writes it there or nowhere
    client: Connection


class Controller(RestoreJobs, JournalJobs, ExportJobs):
    """Owns the engine state of one window (token, servers, source, plans) and the worker threads."""

    def __init__(self, engine: Engine | None = None) -> None:
        self.engine = engine or Engine()
        self.events: queue.Queue[Event] = queue.Queue()
        self._lock = threading.Lock()
        self._busy: set[str] = set()
        self._jobs = JobRunner()
        self._token: str | None = None
        self._servers: dict[str, ServerInfo] = {}
        self._clients: dict[str, Connection] = {}
        self._choices: dict[str, ServerChoice] = {}
        self._source: ReadResult | None = None
        self._plan: _PlanEntry | None = None
        self._plan_generation = 0
        self._undo: _UndoEntry | None = None
        self._undo_generation = 0
        self._run_generation = 0
        self._login_cancel = threading.Event()
        self._run_cancel = threading.Event()
        self._closing = threading.Event()
        self._pending_settings: dict[str, Any] = {}

    # -- plumbing -------------------------------------------------------------------------------------------
    def post(self, event: Event) -> None:
        self.events.put(event)

    def drain(self, limit: int = 5000) -> list[Event]:
        """Events waiting for the window (at most `limit`, oldest first); never blocks."""
        return drain_queue(self.events, limit)

    @property
    def busy(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._busy)

    def _spawn(self, job: str, target: Callable[..., Any], *args: Any, exclusive: tuple[str, ...] = ()) -> bool:
        """Run `target(*args)` as an `app.jobs` job named `job`, unless it or a job it excludes is running."""
        with self._lock:
            if self._closing.is_set() or job in self._busy or self._busy.intersection(exclusive):
                return False
            self._busy.add(job)
            busy = frozenset(self._busy)
        self.post(Busy(busy))
        self._jobs.start(job, lambda _job: self._run_job(job, target, args))
        return True

    def _run_job(self, job: str, target: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            target(*args)
        except Exception as exc:
            self.post(Failed(job, failure_message(exc, f"GUI job {job}", "gui")))
        finally:
            with self._lock:
                self._busy.discard(job)
                busy = frozenset(self._busy)
            self.post(Busy(busy))

    def shutdown(self, save: dict[str, Any] | None = None, timeout: float = 3.0) -> None:
        """Stop waiting for sign-in, cancel a run (writes in flight finish), save settings, join the workers."""
        self._login_cancel.set()
        self._run_cancel.set()
        if save:
            self.save_settings(save)
        self._closing.set()
        self._jobs.shutdown(timeout)

    # -- start, settings ------------------------------------------------------------------------------------
    def start(self, url: str | None = None, token: str | None = None, sample_file: Path | None = None,
              use_stored_token: bool = True) -> None:
        self._spawn(STARTUP, self._startup, url, token, use_stored_token)
        self.load_history()
        if sample_file is not None:
            self.load_source(sample_file)

    def _startup(self, url: str | None, token: str | None, use_stored_token: bool) -> None:
        self.post(SettingsLoaded(self.engine.load_config()))
        if url and token:
            self._connect(url, token)
            return
        if not use_stored_token:
            return
        stored = self.engine.load_token()
        if stored:
            self._token = stored
            self.post(SignedIn(""))
            self.post(Log("Signed in with the token stored last time."))
            self._fetch_servers(stored)

    def save_settings(self, updates: dict[str, Any]) -> None:
        """Save in the background; saves asked for while one is running are merged into the next."""
        with self._lock:
            self._pending_settings.update(updates)
        self._spawn(SETTINGS, self._save_settings)

    def _save_settings(self) -> None:
        while True:
            with self._lock:
                updates, self._pending_settings = self._pending_settings, {}
            if not updates:
                return
            self.engine.save_config(updates)

    # -- source, plan, run ----------------------------------------------------------------------------------
    def load_source(self, path: Path) -> bool:
        return self._spawn(SOURCE, self._load_source, Path(path), exclusive=WRITE_JOBS)

    def _load_source(self, path: Path) -> None:
        self.post(Status(f"Reading {path.name}…", "busy"))
        source = self.engine.read_ratings(path)  # always afresh: the user may have exported it again
        with self._lock:
            self._source = source
        problems = source.problem_counts()
        rows = rows_in(source)
        notes = tuple(source.notes)
        if not source.carries_ratings:  # said now, not only when Preview refuses it
            notes += (advise("watched_only", "gui", file=path.name),)
        self.post(SourceLoaded(path, source.source, source.description, rows, dict(problems), notes,
                               source.carries_ratings))
        self.post(Log(f"Detected: {source.description}, {rows} rows ({path.name})"))
        for note in notes:
            self.post(Log(note, "info" if source.carries_ratings else "warning"))
        self.post(Status(f"Detected: {source.description}, {rows} rows." if source.carries_ratings else notes[-1],
                         "ok" if source.carries_ratings else "error"))

    def _read(self, path: Path) -> ReadResult:
        with self._lock:
            current = self._source
        if current is not None and current.file == path:
            return current
        source = self.engine.read_ratings(path)
        with self._lock:
            self._source = source
        return source

    def has_fresh_plan(self, request: RunRequest) -> bool:
        with self._lock:
            return self._plan is not None and self._plan.key == request.plan_key()

    def preview(self, request: RunRequest) -> bool:
        """Make the plan and show it; nothing is written."""
        return self._spawn(PLAN, self._make_plan, request, False, exclusive=WRITE_JOBS)

    def run(self, request: RunRequest) -> bool:
        """Write the reviewed plan. Without one, make it and ask the user to review it first (a dry run writes
        nothing, so it goes straight through)."""
        if self.has_fresh_plan(request) or request.dry_run:
            return self._spawn(RUN, self._run, request, exclusive=WRITE_JOBS)
        return self._spawn(PLAN, self._make_plan, request, True, exclusive=WRITE_JOBS)

    def set_source_format(self, name: str | None) -> None:
        """The Source tab's "Read as" choice: the format name, None to detect it."""
        self.engine.source_format = name

    def cancel(self) -> None:
        """Cancel what is running: a run (writes in flight finish), a preview or a connection (its result is
        dropped), a sign-in."""
        busy = self.busy
        if RUN in busy:
            self._run_cancel.set()
            self.post(Status("Cancelling… writes already sent will finish.", "busy"))
        if PLAN in busy:
            with self._lock:
                self._plan_generation += 1
            self.post(Status("Preview cancelled.", "info"))
        if UNDO_PLAN in busy:
            self._cancel_undo_plan()
        if LOGIN in busy:
            self._login_cancel.set()
        if CONNECT in busy:
            self.cancel_connect()

    def _make_plan(self, request: RunRequest, confirm: bool) -> _PlanEntry | None:
        problem = request.problem()
        if problem:
            raise UsageError(problem)
        assert request.source is not None and request.server is not None
        with self._lock:
            generation = self._plan_generation
            self._plan = None
        source = self._read(request.source)
        client = self._client_for(request.server)
        self.post(Status(f"Reading your library on {request.server}…", "busy"))
        plan = self.engine.prepare_plan(client, source, request.options(), lambda line: self.post(Log(line)))
        entry = self._keep_plan(request.plan_key(), plan, client, generation, request.server, confirm)
        if entry is None:
            return None  # cancelled while we were reading: drop it
        writes = len(plan.writes)
        if confirm and writes:
            self.post(Status(f"Review the {writes} change{'s' if writes != 1 else ''} in Preview, then press "
                             "Write to apply them (Ctrl+Enter).", "info"))
        else:
            self.post(Status(f"Preview ready: {writes} change{'s' if writes != 1 else ''} to write.", "ok"))
        return entry

    def _run(self, request: RunRequest) -> None:
        with self._lock:
            entry = self._plan if self._plan is not None and self._plan.key == request.plan_key() else None
        if entry is None:  # a dry run without a preview: plan first, then "run" it (nothing is written)
            entry = self._make_plan(request, False)
            if entry is None:
                return
        options = request.options()
        self._started_writing(keep_plan=True)
        total = 0 if options.dry_run else len(entry.plan.writes)
        self.post(RunStarted(total, options.dry_run))
        self.post(Status("Dry run: nothing will be written…" if options.dry_run else
                         f"Updating Plex: {total} change{'s' if total != 1 else ''} to write (Esc cancels)…", "busy"))
        summary = self.engine.execute_plan(
            entry.client, entry.plan, dry_run=options.dry_run, echo=lambda line: self.post(Log(line)),
            cancel=self._run_cancel, on_progress=lambda done, total, eta: self.post(RunProgress(done, total, eta)))
        if not options.dry_run:
            with self._lock:
                self._plan = None  # Plex has changed: the next run plans again
        self.post(finished_event(summary, total))
        self._after_run(request.source, request.server)
