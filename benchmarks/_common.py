"""Shared pieces of the sync benchmark: workload sizes, the export files, and the emulator launcher.

The emulator runs in its own process (`python benchmarks/_common.py serve '<json>'`) so that the server and the client
never share a GIL or a heap: the client's wall time and peak RSS are the client's alone. The launcher generates the
library, sets Plex's current ratings for the rows the exports will carry (70 % equal to the export, 30 % different),
writes the exports, prints `URL:`/`TOKEN:` and serves until its stdin closes. Two launchers with the same sizes build
exactly the same library, state and files (everything is seeded), which is how the naive run gets a fresh copy.
"""

from __future__ import annotations

import csv
import json
import math
import random
import subprocess
import sys
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# The IMDb export header of 2017–2024 (FORMATS.md).
IMDB_HEADER = ("Const", "Your Rating", "Date Rated", "Title", "URL", "Title Type", "IMDb Rating", "Runtime (mins)",
               "Year", "Genres", "Num Votes", "Release Date", "Directors")
_IMDB_TYPES = {"movie": "movie", "show": "tvSeries", "episode": "tvEpisode"}
_GENRES = ("Drama", "Comedy", "Crime, Drama", "Action, Adventure, Sci-Fi", "Documentary", "Horror, Thriller")
_NOW = 1_735_689_600


@dataclass(frozen=True)
class Sizes:
    """One benchmark configuration: the library, the two export files and the server's latency."""

    movies: int
    shows: int
    episodes_per_show: int
    w1: tuple[int, int, int]  # rows of movies, series, episodes in the big export (W1, W2)
    w3: tuple[int, int, int]  # rows of the small export (W3)
    latency_ms: float
    changed: float = 0.30  # share of rows whose rating differs from Plex's current one
    seed: int = 1

    @property
    def listed(self) -> int:
        """Elements a full scan lists: movies, shows and episodes (seasons are never listed)."""
        return self.movies + self.shows + self.shows * self.episodes_per_show


FULL = Sizes(movies=50_000, shows=5_000, episodes_per_show=10, w1=(8_500, 1_000, 500), w3=(255, 30, 15),
             latency_ms=20.0)
QUICK = Sizes(movies=5_000, shows=500, episodes_per_show=4, w1=(850, 100, 50), w3=(255, 30, 15), latency_ms=2.0)


# -- exports ---------------------------------------------------------------------------------------------------------
def _imdb_row(lib: Any, item: Any, rating: int, rng: random.Random) -> list[str]:
    imdb = item.imdb_id
    title = item.title
    if item.type == "episode":
        show = lib.items[item.grandparent_key]
        title = f"{show.title}: {item.title}"
    year = item.year or ""
    return [imdb, str(rating), f"20{rng.randint(17, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", title,
            f"https://www.imdb.com/title/{imdb}/", _IMDB_TYPES[item.type], f"{rng.randint(30, 90) / 10:.1f}",
            str(rng.randint(22, 180)), str(year), rng.choice(_GENRES), str(rng.randint(100, 2_000_000)),
            f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if year else "", ""]


def prepare_library(lib: Any, sizes: Sizes, folder: Path) -> dict[str, Path]:
    """Pick the rows of W1 and W3 among items that carry a real IMDb id, set Plex's current rating of each (equal to
    the export's for 70 % of rows, unrated or another value for 30 %), and write the two exports."""
    rng = random.Random(sizes.seed * 7919)
    pools: dict[str, list[Any]] = {"movie": [], "show": [], "episode": []}
    for item in lib.items.values():
        if item.type in pools and item.imdb_id:
            pools[item.type].append(item)
    for pool in pools.values():
        rng.shuffle(pool)
    files: dict[str, Path] = {}
    taken = {kind: 0 for kind in pools}
    for name, counts in (("w1", sizes.w1), ("w3", sizes.w3)):
        picked: list[Any] = []
        for kind, n in zip(("movie", "show", "episode"), counts, strict=True):
            pool = pools[kind]
            if taken[kind] + n > len(pool):
                raise SystemExit(f"the library has only {len(pool)} {kind}s with an IMDb id; {name} needs more")
            picked.extend(pool[taken[kind]:taken[kind] + n])
            taken[kind] += n
        rng.shuffle(picked)
        changed = set(rng.sample(range(len(picked)), round(len(picked) * sizes.changed)))
        rows = []
        for i, item in enumerate(picked):
            rating = rng.randint(1, 10)
            if i in changed:
                current = None if rng.random() < 0.5 else rng.choice([r / 2 for r in range(2, 21) if r != 2 * rating])
            else:
                current = float(rating)
            item.user_rating = current
            item.last_rated_at = None if current is None else _NOW - rng.randint(0, 3_000) * 86_400
            rows.append(_imdb_row(lib, item, rating, rng))
        path = folder / f"{name}_imdb_ratings.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(IMDB_HEADER)
            writer.writerows(rows)
        files[name] = path
    return files


# -- the emulator process --------------------------------------------------------------------------------------------
def serve(config: dict[str, Any]) -> int:
    """Launcher body: build, prepare, print URL/TOKEN/READY, serve until stdin closes."""
    from ratings_to_plex.emulator import Emulator, EmulatorConfig, generate_library
    from ratings_to_plex.emulator import server as emulator_server

    # Without TCP_NODELAY the emulator's two writes per response (headers, then body) meet the client's delayed ACK
    # and every response with a body stalls ~40 ms, far more than the latency under test. A real PMS does not.
    emulator_server._Handler.disable_nagle_algorithm = True

    sizes = Sizes(**{**config["sizes"], "w1": tuple(config["sizes"]["w1"]), "w3": tuple(config["sizes"]["w3"])})
    folder = Path(config["folder"])
    folder.mkdir(parents=True, exist_ok=True)
    lib = generate_library(sizes.movies, sizes.shows, sizes.episodes_per_show, sizes.seed)
    prepare_library(lib, sizes, folder)
    lib.guid_index()  # built lazily on the first guid lookup otherwise, by every concurrent first lookup at once
    with Emulator(EmulatorConfig(latency_ms=sizes.latency_ms, seed=sizes.seed), library=lib) as emu:
        sys.stdout.write(f"URL: {emu.url}\nTOKEN: {emu.token}\nREADY\n")
        sys.stdout.flush()
        sys.stdin.read()  # EOF when the benchmark closes our stdin, exits or dies
    return 0


class EmulatorProcess:
    """A launcher subprocess, plus its control endpoints (counters are kept by the server, not the client)."""

    def __init__(self, sizes: Sizes, folder: Path) -> None:
        config = json.dumps({"sizes": asdict(sizes), "folder": str(folder)})
        self.folder = folder
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "serve", config],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        lines: dict[str, str] = {}
        for line in self.proc.stdout:
            if line.strip() == "READY":
                break
            key, _, value = line.partition(":")
            lines[key.strip()] = value.strip()
        else:
            raise RuntimeError(f"the emulator launcher exited with {self.proc.wait()}")
        self.url, self.token = lines["URL"], lines["TOKEN"]

    def _call(self, method: str, path: str) -> Any:
        req = urllib.request.Request(self.url + path, method=method, headers={"X-Plex-Token": self.token})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read())

    def counters(self) -> dict[str, Any]:
        """`{"requests": {"GET /library/sections/{id}/all": n, …}, "reads": n, "writes": n}`"""
        return dict(self._call("GET", "/emulator/counters"))

    def reset_counters(self) -> None:
        self._call("POST", "/emulator/counters/reset")

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def peak_rss_mb() -> float:
    """This process's peak resident set size, in MB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def pages(n: int, size: int) -> int:
    return max(1, math.ceil(n / size))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "serve":
        raise SystemExit("usage: _common.py serve '<json config>'")
    sys.exit(serve(json.loads(sys.argv[2])))
