"""A CSV export as a header plus a stream of `(line, fields, text)`, whatever its delimiter, padding or line ends.

Rows stream from `csv.reader` over the decoded text so a large export is never held twice; the physical line of each
row's start comes from the reader's line count, which differs from the row index once a quoted field spans lines.
A row's raw mapping keeps the row's text, not its fields, and parses it only when asked: one string per row instead
of one per field (half the memory of a 100,000-row read, and faster, since fewer objects stay alive).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Final, TextIO

from ..errors import SourceError
from .detect import explain, fold_header, list_export_error
from .entry import Kind
from .limits import MAX_LINE, MAX_ROWS, too_long_line, too_many_rows

#: `(folded header names, file name)` → the Kind, None when no reader knows the header (registry.recognise_csv).
Recogniser = Callable[[frozenset[str], str], "Kind | None"]

#: Letterboxd review text can be long; a field beyond this is damage, not a review.
FIELD_LIMIT: Final = 16 * 1024 * 1024
csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))

_HEADER_LIMIT: Final = 1024 * 1024
_SEP_HINT: Final = re.compile(r'"?sep=(.)"?,*', re.IGNORECASE)  # Excel's "sep=;" first line
_DELIMITERS: Final = (",", ";", "\t")
_DELIMITER_NAMES: Final = {";": "semicolon", "\t": "tab", "|": "pipe"}


class Layout:
    """What every RawRow of one file shares: column name → position, the width, the delimiter."""

    __slots__ = ("delimiter", "index", "spaced", "width")

    def __init__(self, index: dict[str, int], width: int, delimiter: str, spaced: bool = False) -> None:
        self.index, self.width, self.delimiter, self.spaced = index, width, delimiter, spaced


class RawRow(Mapping[str, str]):
    """The row as header → value (missing fields empty, extra ones dropped), parsed from its text on first use."""

    __slots__ = ("_layout", "_text", "_values")

    def __init__(self, layout: Layout, text: str) -> None:
        self._layout = layout
        self._text = text
        self._values: list[str] | None = None

    def _fields(self) -> list[str]:
        if self._values is None:
            layout = self._layout
            try:
                values = next(csv.reader(io.StringIO(self._text, newline=""), delimiter=layout.delimiter,
                                         skipinitialspace=layout.spaced), [])
            except csv.Error:  # it parsed once while reading; this is only a safety net
                values = []
            self._values = values[: layout.width] + [""] * (layout.width - len(values))
        return self._values

    def __getitem__(self, key: str) -> str:
        return self._fields()[self._layout.index[key]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._layout.index)

    def __len__(self) -> int:
        return len(self._layout.index)

    def __repr__(self) -> str:
        return repr(dict(self))


class Table:
    """An opened export: `columns` (header in order), `kind`, and `rows()` yielding `(line, fields, text)`.

    Every yielded `fields` has exactly one entry per column plus a trailing `""`, so a missing column can be read at
    index `len(columns)` (what `column()` returns for it) without a branch per row; `text` is the row as written
    (all its physical lines), for `raw(text)`.
    """

    def __init__(self, text: TextIO, name: str, recognise: Recogniser) -> None:
        self.name = name
        line, line_no = _first_line(text, name, 0)
        hint = _SEP_HINT.fullmatch(line.strip())
        if hint:
            line, line_no = _first_line(text, name, line_no)
        if line.lstrip("\ufeff").startswith("Letterboxd list export"):
            raise list_export_error(name)
        self.header_line = line_no
        self.delimiter, self.columns, self.kind = _recognise(line, hint[1] if hint else None, name, line_no,
                                                              recognise)
        # Criticker writes ", " between fields: a quoted field then starts after the space, which csv must skip.
        self.spaced = len(self.columns) > 1 and line.count(f"{self.delimiter} ") >= len(self.columns) - 1
        self.index: dict[str, int] = {}
        raw_index: dict[str, int] = {}
        for pos, column in enumerate(self.columns):
            self.index.setdefault(fold_header(column), pos)
            raw_index.setdefault(column, pos)
        self.layout = Layout(raw_index, len(self.columns), self.delimiter, self.spaced)
        self.short_rows: list[int] = []
        self.long_rows: list[int] = []
        self._text = text

    def column(self, *names: str) -> int:
        """Position of the first of `names` (folded) present in the header, else the always-empty padding slot."""
        return next((self.index[n] for n in names if n in self.index), len(self.columns))

    @property
    def raw(self) -> Callable[[str], RawRow]:
        """`raw(text)` → the row's RawRow (a partial, so the hot loops pay one call, not two)."""
        return partial(RawRow, self.layout)

    def rows(self) -> Iterator[tuple[int, list[str], str]]:
        """`(line, fields, text)` per data row; blank rows (a spreadsheet's trailing `;;;;`) are skipped, short rows
        padded, extra fields beyond the header dropped (both counted for `notes()`)."""
        taken: list[str] = []
        offset, width, prev = self.header_line, len(self.columns), 0
        reader = csv.reader(_taking(self._text, taken, self.name, offset), delimiter=self.delimiter,
                            skipinitialspace=self.spaced)
        count = 0
        short, long_ = self.short_rows, self.long_rows
        try:
            for fields in reader:
                line = offset + prev + 1
                prev = reader.line_num
                text = taken[0] if len(taken) == 1 else "".join(taken)
                taken.clear()
                first = fields[0] if fields else ""
                if (not first or first.isspace()) and not "".join(fields).strip():
                    continue
                count += 1
                if count > MAX_ROWS:
                    raise too_many_rows(self.name)
                n = len(fields)
                if n != width:
                    if n < width:
                        fields.extend([""] * (width - n))
                        short.append(line)
                    else:
                        del fields[width:]
                        long_.append(line)
                fields.append("")
                yield line, fields, text
        except csv.Error as err:
            raise SourceError(_csv_error(self.name, offset + reader.line_num, err)) from None

    def notes(self) -> list[str]:
        """What a person should know about how the rows were read (delimiter, ragged rows)."""
        notes = []
        if self.delimiter != ",":
            notes.append(f"{self.name} is {_DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))}-separated "
                         "(re-saved by a spreadsheet?); read it as such")
        if self.short_rows:
            notes.append(f"{len(self.short_rows)} row(s) have fewer fields than the header (first on line "
                         f"{self.short_rows[0]}); the missing fields were read as empty")
        if self.long_rows:
            notes.append(f"{len(self.long_rows)} row(s) have more fields than the header (first on line "
                         f"{self.long_rows[0]}); the extra fields were ignored")
        return notes


def _taking(text: TextIO, taken: list[str], name: str, offset: int) -> Iterator[str]:
    """The stream's lines, each also put in `taken`, so a row's own text is known once csv has parsed it. Lines are
    read with a bound: a file of one endless line is refused at `MAX_LINE`, not held in memory."""
    readline, number = text.readline, offset
    while True:
        line = readline(MAX_LINE)
        if not line:
            return
        number += 1
        if len(line) >= MAX_LINE and not line.endswith(("\n", "\r")):
            raise too_long_line(name, number)
        taken.append(line)
        yield line


def _first_line(text: TextIO, name: str, line_no: int) -> tuple[str, int]:
    """The next non-blank line (and its number): the header, or Excel's `sep=` hint before it."""
    while True:
        line = text.readline(_HEADER_LIMIT)
        if not line:
            raise SourceError(f"{name}: is empty" if line_no == 0 else
                              f"{name}, line {line_no}: ends before any header; the file holds only blank lines")
        line_no += 1
        if len(line) >= _HEADER_LIMIT and not line.endswith(("\n", "\r")):
            raise SourceError(f"{name}, line {line_no}: the first line is longer than 1 MB; this does not look like "
                              "a ratings export")
        if line.strip(" \t\r\n\ufeff,;"):
            return line, line_no


def _recognise(line: str, hinted: str | None, name: str, line_no: int,
               recognise: Recogniser) -> tuple[str, list[str], Kind]:
    """Try each delimiter on the header line; the one that yields a known header wins."""
    widest: list[str] = []
    for delimiter in (hinted,) if hinted else _DELIMITERS:
        try:
            parsed = next(csv.reader([line], delimiter=delimiter), [])
        except csv.Error as err:
            raise SourceError(_csv_error(name, line_no, err)) from None
        columns = [c.replace("\ufeff", "").strip() for c in parsed]
        kind = recognise(frozenset(fold_header(c) for c in columns), name)
        if kind is not None:
            return delimiter, columns, kind
        if len(columns) > len(widest):
            widest = columns
    raise SourceError(explain(widest, line, name, line_no))


def _csv_error(name: str, line: int, err: csv.Error) -> str:
    text = str(err)
    if "NUL" in text:
        return f"{name}, line {line}: contains a NUL byte; this does not look like a text CSV"
    if "field limit" in text:
        return (f"{name}, line {line}: a field is longer than {FIELD_LIMIT // (1024 * 1024)} MB (an unclosed quote?); "
                "this does not look like a ratings export")
    return f"{name}, line {line}: cannot be read as CSV ({text})"
