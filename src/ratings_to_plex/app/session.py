"""The application session: what every interface drives — connect, read, preview, write, undo, resume, history —
with the rules applied here, once.

No Tk, no typer, no printing: progress and log lines go to an `on_event` callback, errors are `RatingsToPlexError`s
whose text is shown as is. Locations are passed in (`journal_path`, `report_dir`), never read from the environment
deep inside. Thread-safe: the desktop app and the web UI call it from worker threads (see `jobs`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ..apply import DEFAULT_WORKERS, Progress
from ..errors import JournalError, UsageError
from ..executor import run_plan
from ..journal import JournalCorrupt, JournalDB, file_hash
from ..model import Identity, RunInfo, RunKind, RunSummary
from ..plan import Plan
from ..plex.client import PlexClient, Section
from ..plex.servers import account_uuid, connect_server
from ..resume import plan_resume as _plan_resume
from ..runlock import WriteLock
from ..sources import read_ratings
from ..sources.model import ReadResult
from ..sync import SyncOptions, check_source, choose_sections, prepare_plan
from ..undo import plan_undo as _plan_undo
from . import rules
from .account import remembered_server
from .accounts import AccountBook
from .backup import BackupJobs
from .connection import Connection, normalise_url
from .events import Event, Level, LogLine, ProgressUpdate

if TYPE_CHECKING:
    from ..plex.servers import ServerInfo

OnEvent = Callable[[Event], None]


def _quiet(_: Event) -> None:
    """The default `on_event`: nobody is listening."""


class AppSession(BackupJobs):
    """One user's session over one journal; connections are values it hands out and takes back."""

    def __init__(self, *, journal_path: Path, report_dir: Path, workers: int = DEFAULT_WORKERS,
                 verify: bool = True) -> None:
        self.journal_path = Path(journal_path)
        self.report_dir = Path(report_dir)
        self.workers = max(1, workers)
        self.verify = verify
        self._journal: JournalDB | None = None
        self._lock = threading.Lock()
        self.accounts = AccountBook(self.journal_path.parent / "accounts.json")

    @classmethod
    def default(cls, *, journal_path: Path | None = None, report_dir: Path | None = None,
                workers: int = DEFAULT_WORKERS, verify: bool = True) -> AppSession:
        """The user's own journal and report folder (platformdirs, or the RATINGS_TO_PLEX_*_DIR overrides),
        unless given."""
        from ..paths import data_dir
        from ..paths import report_dir as default_reports

        return cls(journal_path=journal_path or data_dir() / "journal.sqlite3",
                   report_dir=report_dir or default_reports(), workers=workers, verify=verify)

    # -- connecting -----------------------------------------------------------------------------------------
    def connect_url(self, url: str, token: str, *, user_id: str | None = None, user_name: str = "",
                    account_token: str | None = None) -> Connection:
        """A server by URL + token; its identity comes from the server (machine identifier), not from the name.
        As the signed-in account (no `user_id`), the account is the one learned for this token, else the token's
        fingerprint: plex.tv is not asked (`app.accounts`)."""
        client = PlexClient.connect(normalise_url(url), token, verify=self.verify,
                                    pool_size=max(16, self.workers * 2))
        account = None if user_id else self.accounts.identify(token, account_uuid(token, ask=False))
        return Connection.of(self._discover_aware(client, user_id, account_token), user_id=user_id,
                             user_name=user_name, account=account)

    def connect_server(self, name: str | None, token: str | None, *, servers: list[ServerInfo] | None = None,
                       user_id: str | None = None, user_name: str = "", account_token: str | None = None,
                       ) -> Connection:
        """One of the signed-in account's servers, by name or machine identifier (None: the remembered one)."""
        client = connect_server(name, token, verify=self.verify, pool_size=max(16, self.workers * 2),
                                servers=servers, remembered=remembered_server())
        account = None if user_id else self.accounts.signed_in(token, verify=self.verify)
        return Connection.of(self._discover_aware(client, user_id, account_token), user_id=user_id,
                             user_name=user_name, account=account)

    def _discover_aware(self, client: PlexClient, user_id: str | None, account_token: str | None) -> PlexClient:
        """The client, also able to reach Plex Discover when a plan, undo or resume names a title there (nothing
        is sent otherwise; plex/discover_items.py) — as the signed-in account, or as a Home user with their own
        `account_token`, never as anyone else."""
        from ..plex.discover_items import with_discover

        own = (lambda: account_token) if account_token else None
        return with_discover(client, self.journal_path, user_id, verify=self.verify, account_token=own)

    # -- reading and planning -------------------------------------------------------------------------------
    def read(self, paths: Iterable[Path], options: SyncOptions | None = None, *,
             format: str | None = None) -> list[ReadResult]:
        """Read (and, with `options`, check) every file before anything is written: a bad second file must not
        be found after the first one was imported. `format` (a `sources.FORMATS` name) overrides detection."""
        sources = [read_ratings(Path(p), format) for p in paths]
        if options is not None:
            for source in sources:
                check_source(source, options)
        return sources

    def libraries_for(self, conn: Connection, options: SyncOptions) -> list[Section]:
        """The sections a run with these options reads: the named ones (by title or key), or all movie/TV ones
        with `all_libraries`; a name the server does not have is refused with the ones it has."""
        return choose_sections(conn.client, options)

    def preview(self, conn: Connection, source: ReadResult, options: SyncOptions, *,
                on_event: OnEvent = _quiet) -> Plan:
        """Match the file against the chosen libraries and plan every write; nothing is written."""
        options = dataclasses.replace(options, workers=self.workers)
        plan, _sections = prepare_plan(conn.client, source, options, log=lambda m: on_event(LogLine(m)))
        if options.discover:  # rows in none of the chosen libraries: looked up and planned on Plex Discover
            from ..discover_plan import add_discover

            add_discover(plan, conn.client, log=lambda m: on_event(LogLine(m)))
        plan.identity = conn.identity
        return plan

    # -- writing (the one way to write) ---------------------------------------------------------------------
    def write(self, conn: Connection, plan: Plan, *, dry_run: bool = False, cancel: threading.Event | None = None,
              on_event: OnEvent = _quiet) -> RunSummary:
        """Run a sync, undo or resume plan through the one executor, on the server and user it was planned for.

        Refuses while anything else writes to the same server and user (in this process or another), and checks
        the undo/resume rules again at the last moment (another window may have acted since the plan was made).
        """
        if plan.identity is not None and plan.identity != conn.identity:
            raise UsageError(f"This preview was made for {plan.identity.label}, not {conn.identity.label}: "
                             "preview again on the server you want to write to.")

        def progress(p: Progress) -> None:
            on_event(ProgressUpdate(p.done, p.total, p.eta_s))

        def echo(line: str) -> None:
            on_event(LogLine(line))

        with self._journal_for(dry_run, on_event) as journal, self._write_lock(conn.identity, dry_run):
            if not dry_run:
                self._recheck(plan, conn.identity)
            return run_plan(conn.client, plan, journal=journal, report_dir=self.report_dir, workers=self.workers,
                            dry_run=dry_run, identity=conn.identity, echo=echo, cancel=cancel,
                            on_progress=progress)

    def _recheck(self, plan: Plan, identity: Identity) -> None:
        if plan.target is None:
            return
        run = self.run(plan.target.id)
        elsewhere = self.journal().running_elsewhere(run.id)
        blocker = (rules.undo_blocker if plan.kind is RunKind.UNDO else rules.resume_blocker)(
            run, identity, running_elsewhere=elsewhere)
        if blocker:
            raise UsageError(blocker)

    @contextlib.contextmanager
    def _write_lock(self, identity: Identity, dry_run: bool) -> Iterator[None]:
        if dry_run:
            yield
            return
        lock = WriteLock(self.journal_path.parent, identity.key)
        if not lock.acquire():
            raise UsageError(f"Another run is writing to {identity.label} right now (in this or another window, "
                             "terminal or browser tab): wait for it to finish, then try again.")
        try:
            yield
        finally:
            lock.release()

    @contextlib.contextmanager
    def _journal_for(self, dry_run: bool, on_event: OnEvent) -> Iterator[JournalDB]:
        """The journal; for a dry run with a damaged journal, a throwaway one (a preview must not be blocked)."""
        try:
            journal = self.journal()
        except JournalCorrupt as exc:
            if not dry_run:
                raise
            on_event(LogLine(f"{exc} This dry run is not recorded.", Level.WARNING))
        else:
            yield journal
            return
        folder = tempfile.mkdtemp(prefix="r2p-dry-run-")
        scratch = JournalDB(Path(folder) / "journal.sqlite3")
        try:
            yield scratch
        finally:
            scratch.close()
            shutil.rmtree(folder, ignore_errors=True)

    # -- the journal: history and its rules -----------------------------------------------------------------
    def journal(self) -> JournalDB:
        """The run journal, opened on first use; raises `JournalCorrupt` (with the way out) when it is damaged."""
        with self._lock:
            if self._journal is None:
                self._journal = JournalDB(self.journal_path)
            return self._journal

    def run(self, run_id: int) -> RunInfo:
        return self.journal().run(run_id)

    def history(self, identity: Identity | None = None, include_dry_runs: bool = False) -> list[RunInfo]:
        """Runs newest first; only this server and user's with `identity`."""
        return [r for r in self.journal().runs() if (include_dry_runs or not r.dry_run)
                and (identity is None or rules.same_identity(r, identity))]

    def reports(self, run: RunInfo) -> dict[str, Path]:
        """The run's reports that still exist (`unmatched_csv`, `run_log`), for History to offer for any run."""
        found = {"unmatched_csv": run.unmatched_csv, "run_log": run.run_log}
        return {name: Path(path) for name, path in found.items() if path and Path(path).is_file()}

    def running_elsewhere(self, run_id: int) -> bool:
        """Whether another process (or another job of this one) is writing this run right now."""
        return self.journal().running_elsewhere(run_id)

    def undo_blocker(self, run: RunInfo, identity: Identity | None = None) -> str | None:
        """Why `run` cannot be undone (on `identity`, when given), in words; None when it can."""
        return rules.undo_blocker(run, identity, running_elsewhere=self.running_elsewhere(run.id))

    def resume_blocker(self, run: RunInfo, identity: Identity | None = None) -> str | None:
        """Why `run` cannot be resumed (on `identity`, when given), in words; None when it can."""
        return rules.resume_blocker(run, identity, running_elsewhere=self.running_elsewhere(run.id))

    def undo_target(self, run_id: int | None, identity: Identity | None = None) -> tuple[RunInfo, str | None]:
        """The run to undo — `run_id`, or (None) the newest that wrote or may have written something and is not
        undone — plus a note when `--last` finds an interrupted undo and finishes it instead."""
        if run_id is not None:
            return self.run(run_id), None
        run = self.journal().last_undoable(identity)
        if run is None:
            raise UsageError("Nothing to undo: no run has written anything that is not already undone.")
        if run.kind == RunKind.UNDO and not run.finished and run.undo_of is not None:
            # An interrupted undo: "undo the last run" means "finish undoing", not "revert the half-done undo".
            return self.run(run.undo_of), (f"Run {run.id} (undo of run {run.undo_of}) did not finish: finishing "
                                           f"the undo of run {run.undo_of}.")
        return run, None

    def plan_undo(self, conn: Connection, run_id: int) -> Plan:
        """Check the undo rules, then read the items the run changed and plan putting them back."""
        run = self.run(run_id)
        blocker = self.undo_blocker(run, conn.identity)
        if blocker:
            raise UsageError(blocker)
        plan = _plan_undo(conn.client, self.journal(), run)
        plan.identity = conn.identity
        return plan

    def plan_resume(self, conn: Connection, run_id: int) -> Plan:
        """Check the resume rules, then re-read what may not have landed and plan only what is missing."""
        run = self.run(run_id)
        blocker = self.resume_blocker(run, conn.identity)
        if blocker:
            raise (JournalError if self.running_elsewhere(run.id) else UsageError)(blocker)
        plan = _plan_resume(conn.client, self.journal(), run)
        plan.identity = conn.identity
        return plan

    def unfinished_run(self, file: Path, identity: Identity | None = None, kind: RunKind = RunKind.SYNC,
                       ) -> RunInfo | None:
        """The newest sync (or, with `kind`, restore) of this exact file (same content) on this server and user
        that did not finish and was not undone — unless a later one of it finished. None when the file is gone."""
        if not Path(file).is_file():
            return None
        return self.journal().unfinished_for(file_hash(Path(file)), identity, kind.value)

    def move_journal_aside(self) -> Path:
        """Rename a damaged journal (and its -wal/-shm files) so a new one starts; returns where it now is."""
        with self._lock:
            if self._journal is not None:
                self._journal.close()
                self._journal = None
        aside = JournalCorrupt(self.journal_path, "").aside
        for suffix in ("", "-wal", "-shm"):
            source = self.journal_path.with_name(self.journal_path.name + suffix)
            if source.exists():
                os.replace(source, aside.with_name(aside.name + suffix))
        return aside

    def close(self) -> None:
        with self._lock:
            if self._journal is not None:
                self._journal.close()
                self._journal = None
