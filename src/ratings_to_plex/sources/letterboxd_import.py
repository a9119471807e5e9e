"""The CSV Letterboxd's importer reads and other tools write (also what `export --format letterboxd` writes).

`LetterboxdURI,tmdbID,imdbID,Title,Year,Directors,Rating,Rating10,WatchedDate,Rewatch,Tags,Review` — any subset of the
columns, in any order. Unlike Letterboxd's own export, rows carry ids (TMDb movie ids and IMDb ids), so they match by
id. `Rating10` (1–10) is exact and preferred; `Rating` (0.5–5 stars) is doubled when `Rating10` is empty. Letterboxd
lists films only, so every row is a movie.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Final

from .dates import parse_date, parse_year
from .entry import Format, Kind, Parsed, Reader
from .imdb import bare_id_notes, imdb_id_or_none
from .letterboxd import stars_or_reason
from .limits import Problems
from .model import EMPTY_RATING, INVALID_RATING, RatingRow
from .numbers import ascii_int, whole_rating
from .table import Table

_NAMES: Final = frozenset({"letterboxduri", "tmdbid", "imdbid", "title", "year", "directors", "rating", "rating10",
                           "watcheddate", "rewatch", "tags", "review"})


def recognise(keys: frozenset[str], _file_name: str) -> Kind | None:
    """Most of the header must be the importer's own column names, with a rating and something to match by."""
    known = keys & _NAMES
    if known & {"rating", "rating10"} and known & {"title", "imdbid", "tmdbid", "letterboxduri"} \
            and len(known) * 2 > len(keys):
        return Kind("letterboxd_import", "Letterboxd import CSV" + (" (with Rating10)" if "rating10" in keys else ""))
    return None


def read(table: Table, _kind: Kind) -> Parsed:
    col = table.column
    get = itemgetter(col("tmdbid"), col("imdbid"), col("title"), col("year"), col("rating"), col("rating10"),
                     col("watcheddate"))
    ten_column, raw = table.columns[col("rating10")] if "rating10" in table.index else "Rating10", table.raw
    rows: list[RatingRow] = []
    problems = Problems()
    bare: list[int] = []
    for line, fields, text in table.rows():
        tmdb, imdb, title, year, stars_text, ten_text, watched = get(fields)
        if ten_text.strip():
            checked = whole_rating(ten_text, ten_column)
            source_value = checked if isinstance(checked, float) else None
        elif stars_text.strip():
            stars_or = stars_or_reason(stars_text)
            checked = stars_or * 2 if isinstance(stars_or, float) else stars_or
            source_value = stars_or if isinstance(stars_or, float) else None
        else:
            problems.add(line, EMPTY_RATING, "Rating and Rating10 are empty", raw(text))
            continue
        if isinstance(checked, str):
            problems.add(line, INVALID_RATING, checked, raw(text))
            continue
        imdb_id, was_bare = imdb_id_or_none(imdb)
        if was_bare:
            bare.append(line)
        tmdb_number = ascii_int(tmdb)
        rows.append(RatingRow("letterboxd", line, imdb_id, title.strip(), None, parse_year(year), "movie", source_value,
                              checked, parse_date(watched), str(tmdb_number) if tmdb_number else None, None,
                              raw(text)))
    notes = bare_id_notes(bare, "imdbID")
    return Parsed(rows, problems, notes + table.notes() + problems.note())


READER: Final = Reader(
    source="letterboxd", display="Letterboxd",
    formats=(Format("letterboxd_import", "letterboxd", "Letterboxd import CSV"),),
    recognise_csv=recognise, read_csv=read,
)
