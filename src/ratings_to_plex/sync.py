"""The sync planner: choose the sections, index them the cheaper way, match the rows and plan every write.

`prepare_plan` reads nothing but Plex and decides everything; the one executor (`executor.run_plan`) journals, writes
and reports. Interfaces reach both through the application session (`app.AppSession`), never directly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .apply import DEFAULT_WORKERS, Progress
from .errors import UsageError
from .executor import run_plan
from .journal import JournalDB
from .match import match_rows
from .model import RunSummary
from .plan import Plan, PlanOptions, build_plan
from .plex.client import PlexClient, Section
from .plex.index import PAGE_SIZE, LibraryIndex, index_library
from .sources.model import RatingRow, ReadResult

__all__ = ["RunSummary", "SyncOptions", "build_index", "check_source", "choose_sections", "execute_plan",
           "prepare_plan"]


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
    discover: bool = False  # rows in no chosen library are rated on Plex Discover (discover_plan.py)


def choose_sections(client: PlexClient, options: SyncOptions) -> list[Section]:
    """The sections to match against: the named ones (by title or key), or every movie/show section."""
    usable = [s for s in client.sections() if s.listable_types]
    if options.all_libraries or not options.libraries:
        if not options.all_libraries:
            raise UsageError(f"Choose a library with --library (one of: {_names(usable)}) or use --all-libraries.",
                             reason="choose_library", names=_names(usable))
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
    """Index the sections with as few requests as real PMS allows (`plex.index.index_library` decides how)."""
    return index_library(client, sections, list(rows), lookup=options.lookup, page_size=options.page_size,
                         workers=min(options.workers, 6), per_row_limit=options.per_row_limit, log=log)


def check_source(source: ReadResult, options: SyncOptions) -> None:
    """Refuse a file these options cannot use, before anything (of this or another file) is written."""
    if not source.carries_ratings and not options.plan.mark_watched:
        raise UsageError(f"{source.file.name} lists watched films without ratings: add --mark-watched to mark "
                         "them watched, or use ratings.csv / diary.csv to import ratings.",
                         reason="watched_only", file=source.file.name)


def prepare_plan(client: PlexClient, source: ReadResult, options: SyncOptions,
                 log: Callable[[str], None] = lambda _: None) -> tuple[Plan, list[Section]]:
    """Match the source's rows against the chosen sections and plan every write; nothing is written."""
    check_source(source, options)
    sections = choose_sections(client, options)
    index = build_index(client, sections, source.rows, options, log)
    matches = match_rows(source.rows, index, options.types)
    plan = build_plan(source, matches, options.plan)
    plan.libraries, plan.types = [s.title for s in sections], options.types
    return plan, sections


def execute_plan(client: PlexClient, plan: Plan, sections: list[Section], options: SyncOptions, *,
                 report_dir: Path, echo: Callable[[str], None] | None = None, journal: JournalDB | None = None,
                 cancel: threading.Event | None = None,
                 on_progress: Callable[[Progress], None] | None = None) -> RunSummary:
    """Run a sync plan through the one executor, without the session's rules (for benchmarks and engine tests)."""
    plan.libraries = plan.libraries or [s.title for s in sections]
    return run_plan(client, plan, journal=journal or JournalDB(), report_dir=report_dir, workers=options.workers,
                    dry_run=options.dry_run, echo=echo, cancel=cancel, on_progress=on_progress)
