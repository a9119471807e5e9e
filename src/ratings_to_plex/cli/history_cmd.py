"""`history`, `undo` and `sync --resume`: the journal's commands, thin over `journal`, `undo` and `resume`."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich import box
from rich.table import Table

from ..apply import DEFAULT_WORKERS
from ..errors import RatingsToPlexError, UsageError
from ..journal import JournalDB, RunInfo
from ..paths import report_dir as default_report_dir
from ..plan import Change, Plan
from ..plex.client import PlexClient
from ..report import Tally, fmt_rating
from ..resume import execute_resume, find_unfinished, plan_resume
from ..sources.model import ReadResult
from ..sync import RunSummary, SyncOptions
from ..undo import execute_undo as run_undo_plan
from ..undo import plan_undo
from .app import app, err, friendly_errors, out
from .common import (
    INSECURE_OPT,
    JSON_OPT,
    SERVER_OPT,
    TOKEN_OPT,
    URL_OPT,
    YES_OPT,
    confirm_write,
    connect,
    progress_reporter,
)


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S") if ts else ""


def run_json(run: RunInfo) -> dict[str, Any]:
    """One run as `history --json` lists it."""
    return {"run_id": run.id, "kind": run.kind, "started_at": _when(run.started_at),
            "finished_at": _when(run.finished_at), "status": run.status, "dry_run": run.dry_run, "file": run.file,
            "server": run.server_name, "server_url": run.server_url, "libraries": run.libraries,
            "updated": run.applied, "failed": run.failed, "pending": run.pending, "undo_of": run.undo_of,
            "undone": run.undone_by is not None, "undone_by": run.undone_by}


@app.command()
@friendly_errors
def history(as_json: bool = JSON_OPT) -> None:
    """List past runs, newest first, with the run id that `undo` takes.

    Example: ratings-to-plex history --json
    """
    runs = JournalDB().runs()
    if as_json:
        print(json.dumps({"runs": [run_json(r) for r in runs]}, ensure_ascii=False))
        return
    if not runs:
        out.print("No runs yet.", markup=False)
        return
    table = Table(title="Runs (newest first)", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
                  padding=(0, 1, 0, 0))
    for col in ("Run", "Date", "Kind", "File", "Server", "Updated", "Failed", "Status", "Undone"):
        if col in ("File", "Server"):  # the long ones fold; the rest keep their width on an 80-column terminal
            table.add_column(col, overflow="fold", ratio=1)
        else:
            table.add_column(col, justify="right" if col in ("Run", "Updated", "Failed") else "left",
                             no_wrap=col != "Date", min_width=10 if col == "Date" else len(col))
    for r in runs:
        kind = f"undo {r.undo_of}" if r.kind == "undo" else r.kind
        table.add_row(str(r.id), _when(r.started_at)[:16], kind, Path(r.file).name if r.file else "",
                      r.server_name or "", str(r.applied), str(r.failed), r.status,
                      f"by {r.undone_by}" if r.undone_by else "")
    out.print(table)


@contextmanager
def _cancellable() -> Iterator[threading.Event]:
    """Ctrl-C stops new writes (those in flight finish and are journaled) instead of killing the process."""
    cancel = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: cancel.set()) \
        if threading.current_thread() is threading.main_thread() else None
    try:
        yield cancel
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _exit_code(summary: RunSummary) -> int:
    if summary.status == "cancelled":
        return 130
    if summary.status == "stopped":
        return 3
    return 1 if summary.tally.counts.get("Rate failed errors") else 0


def _connect_for(run: RunInfo, url: str | None, token: str | None, server: str | None, insecure: bool,
                 workers: int) -> PlexClient:
    """The run's own server (from the journal) unless --url or --server names another."""
    if not url and not server and not run.server_url:
        raise UsageError(f"Run {run.id} has no server recorded: pass --url and --token.")
    return connect(url or (None if server else run.server_url), token, server, insecure, workers)


@app.command()
@friendly_errors
def undo(
    run_id: int = typer.Argument(None, help="The run to undo (see `history`).", show_default=False),
    last: bool = typer.Option(False, "--last", help="Undo the newest run that wrote something and is not undone."),
    url: str = URL_OPT,
    token: str = TOKEN_OPT,
    server: str = SERVER_OPT,
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be restored and write nothing."),
    yes: bool = YES_OPT,
    as_json: bool = JSON_OPT,
    report_dir: Path = typer.Option(None, "--report-dir", envvar="RATINGS_TO_PLEX_REPORT_DIR",
                                    help="Folder for the run log."),
    workers: int = typer.Option(DEFAULT_WORKERS, "--workers", envvar="RATINGS_TO_PLEX_WORKERS", min=1, max=64,
                                help="Concurrent writes."),
    insecure: bool = INSECURE_OPT,
) -> None:
    """Put back what a run changed (ratings, unset ratings, watched marks), on the server it wrote to.

    Items changed by someone else since the run are skipped and listed. An undo is a run too: undo it to redo.

    Example: ratings-to-plex undo --last --token $PLEX_TOKEN --yes
    """
    if (run_id is None) == (not last):
        raise UsageError("Say which run to undo: a RUN_ID (see `ratings-to-plex history`) or --last, not both.")
    console = err if as_json else out
    journal = JournalDB()
    run = journal.last_undoable() if last else journal.run(run_id)
    if run is None:
        raise UsageError("Nothing to undo: no run has written anything that is not already undone.")
    if last and run.kind == "undo" and not run.finished and run.undo_of is not None:
        # An interrupted undo: --last means "finish undoing", not "revert the half-done undo".
        console.print(f"Run {run.id} (undo of run {run.undo_of}) did not finish: finishing the undo of run "
                      f"{run.undo_of}.", markup=False)
        run = journal.run(run.undo_of)
    if run.undone_by is not None:
        console.print(f"Run {run.id} was already undone by run {run.undone_by}; only what changed back since "
                      "will be restored.", markup=False)
    client = _connect_for(run, url, token, server, insecure, workers)
    plan = plan_undo(client, journal, run)
    console.print(f"Undo run {run.id} ({_when(run.started_at)}, {run.file or run.kind} → {client.name}): "
                  f"{len(plan.writes)} item(s) to restore, {plan.already} already as before, "
                  f"{len(plan.skipped)} skipped", markup=False)
    if dry_run:
        console.print(_undo_table(plan.writes))
    elif plan.writes:
        confirm_write(f"Restore {len(plan.writes)} item(s) on {client.name}?", yes)
    update, close = progress_reporter(enabled=not dry_run and bool(plan.writes))
    with _cancellable() as cancel:
        try:
            summary = run_undo_plan(client, journal, plan, report_dir=report_dir or default_report_dir(),
                                    workers=workers, dry_run=dry_run,
                                    echo=lambda line: console.print(line, markup=False), cancel=cancel,
                                    on_progress=update)
        finally:
            close()
    console.print(f"Run id: {summary.run_id}" + (" (dry run: nothing was written)" if dry_run else ""), markup=False)
    if as_json:
        payload = summary.to_json()
        payload["undo_of"] = run.id
        payload["skipped"] = [{"rating_key": s.record.rating_key, "title": s.record.title, "reason": s.reason}
                              for s in plan.skipped]
        print(json.dumps(payload, ensure_ascii=False))
    raise typer.Exit(_exit_code(summary))


def _undo_table(changes: list[Change]) -> Table:
    table = Table(title=f"Planned restores ({len(changes)})")
    for col in ("Title", "Year", "Current", "Restore to", "Watched"):
        table.add_column(col)
    for c in changes:
        watched = "" if c.watched is None else ("mark watched" if c.watched else "mark unwatched")
        table.add_row(c.item.title, str(c.item.year or ""), fmt_rating(c.old_rating),
                      fmt_rating(c.new_rating) if c.set_rating else "—", watched)
    return table


def _read_source(file: Path) -> ReadResult | None:
    """The file's format and row count for the summary; the journal, not the file, decides what is written."""
    try:
        from ..sources import read_ratings

        return read_ratings(file)
    except (ImportError, RatingsToPlexError):
        return None


def run_resume(files: list[Path], *, url: str | None, token: str | None, server: str | None, insecure: bool,
               options: SyncOptions, yes: bool, as_json: bool, reports: Path) -> int:
    """`sync FILE… --resume`: finish each file's newest unfinished run under its own run id."""
    console = err if as_json else out

    def echo(line: str) -> None:
        console.print(line, markup=False)

    journal = JournalDB()
    clients: dict[tuple[str | None, str | None], PlexClient] = {}
    summaries: list[RunSummary] = []
    exit_code = 0
    for file in files:
        if not file.is_file():
            raise UsageError(f"Cannot read {file}: no such file.")
        run = find_unfinished(journal, file)
        if run is None:
            raise UsageError(f"No unfinished run of {file.name} to resume (the journal has none for this exact "
                             "file): run the same command without --resume.")
        key = (url or (None if server else run.server_url), server)
        if key not in clients:
            clients[key] = _connect_for(run, url, token, server, insecure, options.workers)
        client = clients[key]
        plan = plan_resume(client, journal, run)
        console.print(f"Run {run.id} of {file.name} (started {_when(run.started_at)}) did not finish "
                      f"({run.status}); finishing it.", markup=False)
        if options.dry_run:
            from .sync_cmd import plan_table

            console.print(plan_table(Plan(None, [], plan.todo), client.sections()))
            summaries.append(RunSummary(run.id, True, Plan(_read_source(file), [], plan.todo), [], Tally(),
                                        "dry_run"))
            continue
        if plan.todo:
            confirm_write(f"Write the remaining {len(plan.todo)} change(s) to {client.name}?", yes)
        update, close = progress_reporter(enabled=bool(plan.todo))
        with _cancellable() as cancel:
            try:
                summary = execute_resume(client, journal, plan, report_dir=reports, workers=options.workers,
                                         source=_read_source(file), echo=echo, cancel=cancel, on_progress=update)
            finally:
                close()
        console.print(f"Run id: {summary.run_id}", markup=False)
        if summary.status in ("cancelled", "stopped"):
            console.print(f"Run {summary.run_id} did not finish: run the same command again to finish it.",
                          markup=False)
        summaries.append(summary)
        code = _exit_code(summary)
        exit_code = code if code in (3, 130) or exit_code == 0 else exit_code
    if as_json and summaries:
        payload = summaries[0].to_json() if len(summaries) == 1 else {
            **summaries[-1].to_json(), "runs": [s.to_json() for s in summaries]}
        print(json.dumps(payload, ensure_ascii=False))
    return exit_code
