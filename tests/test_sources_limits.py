"""Hostile files (issue 17, item 5): each bound is a one-line refusal naming the file, in seconds, in little memory.

The files are generated here, streamed to disk: a ~40 KB zip that expands to 20 million rows, 200 MB of `x` lines,
an endless line, too many rows, too many bad rows, and JSON built to exhaust the reader. Memory is asserted loosely
with tracemalloc (Python allocations at peak), time not at all beyond pytest's timeout.
"""

from __future__ import annotations

import re
import resource
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ratings_to_plex import SourceError, read_ratings
from ratings_to_plex.sources import limits
from ratings_to_plex.sources.model import MISSING_IMDB_ID

HEADER = b"Const,Your Rating,Date Rated,Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes," \
         b"Release Date,Directors\n"
MB = 1024 * 1024


@contextmanager
def bounded(megabytes: int, seconds: float) -> Iterator[None]:
    """Fail when the block's Python allocations peak above `megabytes` or it takes more than `seconds`."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        yield
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    elapsed = time.perf_counter() - start
    assert peak < megabytes * MB, f"peak {peak / MB:.0f} MB"
    assert elapsed < seconds, f"{elapsed:.1f} s"


@contextmanager
def bounded_rss(megabytes: int, seconds: float) -> Iterator[None]:
    """Like `bounded`, by the growth of the process's peak RSS: cheaper than tracemalloc for 250,000-row reads."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    assert grown < megabytes * MB, f"peak RSS grew {grown / MB:.0f} MB"
    assert elapsed < seconds, f"{elapsed:.1f} s"


def refused(path: Path, megabytes: int = 40, seconds: float = 20.0, *, rss: bool = False) -> str:
    with (bounded_rss if rss else bounded)(megabytes, seconds), pytest.raises(SourceError) as err:
        read_ratings(path)
    message = str(err.value)
    assert "\n" not in message and path.name in message
    return message


def write_lines(path: Path, head: bytes, line: bytes, count: int) -> Path:
    with path.open("wb") as out:
        out.write(head)
        chunk = line * 100_000
        for _ in range(count // 100_000):
            out.write(chunk)
        out.write(line * (count % 100_000))
    return path


def zipped(path: Path, member: str, write: Callable[[zipfile.ZipExtFile], None]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive, \
            archive.open(member, "w", force_zip64=True) as handle:
        write(handle)  # type: ignore[arg-type]
    return path


def test_zip_bomb_of_20_million_rows(tmp_path: Path) -> None:
    def rows(handle: zipfile.ZipExtFile) -> None:
        handle.write(HEADER)
        for _ in range(20):
            handle.write(b"x\n" * 1_000_000)

    bomb = zipped(tmp_path / "export.zip", "ratings.csv", rows)
    assert bomb.stat().st_size < 60_000
    assert re.fullmatch(r"ratings\.csv in export\.zip: expands 1,0\d\d times \(3\d KB → 38 MB\); that is a zip "
                        r"bomb, not an export", refused(bomb))


def test_zip_member_too_large_by_its_declared_size() -> None:
    info = zipfile.ZipInfo("ratings.csv")
    info.file_size, info.compress_size = 65 * MB, 20 * MB
    with pytest.raises(SourceError, match=r"^ratings.csv in a.zip: is 65 MB \(at most 64 MB is read\)"):
        limits.check_member(info, "ratings.csv in a.zip")
    info.file_size, info.compress_size = 900 * 1024, 1024  # small members may compress as well as they like
    limits.check_member(info, "ratings.csv in a.zip")


def test_200_mb_of_x_lines(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "ratings.csv", HEADER, b"x\n", 100_000_000)
    assert refused(path, seconds=2) == ("ratings.csv: is 191 MB (at most 64 MB is read); rating exports are far "
                                        "smaller, so this is not one (or it is damaged)")


def test_stream_bound_when_the_size_is_not_known(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that grows while read (or lies about its size) is still cut at MAX_BYTES as it is read."""
    monkeypatch.setattr(limits, "MAX_BYTES", 2 * MB)
    path = write_lines(tmp_path / "ratings.csv", HEADER, b"tt0111161,8,2020-01-01,A,u,movie,1,1,1994,,1,,\n", 60_000)
    monkeypatch.setattr(limits, "check_size", lambda _name, _size: None)
    monkeypatch.setattr("ratings_to_plex.sources.check_size", lambda _name, _size: None)
    assert refused(path).startswith("ratings.csv: holds more than 2 MB")


def test_too_many_rows(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "ratings.csv", HEADER, b"x\n", limits.MAX_ROWS + 1)
    assert refused(path, 150, rss=True) == ("ratings.csv: has more than 250,000 rows; rating exports are far "
                                            "smaller, so this is not one (or it is damaged)")


def test_problem_rows_past_the_limit_are_counted_not_kept(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "ratings.csv", HEADER, b"x\n", 100_000)
    with bounded(40, 20.0):
        result = read_ratings(path)
    assert (len(result.rows), len(result.problems)) == (0, limits.MAX_PROBLEMS)
    assert result.omitted_problems == {MISSING_IMDB_ID: 90_000}
    assert result.problem_counts() == {MISSING_IMDB_ID: 100_000}
    assert result.notes[-1] == ("90,000 more unusable row(s) were counted but not listed (only the first 10,000 are "
                                "kept for the report)")


def test_endless_line(tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv"
    path.write_bytes(HEADER + b"tt0111161,8,2020-01-01," + b"y" * (5 * MB))
    assert refused(path) == "ratings.csv, line 2: is longer than 4 MB; this is not a rating export (or it is damaged)"


@pytest.mark.parametrize(("text", "problem"), [
    ('[{"rated_at": "x", "rating": 8, "type": "movie", "movie": {"title": "' + "t" * (1100 * 1024) + '"}}]',
     "line 1: an entry is longer than 1,024 KB"),
    ('[{"rated_at": "x", "rating": 8}, ' + "[" * 200_000 + "]" * 200_000 + "]", "is nested too deeply"),
    ('[{"rated_at": "x", "rating": 8}, {"a": 1} {"b": 2}]', "line 1: expected ',' or ']' between entries"),
    ('[{"rated_at": "x", "rating": 8},\n{"a": tru}]', "line 2: is not valid JSON (Expecting value)"),
    ('[{"rated_at": "x", "rating": 8}', "line 1: expected ',' or ']' between entries, found 'the end of the file'"),
    ('{"movies": [{"user_rating": 8}], "shows": 5 6}', "expected ',' or '}' between keys"),
])
def test_hostile_json(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "ratings-movies.json"
    path.write_text(text)
    message = refused(path)
    assert message.startswith("ratings-movies.json") and problem in message


def test_json_with_too_many_entries(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "ratings-movies.json", b'[{"rated_at": "x", "rating": 8}', b",1",
                       limits.MAX_ROWS)
    with path.open("ab") as out:
        out.write(b"]")
    assert refused(path, 150, rss=True).startswith("ratings-movies.json: has more than 250,000 rows")
