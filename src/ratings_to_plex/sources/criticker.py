"""Criticker's ratings export (Account → Export ratings), as CSV or XML, as RatingRows.

CSV: `Score, Film Name, Year, Date Rated, Mini Review, URL, IMDB ID` — a space after each comma (table.py reads such
files with the spaces skipped), dates like `Mar 02 2019, 21:14`. XML: `<recentratings><film><filmname>Heat (1995)
</filmname>…<score>86</score><imdbid>tt0113277</imdbid></film>…`. The score follows the user's profile scale, which the
file does not name: when every score is at most 10 the file is on 0–10 (kept as is, 0 → 1); otherwise it is 0–100
(score ÷ 10, rounded half up, at least 1). `source_rating` keeps the score as exported. `/tv/` links are TV shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from operator import itemgetter
from typing import Any, Final
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse

from ..errors import SourceError
from .dates import parse_date, parse_year
from .entry import Document, Format, Kind, Parsed, Reader
from .imdb import imdb_id_or_none
from .limits import MAX_ROWS, Problems, Record, too_many_rows
from .model import INVALID_RATING, RatingRow
from .numbers import ascii_decimal
from .table import Table

XML_COLUMNS: Final = ["filmname", "filmid", "filmlink", "score", "imdbid", "datetime"]
_XML_INDEX: Final = {name: i for i, name in enumerate(XML_COLUMNS)}
_TITLE_YEAR: Final = re.compile(r"(.*\S)\s*\(([0-9]{4})\)\s*", re.ASCII | re.DOTALL)
_WHEN: Final = re.compile(r"([A-Za-z]{3})\w* +([0-9]{1,2}),? +([0-9]{4})(?:,? +[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?",
                          re.ASCII)
_MONTHS: Final = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_TEN: Final = Decimal(10)

# (line, score, title, year, imdb id, tv, rated at, raw) — held until the scale is known
_Pending = tuple[int, Decimal, str, int | None, str | None, bool, date | None, Any]


def recognise_csv(keys: frozenset[str], _file_name: str) -> Kind | None:
    return Kind("criticker_ratings", "Criticker ratings (CSV)") if {"score", "film name"} <= keys else None


def explain_csv(keys: frozenset[str]) -> str | None:
    return "a Criticker export without a Score column" if "film name" in keys else None


def recognise_document(sample: str, _file_name: str) -> Kind | None:
    head = sample.lstrip("\ufeff \t\r\n")
    if head.startswith("<") and "<recentratings" in head[:4096].casefold():
        return Kind("criticker_ratings", "Criticker ratings (XML)")
    return None


def rated_date(text: str) -> date | None:
    m = _WHEN.fullmatch(text.strip())
    if m is None:
        return parse_date(text)
    month = _MONTHS.get(m[1].casefold())
    try:
        return date(int(m[3]), month, int(m[2])) if month else None
    except ValueError:
        return None


def _score(text: str) -> Decimal | str:
    value = text.strip()
    number = ascii_decimal(value)
    if not value:
        return "Score is empty"
    if number is None or not 0 <= number <= 100:
        return f"Score {value!r} is not a number from 0 to 100"
    return number


def _finish(pending: list[_Pending], problems: Problems, notes: list[str]) -> Parsed:
    """Map every score once the file's scale is known (see the module docstring)."""
    hundred = any(score > _TEN for _, score, *_ in pending)
    rows: list[RatingRow] = []
    for line, score, title, year, imdb, tv, rated_at, raw in pending:
        if hundred:
            plex = max(Decimal(1), (score / _TEN).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        else:
            plex = max(Decimal(1), score)
        rows.append(RatingRow("criticker", line, imdb, title, None, year, "tv_series" if tv else "movie",
                              float(score), float(plex), rated_at, None, None, raw))
    if pending:
        notes.insert(0, "Criticker scores are on a 0–100 scale here: each becomes score ÷ 10, rounded half up, at "
                        "least 1 (86 → 9)" if hundred else
                        "Criticker scores are on a 0–10 scale here: kept as they are (0 becomes 1)")
    return Parsed(rows, problems, notes + problems.note())


def read_csv(table: Table, _kind: Kind) -> Parsed:
    col = table.column
    get = itemgetter(col("score"), col("film name"), col("year"), col("date rated"), col("url"), col("imdb id"))
    raw = table.raw
    pending: list[_Pending] = []
    problems = Problems()
    for line, fields, text in table.rows():
        score_text, title, year, rated, url, imdb = get(fields)
        score = _score(score_text)
        if isinstance(score, str):
            problems.add(line, INVALID_RATING, score, raw(text))
            continue
        pending.append((line, score, title.strip(), parse_year(year), imdb_id_or_none(imdb)[0], "/tv/" in url,
                        rated_date(rated), raw(text)))
    return _finish(pending, problems, table.notes())


def _films(document: Document) -> Iterator[Element]:
    try:
        for _, element in iterparse(document.text, events=("end",)):
            if element.tag.casefold() == "film":
                yield element
                element.clear()
    except (ParseError, DefusedXmlException, ValueError) as err:
        raise SourceError(f"{document.name}: is not readable XML ({err})") from None


def read_documents(documents: Iterator[Document], _kind: Kind) -> Parsed:
    pending: list[_Pending] = []
    problems = Problems()
    number = 0
    for document in documents:
        for film in _films(document):
            number += 1
            if number > MAX_ROWS:
                raise too_many_rows(document.name)
            values = tuple((film.findtext(tag) or "").strip() for tag in XML_COLUMNS)
            raw = Record(_XML_INDEX, values)
            name, _, link, score_text, imdb, rated = values
            score = _score(score_text)
            if isinstance(score, str):
                problems.add(number, INVALID_RATING, score, raw)
                continue
            m = _TITLE_YEAR.fullmatch(name)
            title, year = (m[1], parse_year(m[2])) if m else (name, None)
            pending.append((number, score, title, year, imdb_id_or_none(imdb)[0], "/tv/" in link, rated_date(rated),
                            raw))
    parsed = _finish(pending, problems, [])
    parsed.columns = XML_COLUMNS
    return parsed


READER: Final = Reader(
    source="criticker", display="Criticker",
    formats=(Format("criticker_ratings", "criticker", "Criticker ratings"),),
    recognise_csv=recognise_csv, read_csv=read_csv, explain_csv=explain_csv,
    recognise_document=recognise_document, read_documents=read_documents, score_name="Criticker score",
)
