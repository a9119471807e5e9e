"""The orchestrator the CLI, the GUI and the demo share: sources → match → plan → apply → report.

`prepare_plan` reads nothing but Plex and decides everything; `execute_plan` journals, writes (unless dry run) and
reports. Interfaces call these two and only show what they return.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from .apply import CANCELLED, DEFAULT_WORKERS, Outcome, Progress, RunStopped, apply_plan
from .errors import UsageError
from .journal import JournalDB, file_hash
from .match import match_rows
from .plan import Plan, PlanOptions, build_plan
from .plex.client import PlexClient, Section
from .plex.index import PAGE_SIZE, LibraryIndex, lookup_guids, scan_cost, scan_sections, section_totals
from .report import (
    Tally,
    breakdown_lines,
    counts_key,
    skip_line,
    stamp,
    tally,
    update_line,
    watched_line,
    write_unmatched_csv,
)
from .runlog import RunLog
from .sources.model import RatingRow, ReadResult

LOOKUPS: Final = ("auto", "scan", "per-row")


@dataclass(frozen=True)
class SyncOptions:
    """Everything a user can choose about a run besides the file and the server."""

    libraries: tuple[str, ...] = ()  # names or keys
    all_libraries: bool = False
    types: frozenset[str] | None = None  # None: every title type
    plan: PlanOptions = field(default_factory=PlanOptions)
    dry_run: bool = False
    workers: int = DEFAULT_WORKERS
    page_size: int = PAGE_SIZE
    lookup: str = "auto"
    per_row_limit: int = 300  # above this many ids, per-row lookups are never worth it


def choose_sections(client: PlexClient, options: SyncOptions) -> list[Section]:
    """The sections to match against: the named ones (by title or key), or every movie/show section."""
    usable = [s for s in client.sections() if s.listable_types]
    if options.all_libraries or not options.libraries:
        if not options.all_libraries:
            raise UsageError(f"Choose a library with --library (one of: {_names(usable)}) or use --all-libraries.")
        return usable
    chosen: list[Section] = []
    for wanted in options.libraries:
        found = [s for s in usable if s.title.casefold() == wanted.casefold() or str(s.key) == wanted]
        if not found:
            raise UsageError(f"No movie or TV library named {wanted!r} on {client.name}: "
                             f"choose one of {_names(usable)}.")
        chosen.extend(s for s in found if s not in chosen)
    return chosen


def _names(sections: list[Section]) -> str:
    return ", ".join(f"{s.title!r}" for s in sections) or "(none)"


def build_index(client: PlexClient, sections: list[Section], rows: list[RatingRow], options: SyncOptions,
                log: Callable[[str], None] = lambda _: None) -> LibraryIndex:
    """Index the sections by the cheaper strategy: per-id lookups for a few id-bearing rows, else a paged scan."""
    kinds = {"movie", "show"}
    if any(r.title_type in ("tv_episode", "tv_special", "other") for r in rows):
        kinds.add("episode")
    ids = {f"imdb://{r.imdb_id}" for r in rows if r.imdb_id}
    per_row_possible = (all(r.imdb_id for r in rows) and all(s.new_agent for s in sections)
                        and len(ids) <= options.per_row_limit)
    if options.lookup == "per-row" or (options.lookup == "auto" and per_row_possible):
        totals = section_totals(client, sections, kinds) if options.lookup == "auto" else {}
        if options.lookup == "per-row" or len(ids) < scan_cost(totals, options.page_size):
            log(f"Looking up {len(ids)} ids one by one (cheaper than listing the library)")
            index = lookup_guids(client, ids, sections, workers=options.workers)
            missing = sum(1 for guid in ids if not index.find_guid(guid))
            if not missing:
                return index
            # A legacy-agent item keeps its IMDb id only in `com.plexapp.agents.imdb://…?lang=…`, which a guid
            # lookup cannot find: before calling any row "not found", list the library to be sure.
            log(f"{missing} id(s) not found by lookup; listing the library to be sure")
            totals = totals or section_totals(client, sections, kinds)
    else:
        totals = section_totals(client, sections, kinds)
    log(f"Reading {sum(totals.values())} items from {', '.join(s.title for s in sections)}")
    return scan_sections(client, totals, sections, page_size=options.page_size, workers=min(options.workers, 6))


def prepare_plan(client: PlexClient, source: ReadResult, options: SyncOptions,
                 log: Callable[[str], None] = lambda _: None) -> tuple[Plan, list[Section]]:
    """Match the source's rows against the chosen sections and plan every write; nothing is written."""
    if source.format == "letterboxd_watched" and not options.plan.mark_watched:
        raise UsageError(f"{source.file.name} lists watched films without ratings: add --mark-watched to mark "
                         "them watched, or use ratings.csv / diary.csv to import ratings.")
    sections = choose_sections(client, options)
    index = build_index(client, sections, source.rows, options, log)
    matches = match_rows(source.rows, index, options.types)
    return build_plan(source, matches, options.plan), sections


@dataclass
class RunSummary:
    run_id: int
    dry_run: bool
    plan: Plan
    outcomes: list[Outcome]
    tally: Tally
    status: str
    unmatched_csv: Path | None = None
    run_log: Path | None = None

    def to_json(self) -> dict[str, Any]:
        """The `--json` object of INTERFACES.md."""
        src = self.plan.source
        by_key = {o.change.item.rating_key: o for o in self.outcomes}
        changes = []
        for c in self.plan.changes:
            o = by_key.get(c.item.rating_key)
            status = c.skip or ("planned" if self.dry_run else (o.status if o else CANCELLED))
            changes.append({"rating_key": c.item.rating_key, "title": c.item.title, "year": c.item.year,
                            "old": c.old_rating, "new": c.new_rating, "watched": c.watched, "status": status})
        return {
            "run_id": self.run_id, "dry_run": self.dry_run, "status": self.status,
            "source": {"format": src.format if src else None, "file": str(src.file) if src else None,
                       "rows": len(src.rows) + len(src.problems) if src else 0},
            "counts": {counts_key(k): v for k, v in self.tally.counts.items()},
            "changes": changes,
            "reports": {"unmatched_csv": str(self.unmatched_csv) if self.unmatched_csv else None,
                        "run_log": str(self.run_log) if self.run_log else None},
        }


def execute_plan(client: PlexClient, plan: Plan, sections: list[Section], options: SyncOptions, *,
                 report_dir: Path, echo: Callable[[str], None] | None = None, journal: JournalDB | None = None,
                 cancel: threading.Event | None = None,
                 on_progress: Callable[[Progress], None] | None = None) -> RunSummary:
    """Journal the plan, apply it (unless dry run), log every decision and write the reports."""
    when = stamp()
    log = RunLog(report_dir, when, echo)
    source = plan.source
    journal = journal or JournalDB()
    recorder = journal.start_run(
        [] if options.dry_run else plan.changes, client=client, kind="sync", dry_run=int(options.dry_run),
        file=str(source.file) if source else None, file_hash=file_hash(source.file) if source else None,
        source_format=source.format if source else None, server_name=client.name, server_url=client.url,
        machine_id=client.machine_identifier, libraries=[s.title for s in sections],
        options={"policy": options.plan.policy, "force": options.plan.force,
                 "mark_watched": options.plan.mark_watched,
                 "types": sorted(options.types) if options.types else "all"},
        counts={counts_key(k): v for k, v in tally(plan, [], True).counts.items()})  # as planned, for --resume
    log.line(f"Run {recorder.run_id}: {source.description if source else 'plan'} → {client.name} "
             f"({', '.join(s.title for s in sections)})"
             + (" — dry run, nothing will be written" if options.dry_run else ""))
    for change in plan.changes:
        if change.skip:
            log.line(skip_line(change))
    outcomes: list[Outcome] = []
    status = "dry_run" if options.dry_run else "done"
    if options.dry_run:
        for change in plan.writes:
            log.line(update_line(change, dry_run=True) if change.set_rating else watched_line(change, True))
    else:
        try:
            outcomes = apply_plan(client, plan.writes, workers=options.workers, journal=recorder,
                                  on_outcome=log.outcome, on_progress=on_progress, cancel=cancel)
            if cancel is not None and cancel.is_set():
                status = "cancelled"
        except RunStopped as stop:
            outcomes, status = stop.outcomes, "stopped"
            log.warning(str(stop))
    result = tally(plan, outcomes, options.dry_run)
    csv_path = None
    if source:
        try:
            csv_path = write_unmatched_csv(report_dir, source.source, source.file.stem, source.columns,
                                           result.unmatched, when)
        except OSError as exc:  # a report we cannot write must not leave the journaled run unfinished
            log.warning(f"Could not write the unmatched rows to {report_dir}: {exc.strerror or exc}")
    for line in breakdown_lines(result.counts):
        log.line(line)
    if csv_path:
        log.line(f"Unmatched rows written to {csv_path}")
    recorder.finish(status, {counts_key(k): v for k, v in result.counts.items()})
    log.close()
    return RunSummary(recorder.run_id, options.dry_run, plan, outcomes, result, status, csv_path, log.path)
