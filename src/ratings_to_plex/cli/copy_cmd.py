"""`copy --from-user A --to-user B`: one Plex Home user's ratings given to another on the same libraries.

Read A's rated items with A's own token (the export's scan), then plan for B what a restore of that would set —
only the ratings A has: B's other ratings are left alone, never cleared. The plan runs through the session's one
executor as B, with B's own token: previewed with --dry-run, journaled, undoable with `undo --user B`.
"""

from __future__ import annotations

from pathlib import Path

import typer

from ..app import DEFAULT_WORKERS, RunStatus, SyncOptions
from ..errors import UsageError
from .app import app, err, friendly_errors, out
from .common import (
    DRY_RUN_OPT,
    INSECURE_OPT,
    JSON_OPT,
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
    print_json,
    writing,
)


@app.command("copy")
@friendly_errors
def copy_ratings(
    from_user: str = typer.Option(..., "--from-user", help="The Plex Home user whose ratings are copied."),
    to_user: str = typer.Option(..., "--to-user", help="The Plex Home user who gets them."),
    url: str = URL_OPT,
    token: str = TOKEN_OPT,
    server: str = SERVER_OPT,
    library: list[str] = LIBRARY_OPT,
    all_libraries: bool = typer.Option(False, "--all-libraries", help="Copy in every movie and TV library."),
    dry_run: bool = DRY_RUN_OPT,
    yes: bool = YES_OPT,
    as_json: bool = JSON_OPT,
    report_dir: Path = REPORT_DIR_OPT,
    insecure: bool = INSECURE_OPT,
) -> None:
    """Give one Plex Home user's ratings to another (the receiver's other ratings stay); undoable.

    Example: ratings-to-plex copy --from-user Kid --to-user Teen --library Movies --dry-run
    """
    if from_user.strip().casefold() == to_user.strip().casefold():
        raise UsageError("--from-user and --to-user name the same user: nothing to copy.")
    console = err if as_json else out

    def echo(line: str) -> None:
        console.print(line, markup=False)

    session = make_session(report_dir, DEFAULT_WORKERS, insecure)
    source = connect(session, url, token, server, from_user)
    backup = session.ratings_backup(source, SyncOptions(libraries=tuple(library), all_libraries=all_libraries))
    target = connect(session, url, token, server, to_user)
    plan = session.plan_restore(target, backup)
    plan.changes = [c for c in plan.changes if c.new_rating is not None]  # a copy adds and changes, never clears
    echo(f"{from_user} has {len(backup.items)} rating(s) in {', '.join(plan.libraries)}; {len(plan.writes)} differ for "
         f"{to_user} on {target.name}.")
    if plan.writes and not dry_run:
        confirm_write(f"Write {len(plan.writes)} rating(s) for {to_user}?", yes)
    with writing(not dry_run and bool(plan.writes), echo) as (cancel, on_event):
        summary = session.write(target, plan, dry_run=dry_run, cancel=cancel, on_event=on_event)
    tail = " (dry run: nothing was written)" if dry_run else (
        f" (undo it with: ratings-to-plex undo {summary.run_id} --user {to_user})" if plan.writes else "")
    echo(f"Run id: {summary.run_id}{tail}")
    if summary.status in (RunStatus.CANCELLED, RunStatus.STOPPED):
        echo(f"Run {summary.run_id} did not finish: run the same copy again (it writes only what still differs).")
    if as_json:
        print_json([summary], {"from_user": from_user, "to_user": to_user})
    raise typer.Exit(exit_code(summary))
