"""Data that leaves the source readers: one `RatingRow` per usable export row, `Problem`s for the rest."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final

#: The title-type vocabulary of INTERFACES.md (`--types`); every reader maps its own words onto it.
TITLE_TYPES: Final = (
    "movie",
    "short",
    "video",
    "tv_movie",
    "tv_special",
    "tv_series",
    "tv_mini_series",
    "tv_season",
    "tv_episode",
    "other",
)

# Breakdown labels a reader may attach to a Problem (INTERFACES.md).
MISSING_IMDB_ID: Final = "Missing IMDb ID"
INVALID_RATING: Final = "Invalid rating value"
EMPTY_RATING: Final = "Empty rating skipped"


@dataclass(frozen=True, slots=True)
class RatingRow:
    """One rating (or, for Letterboxd `watched.csv`, one watched film) as read from an export.

    `plex_rating` is already on Plex's 1–10 scale (IMDb as is, Letterboxd × 2, Criticker's 0–100 ÷ 10); it is None
    only for rows that carry no rating at all (watched.csv). Ids are the row's own: for a `tv_season` or `tv_episode`
    row, `imdb_id`/`tmdb_id`/`tvdb_id` identify the season or episode itself (None when the export does not say) and
    the `show_*` fields identify its show, with `season`/`episode` numbers — so an episode without its own id can still
    be found as show + season + episode. TMDb and TVDB ids are per namespace: read them together with `title_type`.
    """

    source: str  # the reader's short name (registry): "imdb", "letterboxd", "tmdb", "trakt", "simkl", "criticker"
    line: int  # 1-based physical line of the row's first line (header = line 1); for JSON/XML the entry's number
    imdb_id: str | None
    title: str
    original_title: str | None
    year: int | None
    title_type: str  # one of TITLE_TYPES
    source_rating: float | None
    plex_rating: float | None
    rated_at: date | None
    tmdb_id: str | None = None
    tvdb_id: str | None = None
    raw: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    season: int | None = None  # tv_season and tv_episode rows
    episode: int | None = None  # tv_episode rows
    show_title: str | None = None
    show_year: int | None = None
    show_imdb_id: str | None = None
    show_tmdb_id: str | None = None  # TMDb TV namespace
    show_tvdb_id: str | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """A row that cannot be used, with the breakdown label it counts under and why."""

    line: int
    label: str  # MISSING_IMDB_ID | INVALID_RATING | EMPTY_RATING
    reason: str  # e.g. "Const 'tt12' is not tt + 7–8 digits"
    raw: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)


@dataclass(slots=True)
class ReadResult:
    """What `read_ratings` returns; unpacks as `(format, rows, problems)`.

    `problems` keeps at most `limits.MAX_PROBLEMS` rows (each with its raw row, for the unmatched CSV); the ones past
    that are only counted, per label, in `omitted_problems`, so a hostile file cannot fill memory or the report.
    Count problems with `problem_counts()`, which includes both."""

    format: str  # one of registry.FORMATS
    rows: list[RatingRow]
    problems: list[Problem]
    file: Path
    columns: list[str] = field(default_factory=list)  # the source header, in order (for the unmatched CSV)
    description: str = ""  # for people: "IMDb ratings, 2024 format"
    notes: list[str] = field(default_factory=list)  # e.g. "Read ratings.csv from the Letterboxd export zip"
    omitted_problems: dict[str, int] = field(default_factory=dict)  # label → problems counted but not kept

    def __iter__(self) -> Iterator[Any]:
        yield self.format
        yield self.rows
        yield self.problems

    @property
    def source(self) -> str:
        """The reader's short name (`imdb`, `letterboxd`, `tmdb`, …): the prefix of report file names."""
        from .registry import format_info  # the registry imports every reader, which import this module

        return format_info(self.format).source

    @property
    def carries_ratings(self) -> bool:
        """False for files that only list watched titles (Letterboxd watched.csv): usable with --mark-watched only."""
        from .registry import format_info

        return format_info(self.format).ratings

    def problem_counts(self) -> Counter[str]:
        """Every problem row per breakdown label, the kept ones and the omitted ones."""
        counts = Counter(problem.label for problem in self.problems)
        counts.update(self.omitted_problems)
        return counts
