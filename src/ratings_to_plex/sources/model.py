"""Data that leaves the source readers: one `RatingRow` per usable export row, `Problem`s for the rest."""

from __future__ import annotations

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
    "tv_episode",
    "other",
)

#: Formats `read_ratings` reports in `.format` (INTERFACES.md).
FORMATS: Final = (
    "imdb_ratings",
    "letterboxd_ratings",
    "letterboxd_diary",
    "letterboxd_reviews",
    "letterboxd_watched",
)

# Breakdown labels a reader may attach to a Problem (INTERFACES.md).
MISSING_IMDB_ID: Final = "Missing IMDb ID"
INVALID_RATING: Final = "Invalid rating value"
EMPTY_RATING: Final = "Empty rating skipped"


@dataclass(frozen=True, slots=True)
class RatingRow:
    """One rating (or, for Letterboxd `watched.csv`, one watched film) as read from an export.

    `plex_rating` is already on Plex's 1–10 scale (IMDb as is, Letterboxd × 2); it is None only for rows
    that carry no rating at all (watched.csv).
    """

    source: str  # "imdb" | "letterboxd"
    line: int  # 1-based physical line of the row's first line in the file (header = line 1)
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


@dataclass(frozen=True, slots=True)
class Problem:
    """A row that cannot be used, with the breakdown label it counts under and why."""

    line: int
    label: str  # MISSING_IMDB_ID | INVALID_RATING | EMPTY_RATING
    reason: str  # e.g. "Const 'tt12' is not tt + 7–8 digits"
    raw: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)


@dataclass(slots=True)
class ReadResult:
    """What `read_ratings` returns; unpacks as `(format, rows, problems)`."""

    format: str  # one of FORMATS
    rows: list[RatingRow]
    problems: list[Problem]
    file: Path
    columns: list[str] = field(default_factory=list)  # the source header, in order (for the unmatched CSV)
    description: str = ""  # for people: "IMDb ratings, 2024 format"
    notes: list[str] = field(default_factory=list)  # e.g. "Read ratings.csv from the Letterboxd export zip"

    def __iter__(self) -> Iterator[Any]:
        yield self.format
        yield self.rows
        yield self.problems

    @property
    def source(self) -> str:
        """`imdb` or `letterboxd`, the prefix used in report file names."""
        return self.format.split("_", 1)[0]
