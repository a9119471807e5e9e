"""Rows of Letterboxd's ratings.csv, diary.csv, reviews.csv and watched.csv as RatingRows, and the export zip.

Letterboxd exports carry no IMDb or TMDb id, so every row is a movie matched later by title and year; ratings are
0.5–5 stars in half steps and become Plex's 1–10 by doubling.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from operator import itemgetter
from pathlib import PurePosixPath
from typing import Final

from ..errors import SourceError
from .dates import parse_date, parse_year
from .entry import Format, Kind, Parsed, Reader
from .limits import Problems
from .model import EMPTY_RATING, INVALID_RATING, RatingRow
from .numbers import half_step_rating
from .table import Table

_STARS: Final = {text: half / 2 for half in range(1, 11)
                 for text in {f"{half / 2:g}", f"{half / 2:.1f}", f"{half / 2:.1f}".replace(".", ",")}}
# https://letterboxd.com/<user>/film/<slug>/<n>/ — a diary entry's own link; the slug names the film.
_FILM_SLUG: Final = re.compile(r"letterboxd\.com/(?:[^/]+/)?film/([^/]+)", re.IGNORECASE)
_SKIPPED_FOLDERS: Final = {"deleted", "orphaned", "lists", "likes", "__macosx"}

Key = tuple[str, int | None]


def stars_or_reason(text: str) -> float | str:
    """A Letterboxd rating (0.5–5 in steps of 0.5) or the reason it is not one."""
    value = text.strip()
    if not value:
        return "Rating is empty"
    checked = half_step_rating(value, "Rating", Decimal("0.5"), Decimal(5))
    return checked if isinstance(checked, float) else f"Rating {value!r} is not 0.5–5 stars in steps of 0.5"


def read_letterboxd(table: Table, _kind: Kind | None = None) -> Parsed:
    """ratings.csv and watched.csv row by row; diary.csv and reviews.csv one row per film (see `_newest_per_film`)."""
    if table.kind.format in ("letterboxd_diary", "letterboxd_reviews"):
        rows, problems, notes = _newest_per_film(table)
    else:
        rows, problems, notes = _each_row(table, watched=table.kind.format == "letterboxd_watched")
    return Parsed(rows, problems, notes + table.notes() + problems.note())


def _columns(table: Table) -> Callable[[list[str]], tuple[str, str, str, str, str, str]]:
    col = table.column
    return itemgetter(col("name"), col("year"), col("rating"), col("date"), col("watched date"), col("letterboxd uri"))


def _row(line: int, name: str, year_text: str, stars: float | None, when: date | None,
         raw: Mapping[str, str]) -> RatingRow:
    plex = None if stars is None else stars * 2
    return RatingRow("letterboxd", line, None, name.strip(), None, parse_year(year_text), "movie", stars, plex, when,
                     None, None, raw)


def _each_row(table: Table, *, watched: bool) -> tuple[list[RatingRow], Problems, list[str]]:
    get, raw = _columns(table), table.raw
    rows: list[RatingRow] = []
    problems = Problems()
    for line, fields, text in table.rows():
        name, year_text, rating_text, date_text, _, _ = get(fields)
        stars: float | str | None = None if watched else _STARS.get(rating_text) or stars_or_reason(rating_text)
        if isinstance(stars, str):
            problems.add(line, INVALID_RATING, stars, raw(text))
        else:
            rows.append(_row(line, name, year_text, stars, parse_date(date_text), raw(text)))
    return rows, problems, []


def film_key(uri: str, name: str, year_text: str) -> Key:
    """What makes two diary entries the same film: the slug of a long Letterboxd URI, else folded name + year (each
    entry has its own `boxd.it` link, so the short URI cannot say it)."""
    slug = _FILM_SLUG.search(uri)
    if slug:
        return "slug:" + slug[1].casefold(), None
    return " ".join(name.casefold().split()), parse_year(year_text)


def _newest_per_film(table: Table) -> tuple[list[RatingRow], Problems, list[str]]:
    """One row per film: its newest entry that has a rating (newest by Watched Date — Date when it has none — then
    Date, then line).

    A rewatch logged without stars does not erase the film's rating, so an older rated entry wins over a newer empty
    one. A film none of whose entries has a rating counts once under `Empty rating skipped`, on the line of its newest
    entry; a malformed rating is `Invalid rating value` on its own row and never chosen.
    """
    get, raw = _columns(table), table.raw
    best: dict[Key, tuple[tuple[date, date, int], RatingRow]] = {}
    unrated: dict[Key, tuple[tuple[date, date, int], int, str]] = {}
    broken: set[Key] = set()
    problems = Problems()
    entries = 0
    for line, fields, text in table.rows():
        entries += 1
        name, year_text, rating_text, date_text, watched_text, uri = get(fields)
        key = film_key(uri, name, year_text)
        logged = parse_date(date_text)
        order = (parse_date(watched_text) or logged or date.min, logged or date.min, line)
        if not rating_text.strip():
            if key not in unrated or order > unrated[key][0]:
                unrated[key] = (order, line, text)
            continue
        stars = _STARS.get(rating_text) or stars_or_reason(rating_text)
        if isinstance(stars, str):
            problems.add(line, INVALID_RATING, stars, raw(text))
            broken.add(key)
        elif key not in best or order > best[key][0]:
            best[key] = (order, _row(line, name, year_text, stars, logged, raw(text)))
    for key, (_, line, text) in sorted(unrated.items(), key=lambda item: item[1][1]):
        if key not in best and key not in broken:
            problems.add(line, EMPTY_RATING, "no entry for this film has a rating", raw(text))
    rows = sorted((row for _, row in best.values()), key=lambda row: row.line)
    problems.kept.sort(key=lambda problem: problem.line)
    dropped = entries - len(rows) - len(problems.kept) - sum(problems.omitted.values())
    notes = [f"{table.name}: {entries} entries for {len(rows)} rated film(s); for a film logged more than once, its "
             f"newest rated entry is used ({dropped} older or unrated entr{'y' if dropped == 1 else 'ies'} set aside)"]
    return rows, problems, notes if dropped else []


def ratings_members(members: Sequence[str]) -> list[str]:
    """The `ratings.csv` of a Letterboxd export zip (at the top, or in the one folder some unzip-and-rezip tools add),
    never the copies under `deleted/` or `orphaned/`; [] when there is none."""
    found = [member for member in members
             if PurePosixPath(member).name.casefold() == "ratings.csv"
             and not {part.casefold() for part in PurePosixPath(member).parts[:-1]} & _SKIPPED_FOLDERS]
    return [min(found, key=lambda member: (member.count("/"), member))] if found else []


def recognise(keys: frozenset[str], file_name: str) -> Kind | None:
    """ratings, diary, reviews and watched by their columns; watchlist.csv (the same columns as watched.csv) is
    refused by its name, the only thing that tells them apart."""
    if not {"name", "year", "letterboxd uri"} <= keys or "position" in keys:
        return None
    if "rating" not in keys:
        return _watched(file_name)
    if "review" in keys:
        return Kind("letterboxd_reviews", "Letterboxd reviews")
    if "watched date" in keys or "rewatch" in keys:
        return Kind("letterboxd_diary", "Letterboxd diary")
    return Kind("letterboxd_ratings", "Letterboxd ratings")


def _watched(file_name: str) -> Kind:
    lowered = file_name.casefold()
    if "watchlist" in lowered:
        raise SourceError(f"{file_name}, line 1: this looks like a Letterboxd watchlist (films you want to see, "
                          "no ratings); expected ratings.csv, diary.csv, reviews.csv or watched.csv from a "
                          "Letterboxd export")
    notes = [] if lowered.endswith("watched.csv") else [
        f"{file_name} has the columns of Letterboxd's watched.csv (watchlist.csv has the same ones); read it as "
        "watched films because its name does not say watchlist"]
    return Kind("letterboxd_watched", "Letterboxd watched films", notes)


def explain(keys: frozenset[str]) -> str | None:
    if "letterboxd uri" in keys or ("url" in keys and "position" in keys):
        return "a Letterboxd file that holds no ratings"
    return None


READER: Final = Reader(
    source="letterboxd", display="Letterboxd",
    formats=(Format("letterboxd_ratings", "letterboxd", "Letterboxd ratings"),
             Format("letterboxd_diary", "letterboxd", "Letterboxd diary"),
             Format("letterboxd_reviews", "letterboxd", "Letterboxd reviews"),
             Format("letterboxd_watched", "letterboxd", "Letterboxd watched films", ratings=False)),
    recognise_csv=recognise, read_csv=read_letterboxd, zip_members=ratings_members, explain_csv=explain,
)
