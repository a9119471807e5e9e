"""The journal half of the controller: the History list, undoing a run, and finishing an unfinished one.

A mixin of `Controller` (it uses the controller's queue, lock, job runner and clients), split out to keep each module
small. Runs in worker threads only. Undo and resume write through the RUN job, so Cancel, the progress bar and
closing the window behave exactly as for a sync. Which run may be undone or resumed, and on which server, is the
application session's rule (asked through the engine); the window finds the connection whose machine identifier
the run recorded — never a server by its name.
"""

from __future__ import annotations

import threading
from abc import abstractmethod
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from ..app import JournalCorrupt, rules
from ..errors import RatingsToPlexError, UsageError
from .events import (
    CHECK,
    HISTORY,
    PLAN,
    RUN,
    SOURCE,
    UNDO_PLAN,
    HistoryLoaded,
    JournalDamaged,
    Log,
    RunFinished,
    RunProgress,
    RunStarted,
    Status,
    UndoPlanned,
    Unfinished,
)
from .history_rows import history_rows
from .host import ControllerHost

if TYPE_CHECKING:
    from ..app import Connection, Identity, Plan, RunInfo, RunSummary

WRITE_JOBS: Final = (PLAN, RUN, SOURCE, UNDO_PLAN)  # one at a time: never read or plan while something writes


@dataclass
class _UndoEntry:
    run_id: int
    client: Connection
    plan: Plan


def finished_event(summary: RunSummary, total: int, kind: str = "sync", *, undo_of: int | None = None) -> RunFinished:
    """The window's summary of a finished sync, undo or resume (what a resume found already written before the
    interruption, or gone, is not counted as written by it)."""
    states = Counter(str(o.status) for o in summary.outcomes)
    landed, gone = len(summary.plan.landed), len(summary.plan.gone)
    written, failed = states["updated"] - landed, states["failed"]
    return RunFinished(summary.run_id, summary.status, dict(summary.counts), written, total,
                       summary.unmatched_csv, summary.run_log, failed=failed,
                       not_attempted=max(0, total - written - (failed - gone)), kind=kind, undo_of=undo_of)


class JournalJobs(ControllerHost):
    """A mixin of `Controller` (see `ControllerHost`; it also uses the account mixin's `_client_for`)."""

    _run_cancel: threading.Event
    _undo: _UndoEntry | None
    _undo_generation: int
    _run_generation: int

    @abstractmethod
    def _client_for(self, server: str) -> Connection:
        raise NotImplementedError

    @property
    @abstractmethod
    def busy(self) -> frozenset[str]:
        raise NotImplementedError

    # -- history ---------------------------------------------------------------------------------------------
    def load_history(self) -> bool:
        return self._spawn(HISTORY, self._load_history)

    def _load_history(self) -> None:
        try:
            runs = self.engine.journal_runs()
        except JournalCorrupt as exc:  # said in the History tab, with the way out: not a failed job
            self.post(JournalDamaged(f"The run journal {exc.path} is damaged ({exc.detail})."))
            return
        self.post(HistoryLoaded(tuple(history_rows(runs))))

    def move_journal_aside(self) -> bool:
        """Rename the damaged journal (kept beside the new one) so History, Undo and writes work again."""
        return self._spawn(HISTORY, self._move_journal_aside, exclusive=WRITE_JOBS)

    def _move_journal_aside(self) -> None:
        aside = self.engine.move_journal_aside()
        self.post(Log(f"Moved the damaged run journal to {aside}; a new one starts now."))
        self.post(Status("The damaged run journal was moved aside: a new one starts now.", "ok"))
        self._load_history()

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
    def _identity(self, server: str) -> Identity | None:
        """The identity of the server the menu calls `server` (known before connecting: plex.tv lists it)."""
        from ..app import Identity

        with self._lock:
            conn, info = self._clients.get(server), self._servers.get(server)
        if conn is not None:
            return conn.identity
        if info is not None and info.client_identifier:
            return Identity(info.client_identifier, None, info.name)
        return None

    def _label_of(self, machine_id: str | None, user_id: str | None = None, *, any_user: bool = False,
                  ) -> str | None:
        """The server menu's label of this machine (and user, unless `any_user`); None when the window does not
        know it."""
        with self._lock:
            labels = list(dict.fromkeys([*self._clients, *self._servers]))
        for label in labels:
            identity = self._identity(label)
            if identity is not None and machine_id and identity.machine_id == machine_id \
                    and (any_user or (identity.user_id or None) == (user_id or None)):
                return label
        return None

    def _client_for_run(self, run: RunInfo) -> Connection:
        """The connected server the run wrote to (by machine identifier and user); never another server, never
        another user's ratings (then the session's rule says which user to switch to)."""
        label = self._label_of(run.machine_id, run.user_id)
        if label is not None:
            return self._client_for(label)
        same_server = self._label_of(run.machine_id, any_user=True)
        identity = self._identity(same_server) if same_server is not None else None
        if identity is not None and (problem := rules.identity_problem(run, identity)):
            home = run.user_id or identity.user_id  # a Home user's: switched on the Login tab's User menu
            raise UsageError(problem.rstrip(".") + " (the User menu on the Login tab)." if home else problem)
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

    def _undoable(self, run_id: int) -> tuple[RunInfo, Connection]:
        run = self.engine.journal_run(run_id)
        blocker = self.engine.undo_blocker(run, None)  # the session's rule; the server is checked next
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
        summary = self.engine.execute_plan(
            entry.client, entry.plan, dry_run=False, echo=lambda line: self.post(Log(line)), cancel=self._run_cancel,
            on_progress=lambda done, total, eta: self.post(RunProgress(done, total, eta)))
        self.post(finished_event(summary, total, "undo", undo_of=run_id))
        file = entry.plan.target.file if entry.plan.target else None
        self._after_run(Path(file) if file else None, self._label_of(entry.client.identity.machine_id))

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
        identity = self._identity(server) if server is not None else None
        if source is None or server is None or identity is None:
            return Unfinished(source, server, None)
        run = self.engine.find_unfinished(source, identity)  # the session's rule: this server, not undone
        if run is None:
            return Unfinished(source, server, None)
        total = run.applied + run.failed + run.pending
        return Unfinished(source, server, run.id, Path(run.file or source).name, run.applied, total, run.status)

    def resume(self, run_id: int) -> bool:
        """Finish an interrupted run: re-read what may not have landed, write only what is still missing."""
        return self._spawn(RUN, self._resume, run_id, exclusive=WRITE_JOBS)

    def _resume(self, run_id: int) -> None:
        run = self.engine.journal_run(run_id)
        client = self._client_for_run(run)
        self._started_writing()
        self.post(Status(f"Checking which of run {run_id}'s changes reached {client.name}…", "busy"))
        plan = self.engine.plan_resume(client, run_id)  # the session checks the run may be resumed here
        total = len(plan.changes)
        self.post(RunStarted(total, False, "resume"))
        self.post(Status(f"Finishing run {run_id}: {total} change{'s' if total != 1 else ''} left to write "
                         "(Esc cancels)…", "busy"))
        summary = self.engine.execute_plan(
            client, plan, dry_run=False, echo=lambda line: self.post(Log(line)), cancel=self._run_cancel,
            on_progress=lambda done, total, eta: self.post(RunProgress(done, total, eta)))
        self.post(finished_event(summary, total, "resume"))
        self._after_run(Path(run.file) if run.file else None, self._label_of(client.identity.machine_id))
