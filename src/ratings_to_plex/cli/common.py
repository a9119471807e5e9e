"""Options and helpers shared by several commands: connecting, confirming, progress."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..apply import Progress as ApplyProgress
from ..errors import AuthError, UsageError
from ..plex.client import PlexClient
from .app import err

URL_OPT = typer.Option(None, "--url", envvar="PLEX_URL", help="Server URL, e.g. http://192.168.1.10:32400.")
TOKEN_OPT = typer.Option(None, "--token", envvar="PLEX_TOKEN", help="Plex token (or sign in once with `login`).",
                         show_default=False)
SERVER_OPT = typer.Option(None, "--server", envvar="RATINGS_TO_PLEX_SERVER",
                          help="Name of one of your servers (after `login`).")
INSECURE_OPT = typer.Option(False, "--insecure-skip-tls-verify", envvar="RATINGS_TO_PLEX_INSECURE_SKIP_TLS_VERIFY",
                            help="Do not check the server's TLS certificate (self-signed local servers only).")
JSON_OPT = typer.Option(False, "--json", help="Print one JSON object on stdout; everything else goes to stderr.")
YES_OPT = typer.Option(False, "--yes", "-y", envvar="RATINGS_TO_PLEX_YES", help="Write without asking.")


def connect(url: str | None, token: str | None, server: str | None, insecure: bool = False,
            workers: int = 8) -> PlexClient:
    """A connected client from --url/--token, or from the stored sign-in and --server (or the remembered one)."""
    if insecure:
        err.print("warning: TLS certificate verification is OFF for this run.", markup=False)
    if url:
        token = token or _stored_token()
        if not token:
            raise AuthError("No Plex token: pass --token (or PLEX_TOKEN), or sign in with `ratings-to-plex login`.")
        return PlexClient.connect(url, token, verify=not insecure, pool_size=max(16, workers * 2))
    from ..plex import session  # the account side is only needed without --url

    return session.connect_server(server, token=token, verify=not insecure, pool_size=max(16, workers * 2))


def _stored_token() -> str | None:
    try:
        from ..plex.credentials import load_token
    except ImportError:
        return None
    return load_token()


def confirm_write(question: str, yes: bool) -> None:
    """Refuse to write without a terminal and without --yes (exit 2); on a terminal, ask."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError("Refusing to write without confirmation: no terminal to ask on. Add --yes to proceed.")
    if not typer.confirm(question, default=False, err=True):
        err.print("Nothing written.", markup=False)
        raise typer.Exit(0)


def progress_reporter(enabled: bool) -> tuple[Callable[[ApplyProgress], None], Callable[[], None]]:
    """A rich bar on a terminal, plain lines every 10 % when piped; returns (callback, close)."""
    if enabled and err.is_terminal and not os.environ.get("CI"):
        bar = Progress(TextColumn("Writing"), BarColumn(), MofNCompleteColumn(),
                       TextColumn("{task.fields[rate]}"), TimeRemainingColumn(), console=err, transient=True)
        task = bar.add_task("write", total=None, rate="")
        bar.start()

        def update(p: ApplyProgress) -> None:
            rate = f"{p.done / p.elapsed_s:.0f}/s" if p.elapsed_s > 0 else ""
            bar.update(task, completed=p.done, total=p.total, rate=rate)

        return update, bar.stop
    last = [-1, 0.0]

    def plain(p: ApplyProgress) -> None:
        """Piped output: a line per 10 % at most every 2 s, and the last one, so logs stay readable."""
        step = p.done * 10 // max(1, p.total)
        if p.done == p.total or (step != last[0] and p.elapsed_s - last[1] >= 2.0):
            last[0], last[1] = step, p.elapsed_s
            eta = f", about {p.eta_s:.0f} s left" if p.eta_s and p.eta_s >= 1 else ""
            err.print(f"Progress: {p.done}/{p.total} written{eta}", markup=False)

    return plain, lambda: None
