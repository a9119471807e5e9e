"""Builders for engine unit tests: rows and items without files or servers."""

from __future__ import annotations

from datetime import date

from ratings_to_plex.plex.index import LibraryIndex
from ratings_to_plex.plex.items import LibraryItem
from ratings_to_plex.sources.model import RatingRow

_keys = iter(range(1000, 10**9))


def item(title: str, year: int | None = 2000, *, kind: str = "movie", guids: tuple[str, ...] = (),
         rating: float | None = None, views: int = 0, section: int = 1, original: str | None = None,
         rated_at: int | None = None, legacy: bool = False, key: int | None = None) -> LibraryItem:
    return LibraryItem(rating_key=key or next(_keys), section_id=section, type=kind, title=title,
                       original_title=original, title_sort=None, year=year, guids=guids, user_rating=rating,
                       view_count=views, last_rated_at=rated_at, legacy=legacy)


def row(title: str, year: int | None = 2000, *, imdb: str | None = None, rating: float | None = 8.0,
        kind: str = "movie", source: str = "imdb", line: int = 2, rated: date | None = None,
        original: str | None = None) -> RatingRow:
    scale = 2 if source == "letterboxd" else 1
    return RatingRow(source=source, line=line, imdb_id=imdb, title=title, original_title=original, year=year,
                     title_type=kind, source_rating=None if rating is None else rating / scale,
                     plex_rating=rating, rated_at=rated, raw={"Title": title})


def index(*items: LibraryItem) -> LibraryIndex:
    idx = LibraryIndex(sections=[])
    for i in items:
        idx.add(i)
    return idx
