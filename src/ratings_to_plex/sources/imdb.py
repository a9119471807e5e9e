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
from .model import INVALID_RATING, MISSING_IMDB_ID, Problem, RatingRow
from .table import Table
from .title_types import classify

_IMDB_ID: Final = re.compile(r"tt\d{7,8}")
_RATINGS: Final = {text: float(i) for i in range(1, 11) for text in (str(i), f"{i}.0", f"{i},0")}
_NUMBER: Final = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")


def rating_or_reason(text: str, column: str) -> float | str:
    """An IMDb rating (a whole number 1–10; `8.0` is 8) or the reason it is not one."""
    value = text.strip()
    if not value:
        return f"{column} is empty"
    if not _NUMBER.fullmatch(value):
        return f"{column} {value!r} is not a number"
    number = float(value.replace(",", "."))
    if not number.is_integer():
        return f"{column} {value!r} is not a whole number (IMDb ratings are 1–10)"
    if not 1 <= number <= 10:
        return f"{column} {value!r} is outside 1–10"
    return number


def id_reason(text: str, column: str) -> str:
    value = text.strip()
    return f"{column} is empty" if not value else f"{column} {value!r} is not tt + 7–8 digits"


def read_imdb(table: Table) -> tuple[list[RatingRow], list[Problem], list[str]]:
    """Every row becomes a RatingRow or a Problem (a bad id is `Missing IMDb ID`, checked first; a bad rating is
    `Invalid rating value`). Unknown title types are kept as `other` and listed in the notes."""
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
    rows: list[RatingRow] = []
    problems: list[Problem] = []
    add_row, add_problem = rows.append, problems.append

    for line, fields, text in table.rows():
        imdb_id, rating_text, date_text, title, original, type_text, year_text = get(fields)
        if not id_match(imdb_id):
            imdb_id = imdb_id.strip()
            if not id_match(imdb_id):
                add_problem(Problem(line, MISSING_IMDB_ID, id_reason(imdb_id, id_column), raw(text)))
                continue
        rating = ratings(rating_text)
        if rating is None:
            checked = rating_or_reason(rating_text, rating_column)
            if isinstance(checked, str):
                add_problem(Problem(line, INVALID_RATING, checked, raw(text)))
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

    return rows, problems, _type_notes(rows, unknown, i_type, table) + table.notes()


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
