"""Every call the window makes into the application session (`app.AppSession`), behind one small class (no Tk).

The controller calls only these methods, from worker threads. Each call records the thread it ran on, so a test
can assert that nothing slow (network, files, the journal) ever ran on the Tk thread — the seed's main fault.
Tests may also subclass this to slow a call down or make it fail. The rules (which run may be undone or resumed,
on which server) are the session's: the window asks, it never decides.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..app import AppSession, Connection, Identity, Plan, ReadResult, RunInfo, RunSummary, Section, SyncOptions
    from ..app.account import HomeUser, PinLogin, ServerInfo
    from ..app.backup import Backup, ExportResult


class Engine:
    """Thin, recording wrappers around the session; imports happen on first use so the window opens fast."""

    def __init__(self, session: AppSession | None = None, *, journal_path: Path | None = None,
                 report_dir: Path | None = None, account_token: str | None = None) -> None:
        self.calls: list[tuple[str, int, str]] = []  # (function, thread ident, thread name)
        self._lock = threading.Lock()
        self._session = session
        self._where = (journal_path, report_dir)
        self._account_token = account_token  # reaches Plex Discover for a URL connection (the demo's emulator)
        self.source_format: str | None = None  # the Source tab's "Read as" menu: None detects (format_menu.py)

    def _note(self, name: str) -> None:
        thread = threading.current_thread()
        with self._lock:
            self.calls.append((name, threading.get_ident(), thread.name))

    @property
    def session(self) -> AppSession:
        """The application session, made on first use (in a worker: it reads the settings for the worker count)."""
        with self._lock:
            if self._session is None:
                self._session = _make_session(*self._where)
            return self._session

    # -- settings and the stored token -------------------------------------------------------------------
    def load_config(self) -> dict[str, Any]:
        self._note("load_config")
        from ..app.account import load_config

        return load_config()

    def save_config(self, updates: dict[str, Any]) -> None:
        self._note("save_config")
        from ..app.account import save_config

        save_config(updates)

    def load_token(self) -> str | None:
        self._note("load_token")
        from ..app.account import load_token

        return load_token()

    def save_token(self, token: str) -> str:
        self._note("save_token")
        from ..app.account import save_token

        return save_token(token)

    def forget_token(self) -> list[str]:
        self._note("forget_token")
        from ..app.account import forget_token

        return forget_token()

    # -- sign-in and servers ---------------------------------------------------------------------------
    def pin_login(self) -> PinLogin:
        self._note("pin_login")
        from ..app.account import PinLogin

        return PinLogin()

    def start_pin(self, login: PinLogin) -> str:
        self._note("start_pin")
        return login.start()

    def wait_pin(self, login: PinLogin, cancel: threading.Event, on_tick: Callable[[float], None]) -> str:
        self._note("wait_pin")
        return login.wait(cancel=cancel, on_tick=on_tick)

    def open_browser(self, url: str) -> bool:
        self._note("open_browser")
        from ..app.account import open_browser

        return open_browser(url)

    def account_name(self, token: str) -> str:
        """The account's name as Plex shows it (its title, else username, else e-mail)."""
        self._note("account_name")
        from ..app.account import account

        acct = account(token)
        return str(acct.title or acct.username or acct.email or "")

    def servers(self, token: str) -> list[ServerInfo]:
        self._note("prefetch_servers")
        from ..app.account import prefetch_servers

        return prefetch_servers(token)

    def connect_server(self, server: ServerInfo, token: str) -> Connection:
        self._note("connect_server")
        return self.session.connect_server(server.client_identifier or server.name, token, servers=[server])

    def connect_url(self, url: str, token: str) -> Connection:
        self._note("connect_url")
        return self.session.connect_url(url, token, account_token=self._account_token)

    def sections(self, conn: Connection) -> list[Section]:
        self._note("sections")
        return conn.sections()

    # -- Plex Home users (issue 16) ----------------------------------------------------------------------
    def home_users(self, token: str) -> list[HomeUser]:
        self._note("home_users")
        from ..app.account import home_users

        return home_users(token, verify=self.session.verify)

    def connect_as(self, user: HomeUser, pin: str | None, token: str, machine_id: str) -> Connection:
        """Connect to the server as Home user `user`, with their own token (switch on plex.tv with the PIN, then
        their token for this server: the CLI's and the web UI's sequence). Raises when any step fails — it never
        connects as anybody else."""
        self._note("connect_as")
        from ..app.account import resolve_target
        from ..errors import AuthError

        target = resolve_target(user.uuid, pin, token=token, server=machine_id, verify=self.session.verify)
        if target.user_id is None or target.server is None:
            raise AuthError(f"No token of {user.title!r} was found for this server. Nothing was written.")
        return self.session.connect_server(target.server.client_identifier, None, servers=[target.server],
                                           user_id=target.user_id, user_name=target.user_name,
                                           account_token=target.account_token)

    # -- the sync itself ----------------------------------------------------------------------------------
    def read_ratings(self, path: Path) -> ReadResult:
        self._note("read_ratings")
        return self.session.read([path], format=self.source_format)[0]

    def prepare_plan(self, conn: Connection, source: ReadResult, options: SyncOptions,
                     log: Callable[[str], None]) -> Plan:
        self._note("prepare_plan")
        return self.session.preview(conn, source, options, on_event=_echo(log))

    def execute_plan(self, conn: Connection, plan: Plan, *, dry_run: bool, echo: Callable[[str], None],
                     cancel: threading.Event, on_progress: Callable[[int, int, float | None], None],
                     ) -> RunSummary:
        """Write a sync, undo or resume plan (the session's one way to write)."""
        self._note("execute_plan")
        from ..app import LogLine, ProgressUpdate

        def on_event(event: object) -> None:
            if isinstance(event, LogLine):
                echo(event.text)
            elif isinstance(event, ProgressUpdate):
                on_progress(event.done, event.total, event.eta_s)

        return self.session.write(conn, plan, dry_run=dry_run, cancel=cancel, on_event=on_event)

    def export_ratings(self, conn: Connection, options: SyncOptions, fmt: str, path: Path) -> ExportResult:
        self._note("export_ratings")
        return self.session.export_ratings(conn, options, fmt, path)

    def read_backup(self, path: Path) -> Backup:
        self._note("read_backup")
        return self.session.read_backup(path)

    def plan_restore(self, conn: Connection, backup: Backup, libraries: tuple[str, ...]) -> Plan:
        self._note("plan_restore")
        return self.session.plan_restore(conn, backup, libraries)

    # -- the journal: history, undo, resume ---------------------------------------------------------------
    def journal_runs(self) -> list[RunInfo]:
        self._note("journal_runs")
        return self.session.history(include_dry_runs=True)

    def journal_run(self, run_id: int) -> RunInfo:
        self._note("journal_run")
        return self.session.run(run_id)

    def undo_blocker(self, run: RunInfo, identity: Identity | None) -> str | None:
        self._note("undo_blocker")
        return self.session.undo_blocker(run, identity)

    def reports(self, run: RunInfo) -> dict[str, Path]:
        self._note("reports")
        return self.session.reports(run)

    def move_journal_aside(self) -> Path:
        self._note("move_journal_aside")
        return self.session.move_journal_aside()

    def find_unfinished(self, path: Path, identity: Identity) -> RunInfo | None:
        self._note("find_unfinished")
        return self.session.unfinished_run(path, identity)

    def plan_undo(self, conn: Connection, run_id: int) -> Plan:
        self._note("plan_undo")
        return self.session.plan_undo(conn, run_id)

    def plan_resume(self, conn: Connection, run_id: int) -> Plan:
        self._note("plan_resume")
        return self.session.plan_resume(conn, run_id)


def _echo(log: Callable[[str], None]) -> Callable[[object], None]:
    def on_event(event: object) -> None:
        text = getattr(event, "text", None)
        if isinstance(text, str):
            log(text)

    return on_event


def _make_session(journal_path: Path | None, report_dir: Path | None) -> AppSession:
    """The user's session; writes use the configured worker count (`RATINGS_TO_PLEX_WORKERS` or `workers` in
    the settings), for a sync, an undo and a resume alike — as the command line does."""
    from ..app import DEFAULT_WORKERS, AppSession
    from ..app.account import load_config

    workers = os.environ.get("RATINGS_TO_PLEX_WORKERS") or load_config().get("workers") or DEFAULT_WORKERS
    try:
        count = max(1, min(64, int(workers)))
    except (TypeError, ValueError):
        count = DEFAULT_WORKERS
    return AppSession.default(journal_path=journal_path, report_dir=report_dir, workers=count)
