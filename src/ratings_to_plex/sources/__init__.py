"""Reading rating exports: `read_ratings(path)` turns any supported export into RatingRows and Problems.

Which reader reads a file is decided by its content (registry.py lists the readers): a zip by its member names, a
JSON or XML document by its first 64 KB, a CSV by its header. Rows stream through bounded readers (limits.py), and
anything unusable raises SourceError with a one-line message.
"""

from __future__ import annotations

import gc
import io
import os
import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import IO, Final, TypeVar

from ..errors import SourceError
from .detect import CP1252, SAMPLE_SIZE, Encoding, choose_encoding, explain
from .entry import Document, Format, Kind, Parsed
from .limits import BoundedReader, check_size
from .model import Problem, RatingRow, ReadResult
from .registry import (
    EXPECTED,
    FORMATS,
    READERS,
    Forced,
    format_info,
    original_score,
    reader_of,
    recognise_csv,
    recognise_document,
)
from .table import Table
from .zipped import read_zip

__all__ = ["FORMATS", "READERS", "Format", "Problem", "RatingRow", "ReadResult", "format_info", "original_score",
           "read_ratings"]

Opener = Callable[[], IO[bytes]]
T = TypeVar("T")
_DOCUMENT_START: Final = ("{", "[", "<")
_WHERE: Final = re.compile(r"(.*?, line \d+): ")


def read_ratings(path: str | os.PathLike[str], format: str | None = None) -> ReadResult:
    """Read any supported export (IMDb, Letterboxd export CSV or zip, Letterboxd import CSV, TMDb, Trakt JSON or zip,
    Simkl JSON or CSV, Criticker CSV or XML). Rows that cannot be used are `problems`, not errors; a file that cannot
    be used raises SourceError.

    `format` (a name in FORMATS) overrides detection for when it guesses wrong: only that format's reader is asked,
    and a file it does not accept is refused in one line naming the file, the line and the chosen format."""
    if format is None:
        return _read(Path(path), None)
    forced = Forced(format)
    try:
        result = _read(Path(path), forced)
    except SourceError as err:
        where = _WHERE.match(str(err))
        if forced.matched or where is None:
            raise
        raise forced.refusal(where[1]) from None
    if result.format != format:  # a zip whose members another reader claims (e.g. Trakt's JSON files)
        raise forced.refusal(f"{Path(path).name}, line 1")
    return result


def _read(file: Path, forced: Forced | None) -> ReadResult:
    name = file.name or str(file)
    if file.is_dir():
        raise SourceError(f"{file}: is a folder; choose the export file (or the export .zip) inside it")
    try:
        with file.open("rb") as handle:
            sample = handle.read(SAMPLE_SIZE)
        size = file.stat().st_size
    except FileNotFoundError:
        raise SourceError(f"{file}: no such file; {EXPECTED}") from None
    except PermissionError:
        raise SourceError(f"{file}: permission denied; this account cannot read it") from None
    except (OSError, ValueError) as err:
        raise SourceError(f"{file}: cannot be read ({_reason(err)})") from None
    if not sample:
        raise SourceError(f"{name}: is empty; {EXPECTED}")
    if sample.startswith((b"PK\x03\x04", b"PK\x05\x06")) or file.suffix.casefold() == ".zip":
        return read_zip(file, name, partial(read_text, forced=forced))
    check_size(name, size)
    try:
        return read_text(lambda: file.open("rb"), sample, name, file, file.name, forced=forced)
    except OSError as err:
        raise SourceError(f"{name}: cannot be read ({_reason(err)})") from None


def read_text(opener: Opener, sample: bytes, name: str, file: Path, member: str, *,
              forced: Forced | None = None) -> ReadResult:
    """One text file (or zip member): a JSON/XML document or a CSV, by its first character; `forced`: only the
    reader of a format chosen by hand."""
    encoding = choose_encoding(sample, name)
    text = sample.decode(encoding.codec, "replace")
    if text.lstrip("\ufeff \t\r\n").startswith(_DOCUMENT_START):
        kind = (forced.document if forced else recognise_document)(text, name)
        if kind is None:
            raise SourceError(explain([], text.lstrip("\ufeff \t\r\n").split("\n", 1)[0], name, 1))
        with open_text(opener, encoding, name) as stream:
            parsed = _without_gc(lambda: _read_documents(kind, Document(name, member, stream)))
        return result(kind, parsed, file, encoding, name, [])
    try:
        return _without_gc(lambda: _read_csv(opener, encoding, name, file, forced))
    except UnicodeDecodeError:
        if encoding.fallback is None:  # only strict encodings have one; the others replace bad bytes
            raise
        return _without_gc(lambda: _read_csv(opener, encoding.fallback or CP1252, name, file, forced))


def _read_documents(kind: Kind, document: Document) -> Parsed:
    read = reader_of(kind.format).read_documents
    assert read is not None, kind.format  # registry: a reader that recognises documents reads them
    return read(iter([document]), kind)


def open_text(opener: Opener, encoding: Encoding, name: str) -> io.TextIOWrapper:
    """The bytes decoded, through a reader that refuses more than limits.MAX_BYTES."""
    binary = io.BufferedReader(BoundedReader(opener(), name))
    try:
        return io.TextIOWrapper(binary, encoding=encoding.codec, errors=encoding.errors, newline="")
    except LookupError:  # a codec name charset-normalizer knows and this Python does not
        return io.TextIOWrapper(binary, encoding=CP1252.codec, errors=CP1252.errors, newline="")


def _without_gc(read: Callable[[], T]) -> T:
    # Reading creates ~3 objects per field and no reference cycles; the cyclic collector would otherwise walk the
    # growing row list again and again (it more than doubles the time of a 100,000-row read).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return read()
    finally:
        if collecting:
            gc.enable()


def _read_csv(opener: Opener, encoding: Encoding, name: str, file: Path, forced: Forced | None) -> ReadResult:
    with open_text(opener, encoding, name) as text:
        table = Table(text, name, forced.csv if forced else recognise_csv)
        read = reader_of(table.kind.format).read_csv
        assert read is not None, table.kind.format  # registry: a reader that recognises CSV headers reads them
        parsed = read(table, table.kind)
    return result(table.kind, parsed, file, encoding, name, table.columns)


def result(kind: Kind, parsed: Parsed, file: Path, encoding: Encoding, name: str, columns: list[str]) -> ReadResult:
    notes = [*kind.notes, *parsed.notes]
    if not encoding.label.startswith("UTF-8"):
        notes.insert(0, f"{name} is {encoding.label} text, not UTF-8; read it as such")
    return ReadResult(kind.format, parsed.rows, parsed.problems.kept, file, parsed.columns or columns,
                      kind.description, notes, dict(parsed.problems.omitted))


def _reason(err: BaseException) -> str:
    return getattr(err, "strerror", None) or str(err) or type(err).__name__
