"""`history`, `undo` and `sync --resume`: the journal's commands, thin over the application session."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich import box
from rich.table import Table

from ..app import (
    AppSession,
    Change,
    Connection,
    JournalCorrupt,
    RunInfo,
    RunKind,
    RunSummary,
    SyncOptions,
)
from ..app.format import fmt_rating
from ..errors import RatingsToPlexError, UsageError
from .app import app, err, friendly_errors, out
from .common import (
    INSECURE_OPT,
    JSON_OPT,
    REPORT_DIR_OPT,
    SERVER_OPT,
    TOKEN_OPT,
    URL_OPT,
    WORKERS_OPT,
    YES_OPT,
    combined,
    confirm_write,
    connect,
    exit_code,
    make_session,
    print_json,
    writing,
)
from .users_cmd import USER_OPT


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S") if ts else ""


def run_json(run: RunInfo) -> dict[str, Any]:
    """One run as `history --json` lists it."""
    return {"run_id": run.id, "kind": run.kind, "started_at": _when(run.started_at),
            "finished_at": _when(run.finished_at), "status": run.status, "dry_run": run.dry_run, "file": run.file,
            "server": run.server_name, "server_url": run.server_url, "libraries": run.libraries,
            "updated": run.applied, "failed": run.failed, "pending": run.pending, "undo_of": run.undo_of,
            "undone": run.undone_by is not None, "undone_by": run.undone_by,
            "user": run.user_name or None, "user_id": run.user_id, "account_id": run.account_id,
            "reports": {"unmatched_csv": run.unmatched_csv, "run_log": run.run_log}}


@app.command()
@friendly_errors
def history(
    as_json: bool = JSON_OPT,
    move_aside: bool = typer.Option(False, "--move-journal-aside", help="If the run journal is damaged, rename it "
                                    "(it is kept beside the new one) and start a new one."),
    user: str = USER_OPT,
    all_runs: bool = typer.Option(False, "--all", help="Also list dry runs (they wrote nothing)."),
) -> None:
    """List past runs, newest first, with the run id that `undo` takes.

    Example: ratings-to-plex history --json
    """
    session = make_session(None)
    try:
        runs = session.history(include_dry_runs=all_runs or as_json)
    except JournalCorrupt as exc:
        if not (move_aside or (sys.stdin.isatty() and not as_json
                               and typer.confirm(f"{exc}\nMove it aside now?", default=False, err=True))):
            raise
        aside = session.move_journal_aside()
        err.print(f"Moved the damaged journal to {aside}; a new one starts now.", markup=False)
        runs = []
    else:
        if move_aside:
            err.print("The run journal is fine: nothing was moved.", markup=False)
    if user:  # one Plex Home user's runs (by the name or id recorded with each run)
        runs = [r for r in runs if user.casefold() in ((r.user_name or "").casefold(), (r.user_id or "").casefold())]
    if as_json:
        print(json.dumps({"runs": [run_json(r) for r in runs]}, ensure_ascii=False))
    elif not runs:
        hidden = 0 if all_runs else len(session.history(include_dry_runs=True))
        out.print(f"No runs that wrote anything yet ({hidden} dry run(s): add --all to list them)." if hidden
                  else "No runs yet.", markup=False)
    else:
        out.print(_runs_table(runs))
        if not all_runs and (hidden := len(session.history(include_dry_runs=True)) - len(session.history())):
            out.print(f"({hidden} dry run(s) not shown: add --all to list them.)", markup=False)


def _runs_table(runs: list[RunInfo]) -> Table:
    """One line per run, readable at 80 columns: file and server names are shortened with "…" rather than folded
    over several lines (`history --json` has them whole)."""
    table = Table(title="Runs (newest first)", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
                  padding=(0, 0, 0, 0))
    for col in ("Run", "Started", "Kind", "File", "Server", "Wrote", "Failed", "Status"):
        long = col in ("File", "Server")
        table.add_column(col, justify="right" if col in ("Run", "Wrote", "Failed") else "left", no_wrap=True,
                         overflow="ellipsis", min_width=None if long else len(col),
                         max_width={"File": 16, "Server": 12}.get(col))
    for r in runs:
        kind = f"undo {r.undo_of}" if r.kind == "undo" else r.kind
        server = (r.server_name or "") + (f" as {r.user_name}" if r.user_name else "")
        status = f"undone by {r.undone_by}" if r.undone_by else str(r.status).replace("_", " ")
        started = datetime.fromtimestamp(r.started_at).strftime("%m-%d %H:%M") if r.started_at else ""
        table.add_row(str(r.id), started, kind, Path(r.file).name if r.file else "", server, str(r.applied),
                      str(r.failed), status)
    return table


def _connect_for(session: AppSession, run: RunInfo, url: str | None, token: str | None,
                 server: str | None, user: str | None = None) -> Connection:
    """The run's own server (from the journal) unless --url or --server names another; as `user` when given."""
    if not url and not server and not run.server_url:
        raise UsageError(f"Run {run.id} has no server recorded: pass --url and --token.")
    return connect(session, url or (None if server else run.server_url), token, server, user)


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
    report_dir: Path = REPORT_DIR_OPT,
    workers: int = WORKERS_OPT,
    insecure: bool = INSECURE_OPT,
    user: str = USER_OPT,
) -> None:
    """Put back what a run changed (ratings, unset ratings, watched marks), on the server it wrote to.

    Items changed by someone else since the run are skipped and listed. An undo is a run too: undo it to redo.

    Example: PLEX_TOKEN=… ratings-to-plex undo --last --yes
    """
    if run_id is not None and last:
        raise UsageError("Pass a RUN_ID or --last, not both.")
    if run_id is None and not last:
        raise UsageError("Say which run to undo: `ratings-to-plex undo RUN_ID` (the ids are in `ratings-to-plex "
                         "history`), or `ratings-to-plex undo --last` for the newest run that wrote something.")
    console = err if as_json else out

    def echo(line: str) -> None:
        console.print(line, markup=False)

    session = make_session(report_dir, workers, insecure)
    # --last as a Home user means that user's last run: connect first so the choice knows whose runs to look at
    conn = connect(session, url, token, server, user) if url or server or (user and last) else None
    run, note = session.undo_target(None if last else run_id, conn.identity if conn and last else None)
    if note:
        echo(note)
    conn = conn or _connect_for(session, run, url, token, server, user)
    plan = session.plan_undo(conn, run.id)
    echo(f"Undo run {run.id} ({_when(run.started_at)}, {run.file or run.kind} → {conn.name}): "
         f"{len(plan.writes)} item(s) to restore, {plan.already} already as before, {len(plan.skipped)} skipped")
    if dry_run:
        console.print(_undo_table(plan.writes))
    elif plan.writes:
        confirm_write(f"Restore {len(plan.writes)} item(s) on {conn.name}?", yes)
    with writing(not dry_run and bool(plan.writes), echo, console) as (cancel, on_event):
        summary = session.write(conn, plan, dry_run=dry_run, cancel=cancel, on_event=on_event)
    echo(f"Run id: {summary.run_id}" + (" (dry run: nothing was written)" if dry_run else ""))
    if as_json:
        print_json([summary], {"undo_of": run.id, "skipped": [
            {"rating_key": s.rating_key, "title": s.title, "reason": s.reason} for s in plan.skipped]})
    raise typer.Exit(exit_code(summary))


def _undo_table(changes: list[Change]) -> Table:
    table = Table(title=f"Planned restores ({len(changes)})")
    for col in ("Title", "Year", "Current", "Restore to", "Watched"):
        table.add_column(col)
    for c in changes:
        watched = "" if c.watched is None else ("mark watched" if c.watched else "mark unwatched")
        table.add_row(c.item.title, str(c.item.year or ""), fmt_rating(c.old_rating),
                      fmt_rating(c.new_rating) if c.set_rating else "—", watched)
    return table


def _read_source(session: AppSession, file: Path) -> Any:
    """The file's format and row count for the summary; the journal, not the file, decides what is written."""
    try:
        return session.read([file])[0]
    except RatingsToPlexError:
        return None


def run_resume(session: AppSession, files: list[Path], *, url: str | None, token: str | None, server: str | None,
               options: SyncOptions, yes: bool, as_json: bool, user: str | None = None,
               kind: RunKind = RunKind.SYNC) -> int:
    """`sync FILE… --resume` (`restore BACKUP --resume` with `kind` RESTORE): finish each file's newest unfinished
    run under its own run id."""
    console = err if as_json else out

    def echo(line: str) -> None:
        console.print(line, markup=False)

    chosen = connect(session, url, token, server, user) if url or server else None
    connections: dict[str | None, Connection] = {}
    summaries: list[RunSummary] = []
    code = 0
    for file in files:
        if not file.is_file():
            raise UsageError(f"Cannot read {file}: no such file.")
        run = session.unfinished_run(file, chosen.identity if chosen else None, kind)
        if run is None:
            raise UsageError(f"No unfinished run of {file.name} to resume (the journal has none for this exact "
                             "file): run the same command without --resume.")
        conn = chosen or connections.get(run.server_url) or _connect_for(session, run, None, token, None, user)
        connections[run.server_url] = conn
        plan = session.plan_resume(conn, run.id)
        plan.source = _read_source(session, file) if kind is RunKind.SYNC else None  # a restore has no source
        echo(f"Run {run.id} of {file.name} (started {_when(run.started_at)}) did not finish ({run.status}); "
             "finishing it.")
        if options.dry_run:
            from .sync_cmd import plan_table

            console.print(plan_table(plan, conn))
        elif plan.changes:
            confirm_write(f"Write the remaining {len(plan.changes)} change(s) to {conn.name}?", yes)
        with writing(not options.dry_run and bool(plan.changes), echo, console) as (cancel, on_event):
            summary = session.write(conn, plan, dry_run=options.dry_run, cancel=cancel, on_event=on_event)
        echo(f"Run id: {summary.run_id}")
        if summary.status in ("cancelled", "stopped"):
            echo(f"Run {summary.run_id} did not finish: run the same command again to finish it.")
        summaries.append(summary)
        code = combined(code, summary)
    if as_json and summaries:
        print_json(summaries)
    return code
