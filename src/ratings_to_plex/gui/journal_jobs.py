"""The journal half of the controller: the History list, undoing a run, and finishing an unfinished one.

A mixin of `Controller` (it uses the controller's queue, lock, job runner and clients), split out to keep each module
small. Runs in worker threads only. Undo and resume write through the RUN job, so Cancel, the progress bar and
closing the window behave exactly as for a sync.
"""

from __future__ import annotations

import threading
from abc import abstractmethod
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from ..apply import FAILED, UPDATED
from ..errors import RatingsToPlexError, UsageError
from .events import (
    CHECK,
    HISTORY,
    PLAN,
    RUN,
    SOURCE,
    UNDO_PLAN,
    Event,
    HistoryLoaded,
    Log,
    RunFinished,
    RunProgress,
    RunStarted,
    Status,
    UndoPlanned,
    Unfinished,
)
from .history_rows import history_rows, undo_blocker
from .host import ControllerHost

if TYPE_CHECKING:
    from ..apply import Progress
    from ..journal import RunInfo
    from ..plan import Plan
    from ..plex.client import PlexClient
    from ..sync import RunSummary

WRITE_JOBS: Final = (PLAN, RUN, SOURCE, UNDO_PLAN)  # one at a time: never read or plan while something writes


@dataclass
class _UndoEntry:
    run_id: int
    client: PlexClient
    plan: Plan


def finished_event(summary: RunSummary, total: int, kind: str = "sync", *, undo_of: int | None = None,
                   landed: int = 0, gone: int = 0) -> RunFinished:
    """The window's summary of a finished sync, undo or resume (`landed`: written before a resume, not by it)."""
    states = Counter(o.status for o in summary.outcomes)
    written, failed = states[UPDATED] - landed, states[FAILED]
    return RunFinished(summary.run_id, summary.status, dict(summary.tally.counts), written, total,
                       summary.unmatched_csv, summary.run_log, failed=failed,
                       not_attempted=max(0, total - written - (failed - gone)), kind=kind, undo_of=undo_of)


class PhasedProgress:
    """An undo writes in two phases (restores, then episodes re-marked watched); one bar for both."""

    def __init__(self, total: int, post: Callable[[Event], None]) -> None:
        self.total, self.post = total, post
        self.base = 0
        self.last = (0, 0)

    def __call__(self, p: Progress) -> None:
        if p.done <= self.last[0]:  # a new phase starts counting again
            self.base += self.last[1]
        self.last = (p.done, p.total)
        self.post(RunProgress(min(self.total, self.base + p.done), self.total, p.eta_s))


class JournalJobs(ControllerHost):
    """A mixin of `Controller` (see `ControllerHost`; it also uses the account mixin's `_client_for`)."""

    _run_cancel: threading.Event
    _undo: _UndoEntry | None
    _undo_generation: int
    _run_generation: int

    @abstractmethod
    def _client_for(self, server: str) -> PlexClient:
        raise NotImplementedError

    @property
    @abstractmethod
    def busy(self) -> frozenset[str]:
        raise NotImplementedError

    # -- history ---------------------------------------------------------------------------------------------
    def load_history(self) -> bool:
        return self._spawn(HISTORY, self._load_history)

    def _load_history(self) -> None:
        self.post(HistoryLoaded(tuple(history_rows(self.engine.journal_runs()))))

    def _started_writing(self, keep_plan: bool = False) -> None:
        """A write job starts: plans made before it (and an unfinished-run check under way) are stale."""
        with self._lock:
            self._run_generation += 1
            self._undo = None
            if not keep_plan:
                self._plan = None
        self._run_cancel.clear()

    def _after_run(self, source: Path | None, server: str | None) -> None:
        """After any write job: the History list and the unfinished-run banner follow what the journal now says."""
        try:
            self.post(self._unfinished(source, server))
            self._load_history()
        except RatingsToPlexError as exc:  # the run itself is over and journaled: only the views are stale
            self.post(Log(f"Could not read the run journal: {exc}", "warning"))

    # -- which server a recorded run wrote to ----------------------------------------------------------------
    def _machine_id(self, server: str) -> str:
        with self._lock:
            client, info = self._clients.get(server), self._servers.get(server)
        return client.machine_identifier if client else (info.client_identifier if info else "")

    def _same_server(self, run: RunInfo, server: str) -> bool:
        machine = self._machine_id(server)
        if run.machine_id and machine:
            return run.machine_id == machine
        return run.server_name == server

    def _client_for_run(self, run: RunInfo) -> PlexClient:
        """The connected server the run wrote to (matched by machine id); never another server."""
        with self._lock:
            names = list(dict.fromkeys([*self._clients, *self._servers]))
        for name in names:
            if self._same_server(run, name):
                return self._client_for(name)
        where = run.server_name or "a server this window does not know"
        if run.server_url:
            where += f" at {run.server_url}"
        raise UsageError(f"Run {run.id} was made on another server ({where}), which this window is not connected "
                         "to. Sign in with the Plex account that owns it, or connect to it by URL + token on the "
                         "Login tab, then try again.")

    # -- undo -----------------------------------------------------------------------------------------------
    def plan_undo(self, run_id: int) -> bool:
        """Read what the run changed and say how many items would be restored; nothing is written yet."""
        return self._spawn(UNDO_PLAN, self._plan_undo, run_id, exclusive=WRITE_JOBS)

    def _cancel_undo_plan(self) -> None:
        with self._lock:
            self._undo_generation += 1  # its answer is dropped
        self.post(Status("Undo cancelled: nothing was written.", "info"))

    def _undoable(self, run_id: int) -> tuple[RunInfo, PlexClient]:
        run = self.engine.journal_run(run_id)
        blocker = undo_blocker(run)
        if blocker:
            raise UsageError(blocker)
        return run, self._client_for_run(run)

    def _plan_undo(self, run_id: int) -> None:
        with self._lock:
            generation = self._undo_generation
        _run, client = self._undoable(run_id)
        self.post(Status(f"Reading the items run {run_id} changed on {client.name}…", "busy"))
        plan = self.engine.plan_undo(client, run_id)
        with self._lock:
            if generation != self._undo_generation:
                return  # cancelled while reading
            self._undo = _UndoEntry(run_id, client, plan)
        skipped = tuple(f"{s.title}: {s.reason}" for s in plan.skipped)
        self.post(UndoPlanned(run_id, len(plan.writes), plan.already, skipped, client.name))
        n = len(plan.writes)
        self.post(Status(f"Undo run {run_id}: {n} item{'s' if n != 1 else ''} to restore. Confirm in History."
                         if n else f"Run {run_id}: nothing to restore, every item is already as before.", "info"))

    def run_undo(self, run_id: int) -> bool:
        """Write the confirmed undo plan (made again if something was written since it was shown)."""
        return self._spawn(RUN, self._run_undo, run_id, exclusive=WRITE_JOBS)

    def _run_undo(self, run_id: int) -> None:
        with self._lock:
            entry = self._undo if self._undo is not None and self._undo.run_id == run_id else None
        self._started_writing()
        if entry is None:
            _run, client = self._undoable(run_id)
            entry = _UndoEntry(run_id, client, self.engine.plan_undo(client, run_id))
        total = len(entry.plan.writes)
        self.post(RunStarted(total, False, "undo"))
        self.post(Status(f"Undoing run {run_id}: {total} item{'s' if total != 1 else ''} to restore "
                         "(Esc cancels)…", "busy"))
        summary = self.engine.execute_undo(
            entry.client, entry.plan, report_dir=self.engine.report_dir(), echo=lambda line: self.post(Log(line)),
            cancel=self._run_cancel, on_progress=PhasedProgress(total, self.post))
        self.post(finished_event(summary, total, "undo", undo_of=run_id))
        file = entry.plan.target.file if entry.plan.target else None
        self._after_run(Path(file) if file else None, entry.client.name)

    # -- an unfinished run of the chosen file ----------------------------------------------------------------
    def check_unfinished(self, source: Path | None, server: str | None) -> bool:
        """Is there an unfinished run of this file on this server? Answers with an `Unfinished` event."""
        return self._spawn(CHECK, self._check_unfinished, source, server)

    def _check_unfinished(self, source: Path | None, server: str | None) -> None:
        with self._lock:
            generation = self._run_generation
        if RUN in self.busy:
            return  # the run answers when it ends
        try:
            event = self._unfinished(source, server)
        except (OSError, RatingsToPlexError) as exc:  # only advice: never an error of its own
            self.post(Log(f"Could not check the run journal for an unfinished run: {exc}", "warning"))
            return
        with self._lock:
            stale = generation != self._run_generation
        if not stale and RUN not in self.busy:
            self.post(event)

    def _unfinished(self, source: Path | None, server: str | None) -> Unfinished:
        if source is None or server is None:
            return Unfinished(source, server, None)
        run = self.engine.find_unfinished(source)
        if run is None or run.undone_by is not None or not self._same_server(run, server):
            return Unfinished(source, server, None)
        total = run.applied + run.failed + run.pending
        return Unfinished(source, server, run.id, Path(run.file or source).name, run.applied, total, run.status)

    def resume(self, run_id: int) -> bool:
        """Finish an interrupted run: re-read what may not have landed, write only what is still missing."""
        return self._spawn(RUN, self._resume, run_id, exclusive=WRITE_JOBS)

    def _resume(self, run_id: int) -> None:
        run = self.engine.journal_run(run_id)
        if run.finished:
            raise UsageError(f"Run {run_id} has already finished ({run.status}): there is nothing to resume.")
        client = self._client_for_run(run)
        self._started_writing()
        self.post(Status(f"Checking which of run {run_id}'s changes reached {client.name}…", "busy"))
        plan = self.engine.plan_resume(client, run_id)
        total = len(plan.changes)
        self.post(RunStarted(total, False, "resume"))
        self.post(Status(f"Finishing run {run_id}: {total} change{'s' if total != 1 else ''} left to write "
                         "(Esc cancels)…", "busy"))
        summary = self.engine.execute_resume(
            client, plan, report_dir=self.engine.report_dir(), echo=lambda line: self.post(Log(line)),
            cancel=self._run_cancel, on_progress=lambda p: self.post(RunProgress(p.done, p.total, p.eta_s)))
        self.post(finished_event(summary, total, "resume", landed=len(plan.landed), gone=len(plan.gone)))
        self._after_run(Path(run.file) if run.file else None, client.name)
