"""Every engine function the window uses, behind one small class (no Tk).

The controller calls only these methods, from worker threads. Each call records the thread it ran on, so a test
can assert that nothing slow (network, files, the journal) ever ran on the Tk thread — the seed's main fault.
Tests may also subclass this to slow a call down or make it fail.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..apply import Progress
    from ..journal import JournalDB, RunInfo
    from ..plan import Plan
    from ..plex.client import PlexClient, Section
    from ..plex.session import PinLogin, ServerInfo
    from ..sources.model import ReadResult
    from ..sync import RunSummary, SyncOptions


class Engine:
    """Thin, recording wrappers around the library; imports happen on first use so the window opens fast."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, str]] = []  # (function, thread ident, thread name)
        self._lock = threading.Lock()

    def _note(self, name: str) -> None:
        thread = threading.current_thread()
        with self._lock:
            self.calls.append((name, threading.get_ident(), thread.name))

    # -- settings and the stored token -------------------------------------------------------------------
    def load_config(self) -> dict[str, Any]:
        self._note("load_config")
        from ..config import load_config

        return load_config()

    def save_config(self, updates: dict[str, Any]) -> None:
        self._note("save_config")
        from ..config import save_config

        save_config(updates)

    def load_token(self) -> str | None:
        self._note("load_token")
        from ..plex.credentials import load_token

        return load_token()

    def save_token(self, token: str) -> str:
        self._note("save_token")
        from ..plex.credentials import save_token

        return save_token(token)

    def forget_token(self) -> list[str]:
        self._note("forget_token")
        from ..plex.credentials import forget_token

        return forget_token()

    def report_dir(self) -> Path:
        self._note("report_dir")
        from ..paths import report_dir

        return report_dir()

    # -- sign-in and servers ---------------------------------------------------------------------------
    def pin_login(self) -> PinLogin:
        self._note("pin_login")
        from ..plex.session import PinLogin

        return PinLogin()

    def start_pin(self, login: PinLogin) -> str:
        self._note("start_pin")
        return login.start()

    def wait_pin(self, login: PinLogin, cancel: threading.Event, on_tick: Callable[[float], None]) -> str:
        self._note("wait_pin")
        return login.wait(cancel=cancel, on_tick=on_tick)

    def open_browser(self, url: str) -> bool:
        self._note("open_browser")
        from ..plex.session import open_browser

        return open_browser(url)

    def servers(self, token: str) -> list[ServerInfo]:
        self._note("prefetch_servers")
        from ..plex.session import prefetch_servers

        return prefetch_servers(token)

    def connect_server(self, server: ServerInfo, token: str) -> PlexClient:
        self._note("connect_server")
        from ..plex.session import connect_server

        return connect_server(server.name, token, servers=[server])

    def connect_url(self, url: str, token: str) -> PlexClient:
        self._note("connect_url")
        from ..plex.client import PlexClient

        return PlexClient.connect(url, token)

    def sections(self, client: PlexClient) -> list[Section]:
        self._note("sections")
        return client.sections()

    # -- the sync itself ----------------------------------------------------------------------------------
    def read_ratings(self, path: Path) -> ReadResult:
        self._note("read_ratings")
        from ..sources import read_ratings

        return read_ratings(path)

    def prepare_plan(self, client: PlexClient, source: ReadResult, options: SyncOptions,
                     log: Callable[[str], None]) -> tuple[Plan, list[Section]]:
        self._note("prepare_plan")
        from ..sync import prepare_plan

        return prepare_plan(client, source, options, log=log)

    def execute_plan(self, client: PlexClient, plan: Plan, sections: list[Section], options: SyncOptions, *,
                     report_dir: Path, echo: Callable[[str], None], cancel: threading.Event,
                     on_progress: Callable[[Progress], None]) -> RunSummary:
        self._note("execute_plan")
        from ..executor import run_plan

        with _journal() as journal:
            return run_plan(client, plan, journal=journal, report_dir=report_dir, workers=options.workers,
                            dry_run=options.dry_run, echo=echo, cancel=cancel, on_progress=on_progress)

    # -- the journal: history, undo, resume ---------------------------------------------------------------
    def journal_runs(self) -> list[RunInfo]:
        self._note("journal_runs")
        with _journal() as journal:
            return journal.runs()

    def journal_run(self, run_id: int) -> RunInfo:
        self._note("journal_run")
        with _journal() as journal:
            return journal.run(run_id)

    def find_unfinished(self, path: Path) -> RunInfo | None:
        self._note("find_unfinished")
        from ..journal import file_hash

        with _journal() as journal:
            return journal.unfinished_for(file_hash(path)) if path.is_file() else None

    def plan_undo(self, client: PlexClient, run_id: int) -> Plan:
        self._note("plan_undo")
        from ..undo import plan_undo

        with _journal() as journal:
            return plan_undo(client, journal, journal.run(run_id))

    def execute_undo(self, client: PlexClient, plan: Plan, *, report_dir: Path, echo: Callable[[str], None],
                     cancel: threading.Event, on_progress: Callable[[Progress], None]) -> RunSummary:
        self._note("execute_undo")
        from ..apply import DEFAULT_WORKERS
        from ..executor import run_plan

        with _journal() as journal:
            return run_plan(client, plan, journal=journal, report_dir=report_dir, workers=DEFAULT_WORKERS, echo=echo,
                            cancel=cancel, on_progress=on_progress)

    def plan_resume(self, client: PlexClient, run_id: int) -> Plan:
        self._note("plan_resume")
        from ..resume import plan_resume

        with _journal() as journal:
            return plan_resume(client, journal, journal.run(run_id))

    def execute_resume(self, client: PlexClient, plan: Plan, *, report_dir: Path,
                       echo: Callable[[str], None], cancel: threading.Event,
                       on_progress: Callable[[Progress], None]) -> RunSummary:
        self._note("execute_resume")
        from ..apply import DEFAULT_WORKERS
        from ..executor import run_plan

        with _journal() as journal:
            return run_plan(client, plan, journal=journal, report_dir=report_dir, workers=DEFAULT_WORKERS, echo=echo,
                            cancel=cancel, on_progress=on_progress)


@contextlib.contextmanager
def _journal() -> Iterator[JournalDB]:
    """The run journal, opened for one call and closed after (each worker thread gets its own connection)."""
    from ..journal import JournalDB

    journal = JournalDB()
    try:
        yield journal
    finally:
        journal.close()
