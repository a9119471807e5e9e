"""Bounds that keep a hostile file from costing more than seconds and a few hundred MB (issue 17, item 5).

Real exports are small: a 100,000-rating IMDb export is 16 MB and 100,000 rows. So a file (or a zip member) may hold
at most `MAX_BYTES`, `MAX_ROWS` entries and lines of `MAX_LINE` characters; a zip member may not expand more than
`MAX_RATIO` times; and only the first `MAX_PROBLEMS` unusable rows are kept (the rest are counted). Each bound, when
hit, is a one-line SourceError naming the file — never a MemoryError minutes later.
"""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import IO, Final

from ..errors import SourceError
from .model import Problem

MAX_BYTES: Final = 64 * 1024 * 1024
MAX_ROWS: Final = 250_000
MAX_LINE: Final = 4 * 1024 * 1024
MAX_PROBLEMS: Final = 10_000
#: Text compresses 3–10×; deflate cannot exceed ~1,030×, so a member past this ratio is built to explode.
MAX_RATIO: Final = 100
_RATIO_FLOOR: Final = 1024 * 1024  # members smaller than this may compress as well as they like


def too_big(name: str, what: str) -> SourceError:
    return SourceError(f"{name}: {what}; rating exports are far smaller, so this is not one (or it is damaged)")


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MB" if size >= 1024 * 1024 else f"{size / 1024:,.0f} KB"


def check_size(name: str, size: int) -> None:
    """Refuse before reading anything when the size is known to exceed `MAX_BYTES`."""
    if size > MAX_BYTES:
        raise too_big(name, f"is {megabytes(size)} (at most {megabytes(MAX_BYTES)} is read)")


def check_member(info: zipfile.ZipInfo, name: str) -> None:
    """A zip member's declared size and ratio, checked before it is decompressed (zipfile never reads past the
    declared size, and a lie about it fails the CRC check at the end)."""
    check_size(name, info.file_size)
    if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise SourceError(f"{name}: expands {info.file_size // max(info.compress_size, 1):,} times "
                          f"({megabytes(info.compress_size)} → {megabytes(info.file_size)}); that is a zip bomb, "
                          "not an export")


class BoundedReader(io.RawIOBase):
    """A binary stream that raises SourceError once more than `MAX_BYTES` have been read through it."""

    def __init__(self, raw: IO[bytes], name: str) -> None:
        super().__init__()
        self._raw, self._name, self._read = raw, name, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        self._read += len(data)
        if self._read > MAX_BYTES:
            raise too_big(self._name, f"holds more than {megabytes(MAX_BYTES)}")
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


def too_many_rows(name: str) -> SourceError:
    return too_big(name, f"has more than {MAX_ROWS:,} rows")


def too_long_line(name: str, line: int) -> SourceError:
    return SourceError(f"{name}, line {line}: is longer than {megabytes(MAX_LINE)}; this is not a rating export "
                       "(or it is damaged)")


class Problems:
    """Collects problem rows: the first `MAX_PROBLEMS` in full, the rest as counts per label."""

    __slots__ = ("kept", "omitted")

    def __init__(self) -> None:
        self.kept: list[Problem] = []
        self.omitted: Counter[str] = Counter()

    def add(self, line: int, label: str, reason: str, raw: Mapping[str, str]) -> None:
        if len(self.kept) < MAX_PROBLEMS:
            self.kept.append(Problem(line, label, reason, raw))
        else:
            self.omitted[label] += 1

    def extend(self, other: Problems) -> None:
        for problem in other.kept:
            self.add(problem.line, problem.label, problem.reason, problem.raw)
        self.omitted.update(other.omitted)

    def note(self) -> list[str]:
        total = sum(self.omitted.values())
        return [f"{total:,} more unusable row(s) were counted but not listed (only the first {MAX_PROBLEMS:,} are "
                "kept for the report)"] if total else []


class Record(Mapping[str, str]):
    """A JSON or XML entry flattened to the reader's columns: one tuple per row, the column index shared."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: Mapping[str, int], values: tuple[str, ...]) -> None:
        self._index, self._values = index, values

    def __getitem__(self, key: str) -> str:
        return self._values[self._index[key]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return repr(dict(self))
