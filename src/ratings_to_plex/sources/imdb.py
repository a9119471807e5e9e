"""Rows of an IMDb "Your Ratings" export (any era) as RatingRows, and the rows that cannot be used as Problems.

The loop is the hot path of reading (100,000-row exports exist): columns are fetched with one itemgetter, the common
rating spellings and every date and type string are looked up in dicts, and nothing is parsed twice.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from operator import itemgetter
from typing import Final

from .dates import parse_date, parse_year
from .entry import Format, Kind, Parsed, Reader
from .limits import Problems
from .model import INVALID_RATING, MISSING_IMDB_ID, RatingRow
from .numbers import whole_rating
from .table import Table
from .title_types import classify

_IMDB_ID: Final = re.compile(r"tt[0-9]{7,8}", re.ASCII)
_BARE_ID: Final = re.compile(r"[0-9]{7,8}", re.ASCII)  # a Const that lost its "tt" (a spreadsheet re-save)
_RATINGS: Final = {text: float(i) for i in range(1, 11) for text in (str(i), f"{i}.0", f"{i},0")}


def rating_or_reason(text: str, column: str) -> float | str:
    """An IMDb rating (a whole number 1–10 in ASCII digits; `8.0` is 8) or the reason it is not one."""
    return whole_rating(text, column, source="IMDb")


def id_reason(text: str, column: str) -> str:
    value = text.strip()
    return f"{column} is empty" if not value else f"{column} {value!r} is not tt + 7–8 digits"


def imdb_id_or_none(text: str) -> tuple[str | None, bool]:
    """`(id, repaired)`: `tt0113277` as is, `0113277` with its `tt` restored (repaired), else `(None, False)`."""
    value = text.strip()
    if _IMDB_ID.fullmatch(value):
        return value, False
    if _BARE_ID.fullmatch(value):
        return "tt" + value, True
    return None, False


def recognise(keys: frozenset[str], _file_name: str) -> Kind | None:
    """IMDb ratings by era; a watchlist (it has a Position column) or a list is left to `explain_csv`."""
    if "const" not in keys:
        return None
    if "you rated" in keys:
        return Kind("imdb_ratings", "IMDb ratings, pre-2017 format")
    if "position" in keys or "your rating" not in keys:
        return None
    if "original title" in keys and "main actors" in keys:
        return Kind("imdb_ratings", "IMDb ratings, 2025 format (with Original Title and Main Actors)")
    if "original title" in keys:
        return Kind("imdb_ratings", "IMDb ratings, 2024 format (with Original Title)")
    return Kind("imdb_ratings", "IMDb ratings, 2017–2024 format")


def explain(keys: frozenset[str]) -> str | None:
    if "const" in keys and "position" in keys:
        return ('an IMDb watchlist or list export (it has a "Position" column and is not your ratings); expected an '
                'IMDb "Your Ratings" export')
    if "const" in keys:
        return 'an IMDb export without a "Your Rating" column; expected an IMDb "Your Ratings" export'
    return None


def read_imdb(table: Table, _kind: Kind | None = None) -> Parsed:
    """Every row becomes a RatingRow or a Problem (a bad id is `Missing IMDb ID`, checked first; a bad rating is
    `Invalid rating value`). Unknown title types are kept as `other` and listed in the notes; a Const without its
    `tt` is accepted and counted in the notes."""
    col = table.column
    i_id, i_rating = col("const"), col("your rating", "you rated")
    i_type = col("title type")
    get = itemgetter(i_id, i_rating, col("date rated", "created"), col("title"), col("original title"), i_type,
                     col("year"))
    id_column, rating_column = table.columns[i_id], table.columns[i_rating]
    id_match = _IMDB_ID.fullmatch
    ratings, raw = _RATINGS.get, table.raw
    unseen = date.min  # a sentinel: None is a valid cached answer
    dates: dict[str, date | None] = {}
    years: dict[str, int | None] = {}
    types: dict[str, str] = {}
    unknown: set[str] = set()
    repaired: list[int] = []
    rows: list[RatingRow] = []
    problems = Problems()
    add_row, add_problem = rows.append, problems.add

    for line, fields, text in table.rows():
        imdb_id, rating_text, date_text, title, original, type_text, year_text = get(fields)
        if not id_match(imdb_id):
            fixed, was_bare = imdb_id_or_none(imdb_id)
            if fixed is None:
                add_problem(line, MISSING_IMDB_ID, id_reason(imdb_id, id_column), raw(text))
                continue
            if was_bare:
                repaired.append(line)
            imdb_id = fixed
        rating = ratings(rating_text)
        if rating is None:
            checked = rating_or_reason(rating_text, rating_column)
            if isinstance(checked, str):
                add_problem(line, INVALID_RATING, checked, raw(text))
                continue
            rating = checked
        title_type = types.get(type_text)
        if title_type is None:
            title_type, known = classify(type_text)
            types[type_text] = title_type
            if not known:
                unknown.add(type_text)
        rated_at = dates.get(date_text, unseen)
        if rated_at is unseen:
            rated_at = dates[date_text] = parse_date(date_text)
        year = years.get(year_text, 0)
        if year == 0:
            year = years[year_text] = parse_year(year_text)
        title = title.strip()
        original = (title if original == title else original.strip()) or None  # one string, not two equal ones
        add_row(RatingRow("imdb", line, imdb_id, title, original, year, title_type, rating, rating, rated_at, None,
                          None, raw(text)))

    notes = _type_notes(rows, unknown, i_type, table) + bare_id_notes(repaired, id_column)
    return Parsed(rows, problems, notes + table.notes() + problems.note())


def bare_id_notes(lines: list[int], column: str) -> list[str]:
    if not lines:
        return []
    return [f"{len(lines)} row(s) have an IMDb id without its 'tt' in {column} (first on line {lines[0]}); read as "
            "tt + the digits"]


def _type_notes(rows: list[RatingRow], unknown: set[str], i_type: int, table: Table) -> list[str]:
    """Name the title types we did not know, with how many rows each, so nobody wonders where they went."""
    if not unknown:
        return []
    if i_type == len(table.columns):
        return [f'{table.name} has no "Title Type" column; every row counts as type "other"']
    column = table.columns[i_type]
    counts = Counter(text for row in rows if row.title_type == "other"
                     and (text := row.raw.get(column, "")) in unknown)
    listed = ", ".join(f"{text.strip() or '(empty)'!r} ×{n}" for text, n in counts.most_common())
    return [f"{sum(counts.values())} row(s) have a title type this version does not know ({listed}); they are kept "
            'and count as type "other"']


READER: Final = Reader(
    source="imdb", display="IMDb",
    formats=(Format("imdb_ratings", "imdb", "IMDb ratings"),),
    recognise_csv=recognise, read_csv=read_imdb, explain_csv=explain,
)
