"""Helpers for the journal, undo, resume, kill, fault and security tests (no tests here).

Exports are generated from the emulator's own library, so every expected final rating is known up front.
"""

from __future__ import annotations

import csv
import os
import random
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from ratings_to_plex.emulator import Emulator

FAKE_TOKEN = "FAKE-TOKEN-for-tests-1234567890"
IMDB_HEADER = ["Const", "Your Rating", "Date Rated", "Title", "Original Title", "URL", "Title Type", "IMDb Rating",
               "Runtime (mins)", "Year", "Genres", "Num Votes", "Release Date", "Directors"]


def imdb_row(imdb_id: str, rating: float | str, title: str, year: int | None, title_type: str = "Movie") -> list[str]:
    return [imdb_id, str(rating), "2024-01-02", title, title, f"https://www.imdb.com/title/{imdb_id}", title_type,
            "7.0", "100", str(year or ""), "Drama", "1000", "", ""]


def write_imdb_csv(path: Path, rows: Iterable[Sequence[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(IMDB_HEADER)
        writer.writerows(rows)
    return path


def csv_from_library(emu: Emulator, path: Path, count: int, *, seed: int = 0) -> dict[int, float]:
    """An IMDb export rating `count` movies of the emulator (each to a value it does not have yet).

    Returns the rating every matched item must end with, by ratingKey (items sharing an IMDb id all get it).
    """
    rng = random.Random(seed)
    by_id: dict[str, list[int]] = {}
    for item in emu.library.items.values():
        if item.type == "movie" and item.imdb_id:
            by_id.setdefault(item.imdb_id, []).append(item.rating_key)
    chosen = rng.sample(sorted(by_id), count)
    expected: dict[int, float] = {}
    rows = []
    for imdb_id in chosen:
        keys = by_id[imdb_id]
        current = {emu.library.items[k].user_rating for k in keys}
        rating = rng.choice([float(r) for r in range(1, 11) if float(r) not in current])
        first = emu.library.items[keys[0]]
        rows.append(imdb_row(imdb_id, int(rating), first.title, first.year))
        expected.update(dict.fromkeys(keys, rating))
    write_imdb_csv(path, rows)
    return expected


def user_state(emu: Emulator) -> dict[int, tuple[float | None, int]]:
    """Every item's rating (None = unrated) and view count: what undo must restore exactly."""
    return {k: (s.user_rating, s.view_count) for k, s in emu.state().items()}


def cli_env(**extra: str) -> dict[str, str]:
    """The test's environment (its isolated config/data/report folders) for a CLI subprocess."""
    env = dict(os.environ)
    env.pop("PLEX_TOKEN", None)
    env.update(extra)
    return env


def cli(args: Sequence[str], *, env: dict[str, str] | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m ratings_to_plex ARGS` in a subprocess, as a user would run it."""
    return subprocess.run([sys.executable, "-m", "ratings_to_plex", *args], env=env or cli_env(),
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def spawn(args: Sequence[str], output: Path, *, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start the CLI in the background; stdout goes to `output`, stderr to `output` + ".err" (files, not pipes: a
    long run fills a pipe nobody reads and blocks)."""
    with output.open("wb") as out, output.with_name(output.name + ".err").open("wb") as err:
        return subprocess.Popen([sys.executable, "-m", "ratings_to_plex", *args], env=env or cli_env(), stdout=out,
                                stderr=err, stdin=subprocess.DEVNULL)
