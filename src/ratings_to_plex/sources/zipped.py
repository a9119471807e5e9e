"""Export zips, read in place without unpacking: Letterboxd's (its ratings.csv), Trakt's (its four ratings-*.json),
or any zip holding a single export file.

Every member is checked before it is decompressed (declared size and compression ratio, limits.check_member) and read
through a bounded stream, so a zip bomb costs a refusal, not minutes and gigabytes.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Final

from ..errors import SourceError
from .detect import SAMPLE_SIZE, choose_encoding, explain
from .entry import Document, Reader
from .limits import check_member
from .registry import EXPECTED, recognise_document, zip_choice

if TYPE_CHECKING:
    from .model import ReadResult

# What a damaged or exotic zip raises from zipfile (bad headers, bad data, encryption, unsupported compression).
_ZIP_ERRORS: Final = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError)
_IGNORED: Final = {"__macosx"}
TextReader = Callable[[Callable[[], IO[bytes]], bytes, str, Path, str], "ReadResult"]


def read_zip(file: Path, name: str, read_text: TextReader) -> ReadResult:
    """The ratings inside an export zip (see the module docstring); SourceError when there are none."""
    try:
        with zipfile.ZipFile(file) as archive:
            infos = {info.filename: info for info in archive.infolist() if not info.is_dir()
                     and not {p.casefold() for p in PurePosixPath(info.filename).parts[:-1]} & _IGNORED}
            reader, chosen = _choose(list(infos), name)
            for member in chosen:
                check_member(infos[member], f"{member} in {name}")
            if reader is None or reader.read_csv is not None:
                member = chosen[0]
                where = f"{member} in {name}"
                result = read_text(lambda: archive.open(member), _sample(archive, member, where), where, file, member)
            else:
                result = _read_documents(archive, reader, chosen, name, file, read_text)
    except _ZIP_ERRORS as err:
        raise SourceError(f"{name}: is not a readable zip file ({_reason(err)}); {EXPECTED}") from None
    own = reader is not None and result.format in {f.name for f in reader.formats}
    origin = f"the {reader.display} export " if reader is not None and own else ""
    shown = ", ".join(PurePosixPath(member).name for member in chosen)
    result.notes.insert(0, f"Read {shown} from {origin}{name}")
    return result


def _choose(members: list[str], name: str) -> tuple[Reader | None, list[str]]:
    try:
        reader, chosen = zip_choice(members, name)
    except SourceError:
        if len(members) == 1:  # a single export file, zipped by hand
            return None, members
        raise
    return reader, chosen


def _sample(archive: zipfile.ZipFile, member: str, where: str) -> bytes:
    with archive.open(member) as handle:
        sample = handle.read(SAMPLE_SIZE)
    if not sample:
        raise SourceError(f"{where}: is empty; {EXPECTED}")
    return sample


def _read_documents(archive: zipfile.ZipFile, reader: Reader, chosen: list[str], name: str, file: Path,
                    read_text: TextReader) -> ReadResult:
    """Several JSON members read as one source (Trakt's movies, shows, seasons and episodes)."""
    from . import _without_gc, open_text, result  # the package's own reading steps; it imports this module

    first = f"{chosen[0]} in {name}"
    sample = _sample(archive, chosen[0], first)
    encoding = choose_encoding(sample, first)
    text = sample.decode(encoding.codec, "replace")
    kind = recognise_document(text, first)
    if kind is None or reader_format_mismatch(reader, kind.format):
        raise SourceError(explain([], text.lstrip("\ufeff \t\r\n").split("\n", 1)[0], first, 1))

    def documents() -> Iterator[Document]:
        for member in chosen:
            where = f"{member} in {name}"
            member_encoding = choose_encoding(_sample(archive, member, where), where)
            with open_text(lambda m=member: archive.open(m), member_encoding, where) as stream:  # type: ignore[misc]
                yield Document(where, PurePosixPath(member).name, stream)

    assert reader.read_documents is not None
    read = reader.read_documents
    parsed = _without_gc(lambda: read(documents(), kind))
    return result(kind, parsed, file, encoding, name, [])


def reader_format_mismatch(reader: Reader, format_name: str) -> bool:
    return format_name not in {f.name for f in reader.formats}


def _reason(err: BaseException) -> str:
    return getattr(err, "strerror", None) or str(err) or type(err).__name__
