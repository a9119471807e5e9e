"""Ratings as exports write them: ASCII decimals only, compared exactly (issue 17).

`float("٧")`, `float("８")` and `float("१०")` are 7, 8 and 10, and `float("9.9999999999999999")` is exactly 10.0, so
a rating is never read with `float()` on the raw text: it must be ASCII digits with at most one `.` or `,`, and it is
checked on its exact `Decimal` value before it becomes a float.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final

_DECIMAL: Final = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)", re.ASCII)
_INTEGER: Final = re.compile(r"[0-9]{1,12}", re.ASCII)
_HALF: Final = Decimal("0.5")


def ascii_decimal(text: str) -> Decimal | None:
    """The exact value of `8`, `8.0`, `7,5`, `.5`; None for anything else (exponents, Unicode digits, words)."""
    value = text.strip()
    if not _DECIMAL.fullmatch(value):
        return None
    return Decimal(value.replace(",", "."))


def ascii_int(text: str) -> int | None:
    """A non-negative whole number written in ASCII digits (`3`, ` 12 `), else None."""
    value = text.strip()
    return int(value) if _INTEGER.fullmatch(value) else None


def _cell_number(text: str, column: str) -> tuple[str, Decimal] | str:
    """The trimmed cell and its exact number, or why it has none (empty, not a number): where both readers start."""
    value = text.strip()
    if not value:
        return f"{column} is empty"
    number = ascii_decimal(value)
    if number is None:
        return f"{column} {value!r} is not a number"
    return value, number


def whole_rating(text: str, column: str, low: int = 1, high: int = 10, source: str = "") -> float | str:
    """A whole-number rating within `low`–`high` (`8.0` is 8), or the reason it is not one."""
    parsed = _cell_number(text, column)
    if isinstance(parsed, str):
        return parsed
    value, number = parsed
    if number != number.to_integral_value():
        return f"{column} {value!r} is not a whole number ({source}{' ' if source else ''}ratings are {low}–{high})"
    if not low <= number <= high:
        return f"{column} {value!r} is outside {low}–{high}"
    return float(number)


def half_step_rating(text: str, column: str, low: Decimal, high: Decimal) -> float | str:
    """A rating within `low`–`high` in steps of 0.5 (`7.0`, `6.5`), or the reason it is not one."""
    parsed = _cell_number(text, column)
    if isinstance(parsed, str):
        return parsed
    value, number = parsed
    if number % _HALF or not low <= number <= high:
        return f"{column} {value!r} is not {low:g}–{high:g} in steps of 0.5"
    return float(number)
