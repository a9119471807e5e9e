"""TMDb's ratings export (Settings → Import/Export → Export ratings) as RatingRows.

`TMDb ID,IMDb ID,Type,Name,Release Date,Season Number,Episode Number,Rating,Your Rating,Date Rated`: `Type` is
`movie` or `tv`; a `tv` row with a season number rates that season, with an episode number too that episode — and
then its ids are the show's (TMDb numbers episodes under their show), so they go to the `show_*` fields and the row is
found as show + season + episode. `Your Rating` is 0.5–10 in half steps, kept exact on Plex's 1–10 scale (`Rating` is
TMDb's average and ignored). The watchlist export has the same header and no rating in any row: it is refused.
"""

from __future__ import annotations

from decimal import Decimal
from operator import itemgetter
from typing import Final

from ..errors import SourceError
from .dates import parse_date
from .entry import Format, Kind, Parsed, Reader
from .imdb import imdb_id_or_none
from .limits import Problems
from .model import INVALID_RATING, RatingRow
from .numbers import ascii_int, half_step_rating
from .table import Table


def recognise(keys: frozenset[str], _file_name: str) -> Kind | None:
    if {"tmdb id", "type", "your rating"} <= keys:
        return Kind("tmdb_ratings", "TMDb ratings export")
    return None


def explain(keys: frozenset[str]) -> str | None:
    return 'a TMDb export without a "Your Rating" column' if "tmdb id" in keys else None


def _title_type(type_text: str, season: int | None, episode: int | None) -> str:
    kind = type_text.strip().casefold()
    if kind == "movie":
        return "movie"
    if kind in ("tv", "tv show", "show"):
        if season is not None:
            return "tv_episode" if episode is not None else "tv_season"
        return "tv_series"
    return "other"


def rating(text: str, column: str) -> float | str:
    checked = half_step_rating(text, column, Decimal("0.5"), Decimal(10))
    if isinstance(checked, float) and checked < 1:
        return f"{column} {text.strip()!r} is below 1, the lowest rating Plex keeps"
    return checked


def read(table: Table, _kind: Kind) -> Parsed:
    col = table.column
    get = itemgetter(col("tmdb id"), col("imdb id"), col("type"), col("name"), col("release date"),
                     col("season number"), col("episode number"), col("your rating"), col("date rated"))
    rating_column, raw = table.columns[col("your rating")], table.raw
    rows: list[RatingRow] = []
    problems = Problems()
    unrated = 0
    for line, fields, text in table.rows():
        tmdb, imdb, type_text, name, released, season_text, episode_text, value, rated = get(fields)
        checked = rating(value, rating_column)
        if isinstance(checked, str):
            unrated += not value.strip()
            problems.add(line, INVALID_RATING, checked, raw(text))
            continue
        season, episode = ascii_int(season_text), ascii_int(episode_text)
        title_type = _title_type(type_text, season, episode)
        tmdb_number, imdb_id = ascii_int(tmdb), imdb_id_or_none(imdb)[0]
        tmdb_id = str(tmdb_number) if tmdb_number else None
        release = parse_date(released, partial=True)
        part = title_type in ("tv_season", "tv_episode")
        rows.append(RatingRow(
            "tmdb", line, None if part else imdb_id, name.strip(), None, release.year if release else None,
            title_type, checked, checked, parse_date(rated), None if part else tmdb_id, None, raw(text),
            season=season if part else None, episode=episode if title_type == "tv_episode" else None,
            show_imdb_id=imdb_id if part else None, show_tmdb_id=tmdb_id if part else None))
    if unrated and not rows and unrated == len(problems.kept) + sum(problems.omitted.values()):
        raise SourceError(f"{table.name}: no row has a rating in {rating_column!r}; this looks like a TMDb watchlist "
                          "export, not your ratings (Settings → Import/Export → Export ratings)")
    return Parsed(rows, problems, table.notes() + problems.note())


READER: Final = Reader(
    source="tmdb", display="TMDb",
    formats=(Format("tmdb_ratings", "tmdb", "TMDb ratings"),),
    recognise_csv=recognise, read_csv=read, explain_csv=explain,
)
