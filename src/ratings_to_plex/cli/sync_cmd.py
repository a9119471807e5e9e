"""`sync` and `demo`: read exports, show the plan, confirm, write, report."""

from __future__ import annotations

import dataclasses
import json
import signal
import threading
from pathlib import Path

import typer
from rich.table import Table

from ..apply import DEFAULT_WORKERS
from ..config import remember
from ..errors import UsageError
from ..paths import report_dir as default_report_dir
from ..plan import Plan, PlanOptions
from ..plex.client import PlexClient, Section
from ..plex.session import remembered_libraries
from ..report import fmt_rating, plan_summary, stars
from ..resume import unfinished_note
from ..sources import read_ratings
from ..sources.model import TITLE_TYPES as TITLE_TYPES_ALL
from ..sync import SyncOptions, execute_plan, prepare_plan
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


def parse_types(value: str) -> frozenset[str] | None:
    if value.strip().lower() == "all":
        return None
    types = frozenset(t.strip().lower().replace("-", "_") for t in value.split(",") if t.strip())
    unknown = types - set(TITLE_TYPES_ALL)
    if unknown or not types:
        raise UsageError(f"Unknown title type(s) {', '.join(sorted(unknown)) or '(none)'}: use a comma list of "
                         f"{', '.join(TITLE_TYPES_ALL)}, or all.")
    return types


def plan_table(plan: Plan, sections: list[Section]) -> Table:
    """Every planned write: what Plex has now, what it will have, and why."""
    library = {s.key: s.title for s in sections}
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


def run_sync(client: PlexClient, files: list[Path], options: SyncOptions, *, yes: bool, as_json: bool,
             reports: Path) -> int:
    """Plan and apply each file in turn; returns the exit code (1 when some writes failed)."""
    console = err if as_json else out
    exit_code = 0
    summaries = []
    for file in files:
        source = read_ratings(file)
        console.print(f"Detected: {source.description}, {len(source.rows) + len(source.problems)} rows "
                      f"({file.name})", markup=False)
        for note in source.notes:
            console.print(note, markup=False)
        if not options.dry_run and (resume_note := unfinished_note(file)):
            console.print(resume_note, markup=False)
        plan, sections = prepare_plan(client, source, options, log=lambda m: console.print(m, markup=False))
        if options.dry_run:
            console.print(plan_table(plan, sections))
        elif plan.writes:
            console.print(plan_summary(plan) + ". Add --dry-run to review every change.", markup=False)
            confirm_write(f"Write {len(plan.writes)} change(s) to {client.name}?", yes)
        cancel = threading.Event()
        previous = signal.signal(signal.SIGINT, lambda *_, ev=cancel: ev.set()) \
            if threading.current_thread() is threading.main_thread() else None
        update, close = progress_reporter(enabled=not options.dry_run and bool(plan.writes))
        try:
            summary = execute_plan(client, plan, sections, options, report_dir=reports,
                                   echo=lambda line: console.print(line, markup=False), cancel=cancel,
                                   on_progress=update)
        finally:
            close()
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        if options.dry_run:
            tail = " (dry run: nothing was written)"
        elif summary.tally.counts["Updated"] or summary.tally.counts["Marked watched"]:
            tail = f" (undo it with: ratings-to-plex undo {summary.run_id})"
        else:
            tail = ""
        console.print(f"Run id: {summary.run_id}{tail}", markup=False)
        if summary.status in ("cancelled", "stopped"):
            console.print(f"Run {summary.run_id} did not finish: add --resume to the same command to finish it.",
                          markup=False)
        summaries.append(summary)
        if summary.status == "cancelled":
            exit_code = 130
        elif summary.status == "stopped":
            exit_code = 3
        elif summary.tally.counts["Rate failed errors"] and exit_code == 0:
            exit_code = 1
    if as_json:
        payload = summaries[0].to_json() if len(summaries) == 1 else {
            **summaries[-1].to_json(), "runs": [s.to_json() for s in summaries]}
        print(json.dumps(payload, ensure_ascii=False))
    return exit_code


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
    workers: int = typer.Option(DEFAULT_WORKERS, "--workers", envvar="RATINGS_TO_PLEX_WORKERS", min=1, max=64,
                                help="Concurrent writes."),
    lookup: str = typer.Option("auto", "--lookup", envvar="RATINGS_TO_PLEX_LOOKUP",
                               help="auto | scan (list the libraries) | per-row (one lookup per id)."),
    insecure: bool = INSECURE_OPT,
    resume: bool = typer.Option(False, "--resume", help="Finish this file's last unfinished run (after a crash, "
                                "Ctrl-C or a lost connection) from the journal, writing only what is missing."),
) -> None:
    """Import ratings from export files into a Plex library.

    Example: ratings-to-plex sync ratings.csv --url http://127.0.0.1:32400 --token T --library Movies --dry-run
    """
    options = SyncOptions(libraries=tuple(library), all_libraries=all_libraries, types=parse_types(types),
                          plan=PlanOptions(force=force, policy=policy, mark_watched=mark_watched), dry_run=dry_run,
                          workers=workers, lookup=lookup)
    if lookup not in ("auto", "scan", "per-row"):
        raise UsageError(f"Unknown --lookup {lookup!r}: use auto, scan or per-row.")
    if resume:
        from .history_cmd import run_resume

        raise typer.Exit(run_resume(files, url=url, token=token, server=server, insecure=insecure, options=options,
                                    yes=yes, as_json=as_json, reports=report_dir or default_report_dir()))
    client = connect(url, token, server, insecure, workers)
    if not library and not all_libraries and (remembered := remembered_libraries(client)):
        (err if as_json else out).print(f"Library: {', '.join(remembered)} (remembered from your last run; pass "
                                        "--library to choose another).", markup=False)
        options = dataclasses.replace(options, libraries=remembered)
    code = run_sync(client, files, options, yes=yes, as_json=as_json, reports=report_dir or default_report_dir())
    if code == 0:  # remember what worked, so the next run needs fewer options
        remember(server=server if server and not url else None, libraries=list(library) or None)
    raise typer.Exit(code)
