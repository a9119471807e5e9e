"""Trakt's data export: `ratings-movies.json`, `ratings-shows.json`, `ratings-seasons.json`, `ratings-episodes.json`
(alone or in the export `.zip`) as RatingRows with every id the entry carries.

Each file is a JSON array of `{"rated_at", "rating", "type", "movie"|"show"|"season"|"episode": {…, "ids": {…}}}`;
seasons and episodes also carry their `show`. Ratings are whole numbers 1–10, as Plex's. Trakt's other files (history,
watched, watchlist, lists) hold no ratings and are refused by their fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import PurePosixPath
from typing import Any, Final

from ..errors import SourceError
from . import jsonvalues as jv
from .dates import parse_date
from .entry import Document, Format, Kind, Parsed, Reader
from .jsonstream import iter_array
from .limits import Problems, Record
from .model import INVALID_RATING, RatingRow

COLUMNS: Final = ["file", "type", "title", "year", "show", "season", "episode", "imdb", "tmdb", "tvdb", "trakt",
                  "rating", "rated_at"]
_INDEX: Final = {name: i for i, name in enumerate(COLUMNS)}
_MEMBER: Final = re.compile(r"ratings[-_](movies|shows|seasons|episodes)\.json", re.IGNORECASE)
_ORDER: Final = ("movies", "shows", "seasons", "episodes")
_TYPES: Final = {"movie": "movie", "show": "tv_series", "season": "tv_season", "episode": "tv_episode"}
_NOT_RATINGS: Final = (('"watched_at"', "history"), ('"listed_at"', "watchlist or list"),
                       ('"last_watched_at"', "watched list"), ('"collected_at"', "collection"), ('"plays"', "watched"))


def members(names: Sequence[str]) -> list[str]:
    """The ratings-*.json files of a Trakt export zip, movies first."""
    found = [(name, m[1].casefold()) for name in names if (m := _MEMBER.fullmatch(PurePosixPath(name).name))]
    return [name for name, kind in sorted(found, key=lambda pair: (_ORDER.index(pair[1]), pair[0]))]


def recognise(sample: str, file_name: str) -> Kind | None:
    head = sample.lstrip("\ufeff \t\r\n")
    if not head.startswith("["):
        return None
    if '"rated_at"' in sample or (_MEMBER.fullmatch(PurePosixPath(file_name.split(" in ")[0]).name)
                                  and head[1:].lstrip(" \t\r\n").startswith("]")):
        return Kind("trakt_ratings", "Trakt ratings export")
    for field, what in _NOT_RATINGS:
        if field in sample:
            raise SourceError(f"{file_name}, line 1: this looks like a Trakt {what} export (no ratings); expected "
                              "ratings-movies.json, ratings-shows.json, ratings-seasons.json or ratings-episodes.json "
                              "from a Trakt export")
    return None


def read(documents: Iterator[Document], _kind: Kind) -> Parsed:
    rows: list[RatingRow] = []
    problems = Problems()
    number = 0
    for document in documents:
        for entry in iter_array(document.text, document.name):
            number += 1
            _entry(number, jv.mapping(entry), document.member, rows, problems)
    return Parsed(rows, problems, problems.note(), COLUMNS)


def _ids(item: Mapping[str, Any]) -> tuple[str | None, str | None, str | None, str | None]:
    ids = jv.mapping(item.get("ids"))
    return jv.imdb(ids.get("imdb")), jv.number_id(ids.get("tmdb")), jv.number_id(ids.get("tvdb")), \
        jv.number_id(ids.get("trakt"))


def _entry(number: int, entry: Mapping[str, Any], member: str, rows: list[RatingRow], problems: Problems) -> None:
    kind = jv.text(entry.get("type")).casefold()
    if kind not in _TYPES:
        kind = next((k for k in ("episode", "season", "movie", "show") if isinstance(entry.get(k), dict)), "")
    item = jv.mapping(entry.get(kind))
    show = jv.mapping(entry.get("show")) if kind in ("season", "episode") else {}
    imdb, tmdb, tvdb, trakt = _ids(item)
    s_imdb, s_tmdb, s_tvdb, _ = _ids(show)
    season = jv.small_int(item.get("season" if kind == "episode" else "number")) if show else None
    episode = jv.small_int(item.get("number")) if kind == "episode" else None
    show_title = jv.text(show.get("title")) or None
    title = jv.text(item.get("title")) or (show_title if kind == "season" else "") or ""
    year = jv.year(item.get("year")) if kind in ("movie", "show") else None
    rated_at: date | None = parse_date(jv.text(entry.get("rated_at")))
    raw = Record(_INDEX, (member, kind, title, jv.text(item.get("year")), show_title or "",
                          "" if season is None else str(season), "" if episode is None else str(episode),
                          imdb or "", tmdb or "", tvdb or "", trakt or "", jv.text(entry.get("rating")),
                          jv.text(entry.get("rated_at"))))
    rating = jv.rating(entry.get("rating"), "rating") if kind else "entry is not a Trakt rating (no type)"
    if isinstance(rating, str):
        problems.add(number, INVALID_RATING, rating, raw)
        return
    rows.append(RatingRow("trakt", number, imdb, title, None, year, _TYPES[kind], rating, rating, rated_at, tmdb,
                          tvdb, raw, season=season, episode=episode, show_title=show_title,
                          show_year=jv.year(show.get("year")), show_imdb_id=s_imdb, show_tmdb_id=s_tmdb,
                          show_tvdb_id=s_tvdb))


READER: Final = Reader(
    source="trakt", display="Trakt",
    formats=(Format("trakt_ratings", "trakt", "Trakt ratings"),),
    recognise_document=recognise, read_documents=read, zip_members=members,
)
