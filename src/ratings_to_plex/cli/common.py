"""Options and helpers shared by several commands: the session, connecting, confirming, progress, Ctrl-C/SIGTERM."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..app import DEFAULT_WORKERS, AppSession, Connection, Event, LogLine, ProgressUpdate, RunStatus, RunSummary
from ..app.account import load_token
from ..app.connection import normalise_url
from ..errors import AuthError, UsageError
from ..security import strip_credentials
from .app import err, state

URL_OPT = typer.Option(None, "--url", envvar="PLEX_URL", help="Server URL, e.g. http://192.168.1.10:32400.")
TOKEN_OPT = typer.Option(None, "--token", envvar="PLEX_TOKEN", help="Plex token (or sign in once with `login`).",
                         show_default=False)
SERVER_OPT = typer.Option(None, "--server", envvar="RATINGS_TO_PLEX_SERVER",
                          help="Name of one of your servers (after `login`).")
INSECURE_OPT = typer.Option(False, "--insecure-skip-tls-verify", envvar="RATINGS_TO_PLEX_INSECURE_SKIP_TLS_VERIFY",
                            help="Do not check the server's TLS certificate (self-signed local servers only).")
JSON_OPT = typer.Option(False, "--json", help="Print one JSON object on stdout; everything else goes to stderr.")
YES_OPT = typer.Option(False, "--yes", "-y", envvar="RATINGS_TO_PLEX_YES", help="Write without asking.")
LIBRARY_OPT = typer.Option([], "--library", "-l", help="Library name or key; repeat for several.")
DRY_RUN_OPT = typer.Option(False, "--dry-run", help="Show what would change and write nothing.")
REPORT_DIR_OPT = typer.Option(None, "--report-dir", envvar="RATINGS_TO_PLEX_REPORT_DIR", help="Folder for the run log.")
WORKERS_OPT = typer.Option(DEFAULT_WORKERS, "--workers", envvar="RATINGS_TO_PLEX_WORKERS", min=1, max=64,
                           help="Concurrent writes.")


def make_session(report_dir: Path | None, workers: int = DEFAULT_WORKERS, insecure: bool = False) -> AppSession:
    """The session of one command: the user's journal, the chosen report folder and worker count."""
    if insecure:
        err.print("warning: TLS certificate verification is OFF for this run.", markup=False)
    return AppSession.default(report_dir=report_dir, workers=workers, verify=not insecure)


def connect(session: AppSession, url: str | None, token: str | None, server: str | None,
            user: str | None = None) -> Connection:
    """A connected server from --url/--token, or from the stored sign-in and --server (or the remembered one);
    with `user` (--user), as that Plex Home user, with their own token (cli/users_cmd.py)."""
    if url and server:
        raise UsageError("--url and --server both say which server to use: pass only one of them.")
    shown = strip_credentials(normalise_url(url)) if url else server or "your server"
    err.print(f"Connecting to {shown}…", markup=False)  # at once: a slow server must not look like a hang
    if user:
        from .users_cmd import connect_as

        if (as_user := connect_as(session, url, token, server, user)) is not None:
            return as_user
    if url:
        token = token or load_token()
        if not token:
            raise AuthError("No Plex token: pass --token (or PLEX_TOKEN), or sign in with `ratings-to-plex login`.")
        return session.connect_url(url, token)
    return session.connect_server(server, token)


def confirm_write(question: str, yes: bool) -> None:
    """Refuse to write without a terminal and without --yes (exit 2); on a terminal, ask."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError("Refusing to write without confirmation: no terminal to ask on. Add --yes to proceed.")
    try:
        confirmed = typer.confirm(question, default=False, err=True)
    except typer.Abort:  # Ctrl-C (or Ctrl-D) at the prompt is a cancel like any other: exit 130
        err.print("\nCancelled: nothing written.", markup=False)
        state["message"] = "Cancelled: nothing written."
        raise typer.Exit(130) from None
    if not confirmed:
        err.print("Nothing written.", markup=False)
        state["message"] = "Nothing written: the write was not confirmed."
        raise typer.Exit(0)


def progress_reporter(enabled: bool, console: Console | None = None,
                      ) -> tuple[Callable[[ProgressUpdate], None], Callable[[], None]]:
    """A rich bar on a terminal, plain lines every 10 % when piped; returns (callback, close). The bar lives on
    `console`, the one the run's lines are printed on, so rich keeps it below them instead of both garbling."""
    started = time.monotonic()
    console = console or err
    if enabled and console.is_terminal and not os.environ.get("CI"):
        bar = Progress(TextColumn("Writing"), BarColumn(), MofNCompleteColumn(),
                       TextColumn("{task.fields[rate]}"), TimeRemainingColumn(), console=console, transient=True)
        task = bar.add_task("write", total=None, rate="")
        bar.start()

        def update(p: ProgressUpdate) -> None:
            elapsed = time.monotonic() - started
            rate = f"{p.done / elapsed:.0f}/s" if elapsed > 0 else ""
            bar.update(task, completed=p.done, total=p.total, rate=rate)

        return update, bar.stop
    last = [-1, 0.0]

    def plain(p: ProgressUpdate) -> None:
        """Piped output: a line per 10 % at most every 2 s, and the last one, so logs stay readable."""
        step, elapsed = p.done * 10 // max(1, p.total), time.monotonic() - started
        if p.done == p.total or (step != last[0] and elapsed - last[1] >= 2.0):
            last[0], last[1] = step, elapsed
            eta = f", about {p.eta_s:.0f} s left" if p.eta_s and p.eta_s >= 1 else ""
            err.print(f"Progress: {p.done}/{p.total} written{eta}", markup=False)

    return plain, lambda: None


@contextmanager
def writing(enabled: bool, echo: Callable[[str], None], console: Console | None = None,
            ) -> Iterator[tuple[threading.Event, Callable[[Event], None]]]:
    """Around a write: Ctrl-C and SIGTERM stop new writes (those in flight finish and are journaled) instead of
    killing the process, and the session's events become lines and a progress bar (on `console`, where `echo`
    prints). Yields (cancel, on_event)."""
    cancel = threading.Event()
    update, close = progress_reporter(enabled, console)

    def on_event(event: Event) -> None:
        if isinstance(event, LogLine):
            echo(event.text)
        elif isinstance(event, ProgressUpdate):
            update(event)

    previous: dict[signal.Signals, object] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda *_: cancel.set())
    try:
        yield cancel, on_event
    finally:
        close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]


def exit_code(summary: RunSummary) -> int:
    """0 done; 1 some writes failed; 3 the run stopped (token refused, server lost); 130 cancelled."""
    if summary.status == RunStatus.CANCELLED:
        return 130
    if summary.status == RunStatus.STOPPED:
        return 3
    return 1 if summary.counts.get("Rate failed errors") else 0


def combined(code: int, summary: RunSummary) -> int:
    """The exit code of several runs so far (`code`) and one more: a stop (3) or a cancel (130) wins, else the
    first failure."""
    new = exit_code(summary)
    return new if new in (3, 130) or code == 0 else code


def print_json(summaries: list[RunSummary], extra: dict[str, object] | None = None) -> None:
    """The `--json` object: one run's, or the last run's with every run under `runs`."""
    import json

    payload = summaries[0].to_json() if len(summaries) == 1 else {
        **summaries[-1].to_json(), "runs": [s.to_json() for s in summaries]}
    print(json.dumps({**payload, **(extra or {})}, ensure_ascii=False))
    state["json_printed"] = True
