"""`export` and `restore`: ratings out of Plex (JSON backup, Letterboxd import CSV, IMDb-style CSV, plain CSV), and
a backup written back — previewed, journaled and undoable like any sync, through the session's one executor."""

from __future__ import annotations

from pathlib import Path

import typer

from ..app import DEFAULT_WORKERS, RunKind, RunStatus, SyncOptions
from ..app.backup import FORMATS
from .app import app, err, friendly_errors, out
from .common import (
    DRY_RUN_OPT,
    INSECURE_OPT,
    LIBRARY_OPT,
    REPORT_DIR_OPT,
    SERVER_OPT,
    TOKEN_OPT,
    URL_OPT,
    YES_OPT,
    confirm_write,
    connect,
    exit_code,
    make_session,
    writing,
)
from .users_cmd import USER_OPT

_SUFFIX = {"json": ".json", "letterboxd": ".csv", "imdb": ".csv", "csv": ".csv"}


@app.command("export")
@friendly_errors
def export_command(
    url: str = URL_OPT,
    token: str = TOKEN_OPT,
    server: str = SERVER_OPT,
    library: list[str] = LIBRARY_OPT,
    all_libraries: bool = typer.Option(False, "--all-libraries", help="Export every movie and TV library."),
    fmt: str = typer.Option("json", "--format", "-f", help="json (a full backup for `restore`) | letterboxd "
                            "(Letterboxd's import CSV, Rating10) | imdb | csv."),
    output: Path = typer.Option(None, "--output", "-o", help="The file to write (default: ratings-export.<ext>)."),
    watched: bool = typer.Option(False, "--watched", help="Also export watched items that have no rating."),
    insecure: bool = INSECURE_OPT,
    user: str = USER_OPT,
) -> None:
    """Export the ratings of Plex libraries to a file.

    Example: ratings-to-plex export --library Movies --format letterboxd -o letterboxd.csv
    """
    if fmt not in FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
    session = make_session(None, DEFAULT_WORKERS, insecure)
    conn = connect(session, url, token, server, user)
    options = SyncOptions(libraries=tuple(library), all_libraries=all_libraries)
    sections = session.libraries_for(conn, options)
    target = output or Path(f"ratings-export{_SUFFIX[fmt]}")
    result = session.export_ratings(conn, options, fmt, target, watched=watched)
    for note in result.notes:
        out.print(note, markup=False)
    files = ", ".join(str(p) for p in result.paths)
    out.print(f"Exported {result.items} item(s) from {', '.join(s.title for s in sections)} on {conn.name} "
              f"to {files}", markup=False)


@app.command()
@friendly_errors
def restore(
    backup_file: Path = typer.Argument(..., help="A backup written by `ratings-to-plex export --format json`."),
    url: str = URL_OPT,
    token: str = TOKEN_OPT,
    server: str = SERVER_OPT,
    library: list[str] = typer.Option([], "--library", "-l", help="Restore into these libraries instead of the "
                                      "backup's own (name or key; repeat for several)."),
    dry_run: bool = DRY_RUN_OPT,
    yes: bool = YES_OPT,
    report_dir: Path = REPORT_DIR_OPT,
    insecure: bool = INSECURE_OPT,
    user: str = USER_OPT,
    resume: bool = typer.Option(False, "--resume", help="Finish this backup's last interrupted restore (after a "
                                "crash, Ctrl-C or a lost connection) under its own run id."),
) -> None:
    """Make the libraries' ratings exactly what a backup says (ratings added since are cleared); undoable.

    Example: ratings-to-plex restore ratings-export.json --dry-run
    """
    session = make_session(report_dir, DEFAULT_WORKERS, insecure)
    if resume:
        from .history_cmd import run_resume

        raise typer.Exit(run_resume(session, [backup_file], url=url, token=token, server=server, yes=yes,
                                    options=SyncOptions(dry_run=dry_run), as_json=False, user=user,
                                    kind=RunKind.RESTORE))
    backup = session.read_backup(backup_file)
    conn = connect(session, url, token, server, user)
    plan = session.plan_restore(conn, backup, tuple(library))
    sets = sum(1 for c in plan.writes if c.new_rating is not None)
    out.print(f"Backup of {backup.server_name} from {backup.exported_at}: {len(backup.items)} item(s); "
              f"{sets} rating(s) to set and {len(plan.writes) - sets} to clear on {conn.name} "
              f"({', '.join(plan.libraries)}); {len(plan.skipped)} backed-up item(s) not found here.", markup=False)
    if plan.writes and not dry_run:
        confirm_write(f"Write {len(plan.writes)} change(s) to {conn.name}?", yes)

    def echo(line: str) -> None:
        out.print(line, markup=False)

    with writing(not dry_run and bool(plan.writes), echo) as (cancel, on_event):
        summary = session.write(conn, plan, dry_run=dry_run, cancel=cancel, on_event=on_event)
    tail = " (dry run: nothing was written)" if dry_run else (
        f" (undo it with: ratings-to-plex undo {summary.run_id})" if plan.writes else "")
    echo(f"Run id: {summary.run_id}{tail}")
    if summary.status in (RunStatus.CANCELLED, RunStatus.STOPPED):
        err.print(f"Run {summary.run_id} did not finish: add --resume to the same command to finish it.",
                  markup=False)
    raise typer.Exit(exit_code(summary))
