"""Dates and years as exports spell them; a date we cannot read is None, never an error.

IMDb wrote `Sun Jan 29 00:00:00 2017` before 2017 (one-digit days padded with a space), `YYYY-MM-DD` since, and a
spreadsheet re-save turns either into `M/D/YYYY`; Letterboxd writes `YYYY-MM-DD`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

_MONTHS: Final = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
# 2024-10-24, 2024/10/24, 2024-10-24T23:30:00Z, 2024-10-24 23:30:00+02:00 (the clock part is ignored)
_ISO: Final = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?")
# 1/22/2026, 1/22/26, 1/22/2026 0:00 — US order unless the first number cannot be a month
_SLASH: Final = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?: [\d:]+(?: ?[AaPp][Mm])?)?")
# 22.01.2026 — a German/Central European spreadsheet re-save
_DOTTED: Final = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?: [\d:]+)?")
# Sun Jan 29 00:00:00 2017, Wed Sep  7 00:00:00 2016, Wed Sep 7 00:00:00 PDT 2016
_CTIME: Final = re.compile(
    r"[A-Za-z]{3},? +([A-Za-z]{3}) +(\d{1,2}) +\d{1,2}:\d\d(?::\d\d)? +(?:[A-Za-z]{2,5} +)?(\d{4})")
_PARTIAL: Final = re.compile(r"(\d{4})(?:-(\d{1,2}))?")
_YEAR: Final = re.compile(r"\s*(\d{4})(?:\.0+)?\s*")


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_date(text: str, *, partial: bool = False) -> date | None:
    """Read any date form the exports use; None for empty or unreadable text.

    Partial dates (`2007-08`, `1993`, seen in old release-date columns) are None unless `partial=True`, which gives the
    first day of the month or year: a rating date must be a real day, a release date may be approximate.
    """
    text = text.strip()
    if not text:
        return None
    m = _ISO.fullmatch(text)
    if m:
        return _make(int(m[1]), int(m[2]), int(m[3]))
    m = _SLASH.fullmatch(text)
    if m:
        first, second, year = int(m[1]), int(m[2]), int(m[3])
        if len(m[3]) == 2:
            year += 2000 if year < 70 else 1900
        if first > 12 >= second:  # 22/1/2026 can only be day/month
            first, second = second, first
        return _make(year, first, second)
    m = _DOTTED.fullmatch(text)
    if m:
        return _make(int(m[3]), int(m[2]), int(m[1]))
    m = _CTIME.fullmatch(text)
    if m:
        month = _MONTHS.get(m[1].lower())
        return _make(int(m[3]), month, int(m[2])) if month else None
    m = _PARTIAL.fullmatch(text)
    if m and partial:
        return _make(int(m[1]), int(m[2] or 1), 1)
    return None


def parse_year(text: str) -> int | None:
    """A release year: four digits (a spreadsheet may have written `1994.0`) from 1800 on, else None."""
    m = _YEAR.fullmatch(text)
    year = int(m[1]) if m else 0
    return year if 1800 <= year <= 2200 else None
