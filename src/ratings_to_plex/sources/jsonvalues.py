"""Values out of decoded JSON entries (Trakt, Simkl): ids, ratings and text, each checked, never trusted.

Numbers are decoded with `parse_float=Decimal` (see jsonstream) so `9.9999999999999999` stays what it says and is not
a whole number; booleans are not numbers; ids may be numbers or strings and become strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .imdb import imdb_id_or_none
from .numbers import ascii_int, whole_rating


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def text(value: Any) -> str:
    """A string field as text ("" for null); numbers as written."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value).strip()


def number_id(value: Any) -> str | None:
    """A TMDb/TVDB/Trakt/Simkl id: a positive whole number, as a string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if value > 0 else None
    number = ascii_int(value) if isinstance(value, str) else None
    return str(number) if number else None


def imdb(value: Any) -> str | None:
    return imdb_id_or_none(value)[0] if isinstance(value, str) else None


def small_int(value: Any) -> int | None:
    """A season or episode number (0 is a real season: specials)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= 100_000 else None
    number = ascii_int(value) if isinstance(value, str) else None
    return number if number is not None and number <= 100_000 else None


def year(value: Any) -> int | None:
    number = small_int(value)
    return number if number is not None and 1800 <= number <= 2200 else None


def rating(value: Any, column: str) -> float | str:
    """A whole 1–10 rating or the reason it is not one."""
    if value is None:
        return f"{column} is empty"
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        return f"{column} {text(value) or type(value).__name__!r} is not a number"
    return whole_rating(str(value), column)
