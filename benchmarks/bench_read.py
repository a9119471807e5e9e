"""Reader benchmark: `read_ratings` on a 100,000-row IMDb export (2024 format) against a naive reader.

    python benchmarks/bench_read.py                 # 100,000 rows, prints rows/s and peak memory for both
    python benchmarks/bench_read.py --rows 20000     # a quicker run
    python benchmarks/bench_read.py --check         # exit 1 when ours is below the 200,000 rows/s target

"Naive" is what a first version would do: charset-normalizer over the whole file, `csv.DictReader`, and per row a
`datetime.strptime`, an uncompiled regex, a lower-cased type lookup and a dict for the raw row. Each reader runs in a
fresh process (so `ru_maxrss` is its own): once timed (best of 3), once under tracemalloc for the Python peak.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_ROWS_PER_S = 200_000
HEADER = ("Const", "Your Rating", "Date Rated", "Title", "Original Title", "URL", "Title Type", "IMDb Rating",
          "Runtime (mins)", "Year", "Genres", "Num Votes", "Release Date", "Directors")
_TYPES = ("Movie",) * 14 + ("TV Series", "TV Episode", "TV Mini Series", "Short", "TV Movie", "Video")
_GENRES = ("Drama", "Comedy", "Crime, Drama", "Action, Adventure, Sci-Fi", "Documentary", "Horror, Thriller")
_WORDS = ("The", "Night", "Return", "of", "Lost", "Amélie", "Città", "Крик", "千と千尋", "Story", "King", "Blue", "Red")


def write_export(path: Path, rows: int, seed: int = 1) -> None:
    """A realistic 2024-format export: quoted titles with commas, non-Latin titles, ~1 % bad rows."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for n in range(rows):
            const = f"tt{n + 100000:07d}" if rng.random() > 0.005 else ""
            rating = str(rng.randint(1, 10)) if rng.random() > 0.005 else "8.5"
            title = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 5)))
            if rng.random() < 0.1:
                title += ", Part " + str(rng.randint(2, 5))
            year = rng.randint(1920, 2025)
            out.writerow((const, rating, f"20{rng.randint(10, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                          title, title, f"https://www.imdb.com/title/{const}", rng.choice(_TYPES),
                          f"{rng.uniform(1, 10):.1f}", rng.randint(60, 200), year, rng.choice(_GENRES),
                          rng.randint(5, 2_000_000), f"{year}-{rng.randint(1, 12):02d}-01", "Some Director"))


def naive_read(path: Path) -> tuple[int, int]:
    """The obvious way: decode everything via charset-normalizer, DictReader, parse each row from scratch."""
    import io
    import re
    from datetime import datetime

    from charset_normalizer import from_bytes

    from ratings_to_plex.sources.model import RatingRow

    types = {"movie": "movie", "tv series": "tv_series", "tv episode": "tv_episode", "tv mini series": "tv_mini_series",
             "short": "short", "tv movie": "tv_movie", "video": "video"}
    best = from_bytes(path.read_bytes()).best()
    text = str(best) if best is not None else path.read_text("cp1252")
    rows, problems = [], 0
    for line, record in enumerate(csv.DictReader(io.StringIO(text, newline="")), start=2):
        if not re.fullmatch(r"tt\d{7,8}", record["Const"].strip()):
            problems += 1
            continue
        try:
            rating = float(record["Your Rating"])
        except ValueError:
            problems += 1
            continue
        if not rating.is_integer() or not 1 <= rating <= 10:
            problems += 1
            continue
        try:
            rated = datetime.strptime(record["Date Rated"], "%Y-%m-%d").date()
        except ValueError:
            rated = None
        year = int(record["Year"]) if record["Year"].isdigit() else None
        rows.append(RatingRow("imdb", line, record["Const"], record["Title"], record["Original Title"] or None, year,
                              types.get(record["Title Type"].lower(), "other"), rating, rating, rated,
                              raw=dict(record)))
    return len(rows), problems


def ours_read(path: Path) -> tuple[int, int]:
    from ratings_to_plex.sources import read_ratings

    result = read_ratings(path)
    return len(result.rows), len(result.problems)


def _measure(which: str, path: Path, mode: str) -> dict[str, Any]:
    """Runs inside the child process."""
    import resource
    import tracemalloc

    reader = ours_read if which == "ours" else naive_read
    if mode == "memory":
        tracemalloc.start()
        rows, problems = reader(path)
        _, peak = tracemalloc.get_traced_memory()
        return {"rows": rows, "problems": problems, "peak_mb": peak / 2**20}
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        rows, problems = reader(path)
        best = min(best, time.perf_counter() - start)
    maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1 if sys.platform != "darwin" else 1 / 1024  # macOS reports bytes
    return {"rows": rows, "problems": problems, "seconds": best, "maxrss_mb": maxrss_kb * scale / 1024}


def _child(which: str, path: Path, mode: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--child", which, mode, str(path)], check=True,
                         capture_output=True, text=True)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--check", action="store_true", help="exit 1 below the rows/s target")
    parser.add_argument("--child", nargs=3, metavar=("WHICH", "MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        which, mode, path = args.child
        print(json.dumps(_measure(which, Path(path), mode)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ratings.csv"
        write_export(path, args.rows)
        size_mb = path.stat().st_size / 2**20
        print(f"IMDb export, 2024 format: {args.rows:,} rows, {size_mb:.1f} MB")
        results = {which: {**_child(which, path, "time"), **_child(which, path, "memory")}
                   for which in ("ours", "naive")}
    for which, r in results.items():
        rate = (r["rows"] + r["problems"]) / r["seconds"]
        r["rate"] = rate
        print(f"  {which:5}  {r['seconds'] * 1000:8.1f} ms  {rate:>12,.0f} rows/s  peak RSS {r['maxrss_mb']:6.1f} MB  "
              f"tracemalloc peak {r['peak_mb']:6.1f} MB  ({r['rows']:,} rows, {r['problems']:,} problems)")
    ours, naive = results["ours"], results["naive"]
    met = ours["rate"] >= TARGET_ROWS_PER_S
    print(f"  ours is {ours['rate'] / naive['rate']:.1f}× the naive rate, "
          f"{naive['peak_mb'] / ours['peak_mb']:.1f}× less Python memory at peak; "
          f"target {TARGET_ROWS_PER_S:,} rows/s: {'met' if met else 'NOT met'}")
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())
