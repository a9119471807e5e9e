"""Turn matches into a `Plan`: for every matched item, what to write (or why not). Nothing is written here.

The plan is a value: it can be printed (dry run), journaled, applied later unchanged, or reversed (undo).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Final

from .errors import UsageError
from .match import MATCHED, Match
from .plex.items import LibraryItem
from .sources.model import Problem, RatingRow, ReadResult

POLICIES: Final = ("overwrite", "only-empty", "newer")
UNCHANGED: Final = "unchanged"
KEPT_EXISTING: Final = "kept_existing"  # policy only-empty: Plex already has a rating
NOT_NEWER: Final = "not_newer"  # policy newer: Plex's rating is at least as recent as the export's
_EPSILON: Final = 0.01


@dataclass(frozen=True)
class PlanOptions:
    force: bool = False
    policy: str = "overwrite"
    mark_watched: bool = False

    def __post_init__(self) -> None:
        if self.policy not in POLICIES:
            raise UsageError(f"Unknown conflict policy {self.policy!r}: use one of {', '.join(POLICIES)}.")


@dataclass(frozen=True, slots=True)
class Change:
    """One item's planned write. `set_rating` False leaves the rating alone; `new_rating` None with `set_rating`
    clears it (undo of a rating that was unset). `watched` True marks, False unmarks, None leaves as is."""

    item: LibraryItem
    row: RatingRow | None
    old_rating: float | None
    new_rating: float | None
    set_rating: bool
    old_watched: bool
    watched: bool | None = None
    skip: str | None = None  # why the rating is left alone: UNCHANGED | KEPT_EXISTING | NOT_NEWER

    @property
    def writes(self) -> bool:
        return self.set_rating or self.watched is not None


@dataclass
class Plan:
    """Everything one source file will do to one server, decided before anything is written."""

    source: ReadResult | None
    matches: list[Match]
    changes: list[Change]
    options: PlanOptions = field(default_factory=PlanOptions)

    @property
    def writes(self) -> list[Change]:
        return [c for c in self.changes if c.writes]

    @property
    def problems(self) -> list[Problem]:
        return self.source.problems if self.source else []


def build_plan(source: ReadResult | None, matches: Iterable[Match], options: PlanOptions) -> Plan:
    """Decide, per matched item, the new rating and whether to mark it watched."""
    matches = list(matches)
    changes: list[Change] = []
    planned: set[int] = set()
    for match in matches:
        if match.status != MATCHED:
            continue
        for item in match.items:
            if item.rating_key in planned:
                continue  # the same item rated twice in one file: the first row wins, as in the export's order
            planned.add(item.rating_key)
            changes.append(plan_change(match.row, item, options))
    return Plan(source, matches, changes, options)


def plan_change(row: RatingRow, item: LibraryItem, options: PlanOptions) -> Change:
    watched = True if options.mark_watched and not item.watched else None
    new = row.plex_rating
    if new is None:  # Letterboxd watched.csv: nothing to rate, only perhaps to mark
        return Change(item, row, item.user_rating, None, False, item.watched, watched)
    old = item.user_rating
    skip: str | None = None
    if old is not None and options.policy == "only-empty":
        skip = KEPT_EXISTING
    elif old is not None and options.policy == "newer" and not _export_is_newer(row, item):
        skip = NOT_NEWER
    elif old is not None and abs(new - old) < _EPSILON and not options.force:
        skip = UNCHANGED
    if skip is not None:  # the rating is left alone; marking watched is still its own write
        return Change(item, row, old, new, False, item.watched, watched, skip)
    return Change(item, row, old, new, True, item.watched, watched)


def _export_is_newer(row: RatingRow, item: LibraryItem) -> bool:
    if row.rated_at is None:
        return False  # without a date we cannot claim to be newer: keep Plex's value
    if item.last_rated_at is None:
        return True
    rated = datetime(row.rated_at.year, row.rated_at.month, row.rated_at.day, tzinfo=timezone.utc)
    return rated.timestamp() > item.last_rated_at
