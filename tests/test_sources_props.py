"""Properties of read_ratings: valid rows survive any writing style; no input raises anything but SourceError.

Kept quick for the default suite (a few dozen examples each); `fuzz/fuzz_sources.py` runs the same ideas for minutes.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from datetime import date
from pathlib import Path
from typing import NamedTuple

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ratings_to_plex import SourceError, read_ratings
from ratings_to_plex.sources import ReadResult

QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

HEADERS = {
    "pre-2017": ["position", "const", "created", "modified", "description", "Title", "Title type", "Directors",
                 "You rated", "IMDb Rating", "Runtime (mins)", "Year", "Genres", "Num. Votes",
                 "Release Date (month/day/year)", "URL"],
    "2017": ["Const", "Your Rating", "Date Rated", "Title", "URL", "Title Type", "IMDb Rating", "Runtime (mins)",
             "Year", "Genres", "Num Votes", "Release Date", "Directors"],
    "2024": ["Const", "Your Rating", "Date Rated", "Title", "Original Title", "URL", "Title Type", "IMDb Rating",
             "Runtime (mins)", "Year", "Genres", "Num Votes", "Release Date", "Directors"],
    "2025": ["Const", "Your Rating", "Date Rated", "Title", "Original Title", "URL", "Title Type", "IMDb Rating",
             "Runtime (mins)", "Year", "Genres", "Num Votes", "Release Date", "Directors", "Main Actors"],
}
TYPES = {"Feature Film": "movie", "movie": "movie", "Movie": "movie", "Film": "movie", "tvSeries": "tv_series",
         "TV Series": "tv_series", "Serie TV": "tv_series", "Mini-Series": "tv_mini_series", "tvEpisode": "tv_episode",
         "Episodio TV": "tv_episode", "Short Film": "short", "tvSpecial": "tv_special", "Video Game": "other"}

# Titles: any printable text, plus the characters exports are known for (quotes, delimiters, line breaks).
title_text = st.lists(
    st.one_of(st.characters(blacklist_categories=("Cs", "Cc")), st.sampled_from(['"', ",", ";", "\t", "\n", "\r\n"])),
    max_size=40).map("".join)


class Row(NamedTuple):
    imdb_id: str
    rating: int
    title: str
    year: int | None
    type: str
    rated: date


imdb_rows = st.builds(
    Row,
    st.builds(lambda n, width: f"tt{n:0{width}d}", st.integers(0, 9_999_999), st.sampled_from([7, 8])),
    st.integers(1, 10), title_text, st.none() | st.integers(1874, 2030), st.sampled_from(sorted(TYPES)),
    st.dates(date(1990, 1, 1), date(2030, 12, 31)))


def _date_text(day: date, style: str) -> str:
    if style == "ctime":
        return day.strftime("%a %b ") + f"{day.day:2d}" + " 00:00:00 " + str(day.year)
    return day.isoformat() if style == "iso" else f"{day.month}/{day.day}/{day.year}"


@st.composite
def imdb_exports(draw: st.DrawFn) -> tuple[bytes, list[Row]]:
    era = draw(st.sampled_from(sorted(HEADERS)))
    header = HEADERS[era]
    rows = draw(st.lists(imdb_rows, max_size=12))
    style = "ctime" if era == "pre-2017" else draw(st.sampled_from(["iso", "us"]))
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=draw(st.sampled_from([",", ";", "\t"])),
                        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
                        lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    names = {"id": header[1] if era == "pre-2017" else "Const", "rating": "You rated" if era == "pre-2017" else
             "Your Rating", "date": "created" if era == "pre-2017" else "Date Rated",
             "type": "Title type" if era == "pre-2017" else "Title Type"}
    for row in rows:
        values = dict.fromkeys(header, "")
        values.update({names["id"]: row.imdb_id, names["rating"]: str(row.rating), "Title": row.title,
                       names["type"]: row.type, "Year": "" if row.year is None else str(row.year),
                       names["date"]: _date_text(row.rated, style)})
        writer.writerow([values[h] for h in header])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
    return out.getvalue().encode(encoding), rows


def _read(data: bytes, name: str = "ratings.csv") -> ReadResult:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        return read_ratings(path)


@QUICK
@given(imdb_exports())
def test_valid_imdb_rows_round_trip(export: tuple[bytes, list[Row]]) -> None:
    data, rows = export
    result = _read(data)
    assert result.format == "imdb_ratings" and result.problems == []
    assert [(r.imdb_id, r.plex_rating, r.title, r.year, r.title_type, r.rated_at) for r in result.rows] == [
        (row.imdb_id, float(row.rating), row.title.strip(), row.year, TYPES[row.type], row.rated) for row in rows]
    assert [r.raw["Title"] for r in result.rows] == [row.title for row in rows]  # raw is parsed lazily: same text
    lines = [r.line for r in result.rows]
    assert lines == sorted(set(lines)) and all(line >= 2 for line in lines)


def _only_source_errors(data: bytes, name: str = "ratings.csv") -> None:
    try:
        _read(data, name)
    except SourceError as err:
        assert str(err) and "\n" not in str(err)


@QUICK
@given(st.binary(max_size=2000), st.sampled_from(["ratings.csv", "watchlist.csv", "export.zip"]))
def test_arbitrary_bytes_raise_only_source_error(data: bytes, name: str) -> None:
    _only_source_errors(data, name)


@QUICK
@given(st.sampled_from([",".join(h) for h in HEADERS.values()] + ["Date,Name,Year,Letterboxd URI,Rating",
                        "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date"]),
       st.binary(max_size=1000) | st.text(max_size=300).map(str.encode))
def test_a_real_header_then_anything(header: str, body: bytes) -> None:
    _only_source_errors(header.encode() + b"\n" + body)


@QUICK
@given(imdb_exports(), st.lists(st.tuples(st.integers(0, 10_000), st.binary(max_size=3)), max_size=5))
def test_mutated_exports(export: tuple[bytes, list[Row]],
                         edits: list[tuple[int, bytes]]) -> None:
    data = bytearray(export[0])
    for at, replacement in edits:
        at %= len(data) + 1
        data[at:at + len(replacement)] = replacement
    _only_source_errors(bytes(data))


@QUICK
@given(st.binary(max_size=500), st.sampled_from(["ratings.csv", "sub/ratings.csv", "deleted/ratings.csv", "x.csv"]))
def test_zips_holding_anything(content: bytes, member: str) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, content)
    _only_source_errors(out.getvalue(), "export.zip")


@QUICK
@given(st.text(alphabet=st.characters(categories=["Nd", "No", "P", "Zs"]) | st.sampled_from("0123456789.,+-"),
               max_size=20))
def test_only_ascii_decimals_are_ratings(text: str) -> None:
    """A rating is accepted only when it is ASCII digits whose exact value is a whole 1–10 (issue 17)."""
    from decimal import Decimal, InvalidOperation

    from ratings_to_plex.sources.numbers import whole_rating

    checked = whole_rating(text, "Your Rating")
    value = text.strip()
    ascii_number = value.isascii() and any(c.isdigit() for c in value) and set(value) <= set("0123456789.,+-")
    try:
        exact = Decimal(value.replace(",", ".")) if ascii_number else None
    except InvalidOperation:
        exact = None
    expected = exact is not None and exact == exact.to_integral_value() and 1 <= exact <= 10
    assert isinstance(checked, float) == expected, (text, checked)
    if isinstance(checked, float):
        assert Decimal(checked) == exact
