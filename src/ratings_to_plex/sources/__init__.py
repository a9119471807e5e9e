"""Reading rating exports: `read_ratings(path)` turns any IMDb or Letterboxd export into RatingRows and Problems.

The file's kind comes from its header (detect.py), its rows stream through one csv.reader (table.py), and each source
has its own row rules (imdb.py, letterboxd.py). Anything unusable raises SourceError with a one-line message.
"""

from __future__ import annotations

import gc
import io
import os
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import IO, Final

from ..errors import SourceError
from .detect import CP1252, SAMPLE_SIZE, Encoding, choose_encoding
from .imdb import read_imdb
from .letterboxd import ratings_member, read_letterboxd
from .model import Problem, RatingRow, ReadResult
from .table import Table

__all__ = ["Problem", "RatingRow", "ReadResult", "read_ratings"]

_ZIP_MAGIC: Final = (b"PK\x03\x04", b"PK\x05\x06")
# What a damaged or exotic zip raises from zipfile (bad headers, bad data, encryption, unsupported compression).
_ZIP_ERRORS: Final = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError)
_EXPECTED: Final = "expected an IMDb ratings CSV or a Letterboxd export"


def read_ratings(path: str | os.PathLike[str]) -> ReadResult:
    """Read an IMDb "Your Ratings" CSV, a Letterboxd CSV (ratings, diary, reviews, watched) or a Letterboxd export
    `.zip` (its ratings.csv). Rows that cannot be used are `problems`, not errors; a file that cannot be used raises
    SourceError."""
    file = Path(path)
    name = file.name or str(file)
    if file.is_dir():
        raise SourceError(f"{file}: is a folder; choose the export CSV (or the Letterboxd .zip) inside it")
    try:
        with file.open("rb") as handle:
            sample = handle.read(SAMPLE_SIZE)
    except FileNotFoundError:
        raise SourceError(f"{file}: no such file; {_EXPECTED}") from None
    except PermissionError:
        raise SourceError(f"{file}: permission denied; this account cannot read it") from None
    except (OSError, ValueError) as err:
        raise SourceError(f"{file}: cannot be read ({_reason(err)})") from None
    if not sample:
        raise SourceError(f"{name}: is empty; {_EXPECTED}")
    if sample.startswith(_ZIP_MAGIC) or file.suffix.casefold() == ".zip":
        return _read_zip(file, name)
    try:
        return _read_csv(lambda: file.open("rb"), sample, name, file)
    except OSError as err:
        raise SourceError(f"{name}: cannot be read ({_reason(err)})") from None


def _read_zip(file: Path, name: str) -> ReadResult:
    """A Letterboxd export zip: read its ratings.csv in place, without unpacking it."""
    try:
        with zipfile.ZipFile(file) as archive:
            member = ratings_member(archive, name)
            with archive.open(member) as handle:
                sample = handle.read(SAMPLE_SIZE)
            if not sample:
                raise SourceError(f"{member} in {name}: is empty; {_EXPECTED}")
            result = _read_csv(lambda: archive.open(member), sample, f"{member} in {name}", file)
    except _ZIP_ERRORS as err:
        raise SourceError(f"{name}: is not a readable zip file ({_reason(err)}); {_EXPECTED}") from None
    origin = "the Letterboxd export " if result.source == "letterboxd" else ""
    result.notes.insert(0, f"Read {PurePosixPath(member).name} from {origin}{name}")
    return result


def _read_csv(opener: Callable[[], IO[bytes]], sample: bytes, name: str, file: Path) -> ReadResult:
    encoding = choose_encoding(sample, name)
    try:
        return _parse(opener, encoding, name, file)
    except UnicodeDecodeError:
        if encoding.fallback is None:  # only strict encodings have one; the others replace bad bytes
            raise
        return _parse(opener, encoding.fallback, name, file)


def _parse(opener: Callable[[], IO[bytes]], encoding: Encoding, name: str, file: Path) -> ReadResult:
    # Reading creates ~3 objects per field and no reference cycles; the cyclic collector would otherwise walk the
    # growing row list again and again (it more than doubles the time of a 100,000-row read).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _parse_text(opener, encoding, name, file)
    finally:
        if collecting:
            gc.enable()


def _parse_text(opener: Callable[[], IO[bytes]], encoding: Encoding, name: str, file: Path) -> ReadResult:
    binary = opener()
    try:
        text = io.TextIOWrapper(binary, encoding=encoding.codec, errors=encoding.errors, newline="")
    except LookupError:  # a codec name charset-normalizer knows and this Python does not
        binary.close()
        return _parse(opener, CP1252, name, file)
    with text:
        table = Table(text, name)
        if table.kind.format == "imdb_ratings":
            rows, problems, notes = read_imdb(table)
        else:
            rows, problems, notes = read_letterboxd(table)
    if not encoding.label.startswith("UTF-8"):
        notes.insert(0, f"{name} is {encoding.label} text, not UTF-8; read it as such")
    return ReadResult(table.kind.format, rows, problems, file, table.columns, table.kind.description,
                      [*table.kind.notes, *notes])


def _reason(err: BaseException) -> str:
    return getattr(err, "strerror", None) or str(err) or type(err).__name__
