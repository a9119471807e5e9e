"""JSON exports read one entry at a time, in bounded memory.

`json.load` on a 60 MB Trakt or Simkl export builds every entry as Python objects at once (≈10× the file); here only
the entry being read is held: the text is scanned in 64 KB chunks and each array element is decoded on its own with
`JSONDecoder.raw_decode`. An entry may be at most `MAX_ENTRY` characters and a file at most `limits.MAX_ROWS`
entries; nesting deep enough to exhaust the recursion limit is refused like any other malformed JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, Final, TextIO

from ..errors import SourceError
from .limits import MAX_ROWS, too_many_rows

MAX_ENTRY: Final = 1024 * 1024
_CHUNK: Final = 64 * 1024
_WHITESPACE: Final = " \t\r\n\ufeff"
_decode = json.JSONDecoder(parse_float=Decimal).raw_decode  # exact decimals: see numbers.py


class _Scanner:
    """A window on the text: `buf[pos:]` is what has not been consumed; `line` counts the consumed lines."""

    def __init__(self, text: TextIO, name: str) -> None:
        self.text, self.name = text, name
        self.buf, self.pos, self.eof, self.line = "", 0, False, 1

    def _fill(self) -> bool:
        if self.eof:
            return False
        chunk = self.text.read(_CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.line += self.buf.count("\n", 0, self.pos)
        self.buf, self.pos = self.buf[self.pos:] + chunk, 0
        return True

    def peek(self) -> str:
        """The next character that is not whitespace ("" at the end)."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def expect(self, chars: str, what: str) -> str:
        char = self.peek()
        if not char or char not in chars:
            raise self.error(f"expected {what}, found {char or 'the end of the file'!r}")
        self.pos += 1
        return char

    def value(self) -> Any:
        """Decode the next JSON value whole, reading more text until it is complete (up to MAX_ENTRY)."""
        self.peek()
        while True:
            try:
                value, end = _decode(self.buf, self.pos)
            except json.JSONDecodeError as err:
                # Cut by the end of the window (an open string, or a word or number at its very end): read on.
                cut = err.pos >= len(self.buf) - 16 or err.msg.startswith("Unterminated string")
                if cut and len(self.buf) - self.pos > MAX_ENTRY:
                    raise self.error(f"an entry is longer than {MAX_ENTRY // 1024:,} KB") from None
                if not cut or not self._fill():
                    self.pos = max(self.pos, min(err.pos, len(self.buf)))
                    raise self.error(f"is not valid JSON ({err.msg})") from None
                continue
            except RecursionError:
                raise self.error("is nested too deeply to be an export") from None
            if end == len(self.buf) and self._fill():
                continue  # a number cut by the chunk boundary: decode it again whole
            self.pos = end
            return value

    def error(self, problem: str) -> SourceError:
        line = self.line + self.buf.count("\n", 0, self.pos)
        return SourceError(f"{self.name}, line {line}: {problem}")


def _elements(scan: _Scanner) -> Iterator[Any]:
    """The elements of the array whose `[` is next."""
    scan.expect("[", "a JSON list")
    if scan.peek() == "]":
        scan.pos += 1
        return
    while True:
        yield scan.value()
        if scan.expect(",]", "',' or ']' between entries") == "]":
            return


def iter_array(text: TextIO, name: str) -> Iterator[Any]:
    """Each element of a top-level JSON array."""
    scan = _Scanner(text, name)
    for count, element in enumerate(_elements(scan), start=1):
        if count > MAX_ROWS:
            raise too_many_rows(name)
        yield element
    _end(scan)


def iter_object_arrays(text: TextIO, name: str) -> Iterator[tuple[str, Any]]:
    """`(key, element)` for each element of each array-valued key of a top-level JSON object; other values are
    decoded and dropped."""
    scan = _Scanner(text, name)
    scan.expect("{", "a JSON object")
    count = 0
    if scan.peek() == "}":
        scan.pos += 1
    else:
        while True:
            if scan.peek() != '"':
                raise scan.error("expected a quoted key")
            key = scan.value()
            scan.expect(":", "':' after a key")
            if scan.peek() == "[":
                for element in _elements(scan):
                    count += 1
                    if count > MAX_ROWS:
                        raise too_many_rows(name)
                    yield str(key), element
            else:
                scan.value()
            if scan.expect(",}", "',' or '}' between keys") == "}":
                break
    _end(scan)


def _end(scan: _Scanner) -> None:
    if scan.peek():
        raise scan.error("has more text after the end of the JSON data")
