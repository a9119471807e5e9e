"""`sync` and `demo`: read exports, show the plan, confirm, write, report."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import typer
from rich.table import Table

from ..app import (
    DISCOVER_LIBRARY,
    DISCOVER_SECTION,
    SOURCE_FORMATS,
    AppSession,
    Connection,
    Plan,
    PlanOptions,
    RunStatus,
    RunSummary,
    SyncOptions,
)
from ..app import TITLE_TYPES as TITLE_TYPES_ALL
from ..app.account import remember, remembered_libraries
from ..app.format import fmt_rating, plan_summary, rows_in, stars
from ..errors import RatingsToPlexError, UsageError
from .app import app, err, friendly_errors, out, state
from .common import (
    INSECURE_OPT,
    JSON_OPT,
    SERVER_OPT,
    TOKEN_OPT,
    URL_OPT,
    WORKERS_OPT,
    YES_OPT,
    combined,
    confirm_write,
    connect,
    make_session,
    print_json,
    writing,
)
from .users_cmd import USER_OPT


def parse_types(value: str) -> frozenset[str] | None:
    if value.strip().lower() == "all":
        return None
    types = frozenset(t.strip().lower().replace("-", "_") for t in value.split(",") if t.strip())
    unknown = types - set(TITLE_TYPES_ALL)
    if unknown or not types:
        raise UsageError(f"Unknown title type(s) {', '.join(sorted(unknown)) or '(none)'}: use a comma list of "
                         f"{', '.join(TITLE_TYPES_ALL)}, or all.")
    return types


def plan_table(plan: Plan, conn: Connection) -> Table:
    """Every planned write: what Plex has now, what it will have, and why."""
    library = {**conn.library_names([c.item.section_id for c in plan.writes]), DISCOVER_SECTION: DISCOVER_LIBRARY}
    table = Table(title=f"Planned changes ({len(plan.writes)})", show_lines=False)
    for col in ("Title", "Year", "Library", "Current", "New", "Stars", "Reason"):
        table.add_column(col)
    for c in plan.writes:
        if not c.set_rating:
            reason = ""
        elif c.old_rating is None:
            reason = "unrated in Plex"
        elif c.new_rating is not None and abs(c.new_rating - c.old_rating) < 0.01:
            reason = "forced rewrite"
        else:
            reason = "rating differs"
        if c.watched:
            reason = f"{reason} + mark watched".strip(" +")
        table.add_row(c.item.display_title.rsplit(" (", 1)[0] if c.item.year else c.item.display_title,
                      str(c.item.year or ""), library.get(c.item.section_id, ""), fmt_rating(c.old_rating),
                      fmt_rating(c.new_rating) if c.set_rating else "—",
                      stars(c.new_rating) if c.set_rating and c.new_rating is not None else "", reason)
    return table


def run_sync(session: AppSession, conn: Connection, files: list[Path], options: SyncOptions, *, yes: bool,
             as_json: bool, source_format: str | None = None, undo_hint: bool = True) -> int:
    """Read and check every file, then plan and apply each in turn; returns the exit code (1: some writes failed).

    `undo_hint=False` leaves out the `ratings-to-plex undo N` hint where it would not work (the demo's journal is
    its own, not the one a plain `undo` reads)."""
    console = err if as_json else out

    def echo(line: str) -> None:
        console.print(line, markup=False)

    code = 0
    summaries: list[RunSummary] = []
    for source in session.read(files, options, format=source_format):
        echo(f"Detected: {source.description}, {rows_in(source)} rows ({source.file.name})")
        for note in source.notes:
            echo(note)
        if not options.dry_run and (unfinished := _unfinished_note(session, conn, source.file)):
            echo(unfinished)
        plan = session.preview(conn, source, options, on_event=lambda e: echo(getattr(e, "text", "")))
        if options.dry_run:
            console.print(plan_table(plan, conn))
        elif plan.writes:
            echo(plan_summary(plan) + ". Add --dry-run to review every change.")
            confirm_write(f"Write {len(plan.writes)} change(s) to {conn.name}?", yes)
        with writing(not options.dry_run and bool(plan.writes), echo, console) as (cancel, on_event):
            summary = session.write(conn, plan, dry_run=options.dry_run, cancel=cancel, on_event=on_event)
        if options.dry_run:
            tail = " (dry run: nothing was written)"
        elif undo_hint and (summary.counts["Updated"] or summary.counts["Marked watched"]
                            or summary.counts["Rated on Discover"]):
            tail = f" (undo it with: ratings-to-plex undo {summary.run_id})"
        else:
            tail = ""
        echo(f"Run id: {summary.run_id}{tail}")
        if summary.status in (RunStatus.CANCELLED, RunStatus.STOPPED):
            echo(f"Run {summary.run_id} did not finish: add --resume to the same command to finish it.")
        elif failed := summary.counts.get("Rate failed errors", 0):
            echo(f"{failed} write(s) failed (see the lines above and the unmatched CSV): run the same command again "
                 "to retry them — only what is still different from your file is written.")
        summaries.append(summary)
        state["run_ids"].append(summary.run_id)
        code = combined(code, summary)
    if as_json:
        print_json(summaries)
    return code


def _unfinished_note(session: AppSession, conn: Connection, file: Path) -> str | None:
    """What `sync` says at its start when this file's last run here did not finish (only advice: never fatal)."""
    try:
        run = session.unfinished_run(file, conn.identity)
        if run is None:
            return None
        if session.running_elsewhere(run.id):
            return f"Run {run.id} for this file is still running in another process."
    except (OSError, RatingsToPlexError):
        return None
    return f"Run {run.id} for this file did not finish: add --resume to finish it."


def _options(library: list[str], all_libraries: bool, types: str, force: bool, policy: str, mark_watched: bool,
             dry_run: bool, workers: int, lookup: str, discover: bool) -> SyncOptions:
    """The command line's choices as `SyncOptions`; contradictions and unknown values refused in words."""
    if library and all_libraries:
        raise UsageError(f"--library {library[0]} and --all-libraries contradict each other: pass one of them.")
    if lookup not in ("auto", "scan", "per-row"):
        raise UsageError(f"Unknown --lookup {lookup!r}: use auto, scan or per-row.")
    return SyncOptions(libraries=tuple(library), all_libraries=all_libraries, types=parse_types(types),
                       plan=PlanOptions(force=force, policy=policy, mark_watched=mark_watched), dry_run=dry_run,
                       workers=workers, lookup=lookup, discover=discover)


@app.command()
@friendly_errors
def sync(
    files: list[Path] = typer.Argument(..., help="IMDb ratings CSV, Letterboxd CSV, or Letterboxd export .zip."),
    url: str = URL_OPT,
    token: str = TOKEN_OPT,
    server: str = SERVER_OPT,
    library: list[str] = typer.Option([], "--library", "-l", envvar="RATINGS_TO_PLEX_LIBRARY",
                                      help="Library name or key; repeat for several."),
    all_libraries: bool = typer.Option(False, "--all-libraries", envvar="RATINGS_TO_PLEX_ALL_LIBRARIES",
                                       help="Match against every movie and TV library of the server."),
    types: str = typer.Option("all", "--types", envvar="RATINGS_TO_PLEX_TYPES",
                              help="Comma list of title types to import (movie,tv_series,…) or all."),
    mark_watched: bool = typer.Option(False, "--mark-watched", envvar="RATINGS_TO_PLEX_MARK_WATCHED",
                                      help="Also mark rated items as watched (never un-watches)."),
    force: bool = typer.Option(False, "--force", envvar="RATINGS_TO_PLEX_FORCE",
                               help="Rewrite ratings even when Plex already has the same value."),
    policy: str = typer.Option("overwrite", "--policy", envvar="RATINGS_TO_PLEX_POLICY",
                               help="overwrite | only-empty (never touch an existing rating) | newer."),
    dry_run: bool = typer.Option(False, "--dry-run", envvar="RATINGS_TO_PLEX_DRY_RUN",
                                 help="Show the plan and write nothing."),
    yes: bool = YES_OPT,
    as_json: bool = JSON_OPT,
    report_dir: Path = typer.Option(None, "--report-dir", envvar="RATINGS_TO_PLEX_REPORT_DIR",
                                    help="Folder for logs and the unmatched CSV."),
    workers: int = WORKERS_OPT,
    lookup: str = typer.Option("auto", "--lookup", envvar="RATINGS_TO_PLEX_LOOKUP",
                               help="auto | scan (list the libraries) | per-row (one lookup per id)."),
    insecure: bool = INSECURE_OPT,
    resume: bool = typer.Option(False, "--resume", help="Finish this file's last unfinished run (after a crash, "
                                "Ctrl-C or a lost connection) from the journal, writing only what is missing."),
    user: str = USER_OPT,
    discover: bool = typer.Option(False, "--discover", envvar="RATINGS_TO_PLEX_DISCOVER",
                                  help="Also rate rows that are in none of the libraries on Plex Discover (your "
                                       "Plex account's online catalogue); needs `login`."),
    source_format: str = typer.Option(None, "--format", envvar="RATINGS_TO_PLEX_FORMAT",
                                      help="Read the files as this format when detection guesses wrong: "
                                           + ", ".join(name for name, _ in SOURCE_FORMATS) + "."),
) -> None:
    """Import ratings from export files into a Plex library.

    Example: ratings-to-plex sync ratings.csv --url http://127.0.0.1:32400 --token T --library Movies --dry-run
    """
    options = _options(library, all_libraries, types, force, policy, mark_watched, dry_run, workers, lookup,
                       discover)
    if source_format and source_format not in (names := [name for name, _ in SOURCE_FORMATS]):
        raise UsageError(f"Unknown --format {source_format!r}: use one of {', '.join(names)}.")
    session = make_session(report_dir, workers, insecure)
    if resume:
        from .history_cmd import run_resume

        raise typer.Exit(run_resume(session, files, url=url, token=token, server=server, options=options, yes=yes,
                                    as_json=as_json, user=user))
    conn = connect(session, url, token, server, user)
    if not library and not all_libraries and (remembered := remembered_libraries(conn.client)):
        (err if as_json else out).print(f"Library: {', '.join(remembered)} (remembered from your last run; pass "
                                        "--library to choose another).", markup=False)
        options = dataclasses.replace(options, libraries=remembered)
    code = run_sync(session, conn, files, options, yes=yes, as_json=as_json, source_format=source_format)
    if code == 0:  # remember what worked, so the next run needs fewer options
        remember(server=server if server and not url else None, libraries=list(library) or None)
    raise typer.Exit(code)
