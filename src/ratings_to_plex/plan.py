"""Turn matches into a `Plan`: for every matched item, what to write (or why not). Nothing is written here.

The plan is a value: it can be printed (dry run), journaled, applied later unchanged, or reversed (undo). Sync, undo
and resume all produce this one shape (`kind` says which) and all go through the one executor, `executor.run_plan`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Final

from .errors import UsageError
from .match import MATCHED, Match
from .model import RunKind, StrEnum
from .plex.items import LibraryItem
from .sources.model import Problem, RatingRow, ReadResult

if TYPE_CHECKING:
    from pathlib import Path

    from .model import Identity, RunInfo

POLICIES: Final = ("overwrite", "only-empty", "newer")


class SkipReason(StrEnum):
    """Why a matched item's rating is left alone."""

    UNCHANGED = "unchanged"
    KEPT_EXISTING = "kept_existing"  # policy only-empty: Plex already has a rating
    NOT_NEWER = "not_newer"  # policy newer: Plex's rating is at least as recent as the export's


UNCHANGED: Final = SkipReason.UNCHANGED
KEPT_EXISTING: Final = SkipReason.KEPT_EXISTING
NOT_NEWER: Final = SkipReason.NOT_NEWER
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
    skip: SkipReason | None = None  # why the rating is left alone

    @property
    def writes(self) -> bool:
        return self.set_rating or self.watched is not None


@dataclass(frozen=True)
class Skipped:
    """An item a plan leaves alone although the run it reverses wrote it (changed by someone else since, or gone)."""

    rating_key: int
    title: str
    reason: str


@dataclass
class Plan:
    """Everything one run will do to one server, decided before anything is written.

    A sync fills `source`, `matches` and `changes`. An undo (`target` = the run it reverses) fills `changes` with
    the restores, `followups` with episodes to mark watched again once their show is un-marked (`parents`: which
    shows each waits for), and `skipped`/`already` with what it leaves alone. A resume (`target` = the run it
    finishes) fills `changes` with what is still missing, `landed` with what reached the server before the
    interruption and `gone` with items deleted since.
    """

    source: ReadResult | None
    matches: list[Match]
    changes: list[Change]
    options: PlanOptions = field(default_factory=PlanOptions)
    kind: RunKind = RunKind.SYNC
    libraries: list[str] = field(default_factory=list)  # the sections' titles, as journaled and shown
    types: frozenset[str] | None = None  # the title types a sync imports (None: all), as journaled
    identity: Identity | None = None  # the server and user it was planned against: it is written there or nowhere
    target: RunInfo | None = None
    followups: list[Change] = field(default_factory=list)
    parents: dict[int, set[int]] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    already: int = 0
    landed: list[Change] = field(default_factory=list)
    gone: list[Change] = field(default_factory=list)
    file: Path | None = None  # a restore's backup file (a sync's file is its source's)

    @property
    def writes(self) -> list[Change]:
        """Every write the plan will send, in order (an undo's follow-ups last)."""
        return [c for c in self.changes + self.followups if c.writes]

    @property
    def listed(self) -> list[Change]:
        """Every change a report lists: what landed before a resume, what is gone, then the writes."""
        return [*self.landed, *self.gone, *self.changes, *self.followups]

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
    skip: SkipReason | None = None
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
