"""Simkl's backup (Settings → Data → Download backup), as JSON or as CSV, as RatingRows.

JSON: `{"movies": [...], "shows": [...], "anime": [...]}`, each entry with `status`, `user_rating` (1–10 or null),
`user_rated_at` and a `movie`/`show` holding `title`, `year` and `ids`. CSV: `SIMKL_ID,Title,Type,Year,Watchlist,
LastEpWatched,WatchedDate,Rating,Memo,TVDB,TMDB,IMDB`. Entries planned to watch and unrated are the watchlist: left out
(counted in the notes); other unrated entries are `Empty rating skipped`. Anime that is not known to be a film or a
series is `other`, matched by id whatever its Plex type.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from operator import itemgetter
from typing import Any, Final

from ..errors import SourceError
from . import jsonvalues as jv
from .dates import parse_date, parse_year
from .entry import Document, Format, Kind, Parsed, Reader
from .imdb import imdb_id_or_none
from .jsonstream import iter_object_arrays
from .limits import Problems, Record
from .model import EMPTY_RATING, INVALID_RATING, RatingRow
from .numbers import ascii_int, whole_rating
from .table import Table

COLUMNS: Final = ["list", "status", "title", "year", "type", "simkl", "imdb", "tmdb", "tvdb", "user_rating",
                  "user_rated_at"]
_INDEX: Final = {name: i for i, name in enumerate(COLUMNS)}
_KEYS: Final = re.compile(r'"(?:movies|shows|anime)"\s*:')
_PLANNED: Final = "plantowatch"
_CSV_TYPES: Final = {"movie": "movie", "movies": "movie", "tv show": "tv_series", "tv": "tv_series",
                     "show": "tv_series", "shows": "tv_series"}
_DAY_FIRST: Final = re.compile(r"([0-9]{1,2})-([0-9]{1,2})-([0-9]{4})(?: [0-9:]+)?", re.ASCII)


def recognise_csv(keys: frozenset[str], _file_name: str) -> Kind | None:
    return Kind("simkl_backup", "Simkl backup (CSV)") if {"simkl_id", "rating"} <= keys else None


def explain_csv(keys: frozenset[str]) -> str | None:
    return "a Simkl file without a Rating column" if "simkl_id" in keys else None


def recognise_document(sample: str, _file_name: str) -> Kind | None:
    head = sample.lstrip("\ufeff \t\r\n")
    if head.startswith("{") and _KEYS.search(head[:4096]):
        return Kind("simkl_backup", "Simkl backup (JSON)")
    return None


def _type(group: str, entry: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    if group == "movies" or isinstance(entry.get("movie"), dict):
        return "movie", jv.mapping(entry.get("movie"))
    item = jv.mapping(entry.get("show") or entry.get("anime"))
    if group == "shows":
        return "tv_series", item
    anime_type = jv.text(entry.get("anime_type") or item.get("anime_type")).casefold()
    return {"movie": "movie", "tv": "tv_series"}.get(anime_type, "other"), item


def read_documents(documents: Iterator[Document], _kind: Kind) -> Parsed:
    rows: list[RatingRow] = []
    problems = Problems()
    number = planned = 0
    name = "the Simkl backup"
    for document in documents:
        name = document.name
        for group, entry in iter_object_arrays(document.text, document.name):
            number += 1
            entry = jv.mapping(entry)
            title_type, item = _type(group, entry)
            ids = jv.mapping(item.get("ids"))
            status, value = jv.text(entry.get("status")).casefold(), entry.get("user_rating")
            imdb, tmdb, tvdb = jv.imdb(ids.get("imdb")), jv.number_id(ids.get("tmdb")), jv.number_id(ids.get("tvdb"))
            raw = Record(_INDEX, (group, status, jv.text(item.get("title")), jv.text(item.get("year")), title_type,
                                  jv.text(ids.get("simkl")), imdb or "", tmdb or "", tvdb or "", jv.text(value),
                                  jv.text(entry.get("user_rated_at"))))
            if value is None and status == _PLANNED:
                planned += 1
                continue
            rating = jv.rating(value, "user_rating")
            if isinstance(rating, str):
                problems.add(number, EMPTY_RATING if value is None else INVALID_RATING, rating, raw)
                continue
            rated_at = parse_date(jv.text(entry.get("user_rated_at")) or jv.text(entry.get("last_watched_at")))
            rows.append(RatingRow("simkl", number, imdb, jv.text(item.get("title")), None, jv.year(item.get("year")),
                                  title_type, rating, rating, rated_at, tmdb, tvdb, raw))
    return _finish(rows, problems, planned, [], name, COLUMNS)


def _finish(rows: list[RatingRow], problems: Problems, planned: int, notes: list[str], name: str,
            columns: list[str] | None = None) -> Parsed:
    if planned and not rows and not problems.kept:
        raise SourceError(f"{name}: this Simkl backup holds only plan-to-watch entries (a watchlist, no ratings)")
    if planned:
        notes.append(f"{planned} plan-to-watch entr{'y' if planned == 1 else 'ies'} without a rating (the watchlist) "
                     "left out")
    return Parsed(rows, problems, notes + problems.note(), columns)


def _watched_date(text: str) -> date | None:
    m = _DAY_FIRST.fullmatch(text.strip())
    if m is None:
        return parse_date(text)
    try:
        return date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        return None


def read_csv(table: Table, _kind: Kind) -> Parsed:
    col = table.column
    get = itemgetter(col("title"), col("type"), col("year"), col("watchlist"), col("rating"), col("tvdb"),
                     col("tmdb"), col("imdb"), col("watcheddate"))
    rating_column, raw = table.columns[col("rating")], table.raw
    rows: list[RatingRow] = []
    problems = Problems()
    planned = 0
    for line, fields, text in table.rows():
        title, kind, year, status, value, tvdb, tmdb, imdb, watched = get(fields)
        if not value.strip():
            if status.strip().casefold() == _PLANNED:
                planned += 1
            else:
                problems.add(line, EMPTY_RATING, f"{rating_column} is empty", raw(text))
            continue
        rating = whole_rating(value, rating_column)
        if isinstance(rating, str):
            problems.add(line, INVALID_RATING, rating, raw(text))
            continue
        tmdb_id, tvdb_id = ascii_int(tmdb), ascii_int(tvdb)
        rows.append(RatingRow("simkl", line, imdb_id_or_none(imdb)[0], title.strip(), None, parse_year(year),
                              _CSV_TYPES.get(kind.strip().casefold(), "other"), rating, rating,
                              _watched_date(watched), str(tmdb_id) if tmdb_id else None,
                              str(tvdb_id) if tvdb_id else None, raw(text)))
    return _finish(rows, problems, planned, table.notes(), table.name)


READER: Final = Reader(
    source="simkl", display="Simkl",
    formats=(Format("simkl_backup", "simkl", "Simkl backup"),),
    recognise_csv=recognise_csv, read_csv=read_csv, explain_csv=explain_csv,
    recognise_document=recognise_document, read_documents=read_documents,
)
