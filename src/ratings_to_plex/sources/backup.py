"""The tool's own JSON backup (`ratings-to-plex export --format json`) read as ratings, so `sync backup.json` can
import a backup into another server or Plex user by ids (`restore` is what puts a server back exactly).

`{"format": "ratings_to_plex_backup", "version": 1, …, "items": [{"type", "title", "year", "guids",
"user_rating", "last_rated_at", "show_title", "season", "episode", …}]}`: every rated item becomes a row carrying the
ids of its GUIDs; items backed up only because they were watched carry no rating and are left out.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any, Final

from . import jsonvalues as jv
from .entry import Document, Format, Kind, Parsed, Reader
from .jsonstream import iter_object_arrays
from .limits import Problems, Record
from .model import INVALID_RATING, RatingRow
from .numbers import ascii_decimal

COLUMNS: Final = ["library", "rating_key", "type", "title", "year", "show_title", "season", "episode", "imdb",
                  "tmdb", "tvdb", "user_rating", "last_rated_at"]
_INDEX: Final = {name: i for i, name in enumerate(COLUMNS)}
_TYPES: Final = {"movie": "movie", "show": "tv_series", "season": "tv_season", "episode": "tv_episode"}


def recognise(sample: str, _file_name: str) -> Kind | None:
    head = sample.lstrip("\ufeff \t\r\n")
    if head.startswith("{") and '"ratings_to_plex_backup"' in head[:4096]:
        return Kind("ratings_to_plex_backup", "ratings-to-plex backup")
    return None


def _guid(guids: Any, scheme: str) -> str | None:
    prefix = scheme + "://"
    found = next((g[len(prefix):] for g in guids if isinstance(g, str) and g.startswith(prefix)), None) \
        if isinstance(guids, list) else None
    return (jv.imdb(found) if scheme == "imdb" else jv.number_id(found)) if found else None


def _rating(value: Any) -> float | str:
    number = None if isinstance(value, bool) or value is None else ascii_decimal(str(value))
    if number is None or not 1 <= number <= 10:
        return f"user_rating {jv.text(value)!r} is not a Plex rating (1–10)"
    return float(number)


def _day(value: Any) -> Any:
    return datetime.fromtimestamp(value, timezone.utc).date() if isinstance(value, int) and 0 < value < 2**33 \
        else None


def read(documents: Iterator[Document], _kind: Kind) -> Parsed:
    rows: list[RatingRow] = []
    problems = Problems()
    number = watched_only = 0
    for document in documents:
        for key, entry in iter_object_arrays(document.text, document.name):
            if key != "items":
                continue
            number += 1
            item: Mapping[str, Any] = jv.mapping(entry)
            if item.get("user_rating") is None:
                watched_only += 1
                continue
            _row(number, item, rows, problems)
    notes = [f"{watched_only} watched item(s) without a rating left out"] if watched_only else []
    return Parsed(rows, problems, notes + problems.note(), COLUMNS)


def _row(number: int, item: Mapping[str, Any], rows: list[RatingRow], problems: Problems) -> None:
    guids, kind = item.get("guids"), jv.text(item.get("type"))
    imdb, tmdb, tvdb = _guid(guids, "imdb"), _guid(guids, "tmdb"), _guid(guids, "tvdb")
    values = (*(jv.text(item.get(name)) for name in COLUMNS[:8]), imdb or "", tmdb or "", tvdb or "",
              jv.text(item.get("user_rating")), jv.text(item.get("last_rated_at")))
    raw = Record(_INDEX, values)
    rating = _rating(item.get("user_rating"))
    if isinstance(rating, str):
        problems.add(number, INVALID_RATING, rating, raw)
        return
    title_type = _TYPES.get(kind, "other")
    part = title_type in ("tv_season", "tv_episode")
    rows.append(RatingRow("ratings_to_plex", number, imdb, jv.text(item.get("title")), None,
                          jv.year(item.get("year")), title_type, rating, rating, _day(item.get("last_rated_at")),
                          tmdb, tvdb, raw, season=jv.small_int(item.get("season")) if part else None,
                          episode=jv.small_int(item.get("episode")) if title_type == "tv_episode" else None,
                          show_title=jv.text(item.get("show_title")) or None))


READER: Final = Reader(
    source="ratings_to_plex", display="ratings-to-plex",
    formats=(Format("ratings_to_plex_backup", "ratings_to_plex", "ratings-to-plex backup"),),
    recognise_document=recognise, read_documents=read,
)
