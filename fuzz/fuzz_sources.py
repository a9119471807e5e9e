"""Time-boxed fuzzing of read_ratings: random bytes and mutated real exports must only ever raise SourceError.

    python fuzz/fuzz_sources.py --seconds 30      # exit 1 (with the shrunk input) on any other exception
    python fuzz/fuzz_sources.py --seconds 600 --seed 7

Hypothesis generates the inputs in batches until the time is up: valid exports of every format the registry reads —
IMDb eras, Letterboxd files, the Letterboxd import CSV, TMDb and Simkl CSVs, Criticker CSV and XML, Trakt and Simkl
JSON — from scratch and from tests/fixtures/sources, then mutated (bytes flipped, inserted, deleted, truncated, chunks
duplicated, BOMs and NULs and quotes dropped in, re-encoded, or wrapped in a zip, Trakt's several-member zip too), plus
plain random bytes.
"""

from __future__ import annotations

import argparse
import collections
import csv
import io
import json
import random
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
try:
    from ratings_to_plex import SourceError, read_ratings
except ImportError:  # running from a source tree that is not installed
    sys.path.insert(0, str(ROOT / "src"))
    from ratings_to_plex import SourceError, read_ratings

FIXTURES = sorted(p for p in (ROOT / "tests" / "fixtures" / "sources").rglob("*")
                  if p.suffix in (".csv", ".json", ".xml"))
HEADERS = [
    '"position","const","created","modified","description","Title","Title type","Directors","You rated","IMDb Rating",'
    '"Runtime (mins)","Year","Genres","Num. Votes","Release Date (month/day/year)","URL"',
    "Const,Your Rating,Date Rated,Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,"
    "Directors",
    "Const,Your Rating,Date Rated,Title,Original Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,"
    "Release Date,Directors,Main Actors",
    "Position,Const,Created,Modified,Description,Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres",
    "Date,Name,Year,Letterboxd URI,Rating",
    "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date",
    "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date",
    "Date,Name,Year,Letterboxd URI",
    "Letterboxd list export v7",
    "sep=;",
    "LetterboxdURI,tmdbID,imdbID,Title,Year,Directors,Rating,Rating10,WatchedDate,Rewatch,Tags,Review",
    "Title,Rating10,imdbID",
    "TMDb ID,IMDb ID,Type,Name,Release Date,Season Number,Episode Number,Rating,Your Rating,Date Rated",
    "SIMKL_ID,Title,Type,Year,Watchlist,LastEpWatched,WatchedDate,Rating,Memo,TVDB,TMDB,IMDB",
    "Score, Film Name, Year, Date Rated, Mini Review, URL, IMDB ID",
]
CELLS = ["tt0111161", "tt12", "0113277", "", "8", "8.0", "4.5", "11", "abc", "2024-10-24", "1/22/2026", "٧", "８",
         "9.9999999999999999", "2023-06-01T20:11:09.000Z", "Mar 02 2019, 21:14", "03-04-2022 19:05:11", "tv", "movie",
         "plantowatch", "tv show", "anime", "https://www.criticker.com/tv/x/",
         "Wed Sep  7 00:00:00 2016", "Movie", "tvSeries", "Mini serie TV", 'He said ""hi""', "a,b", "line\nbreak",
         "Amélie", "千と千尋", "🎬", "\ufeff", "https://boxd.it/2bQk", "1994", "Yes"]
NAMES = ["ratings.csv", "watchlist.csv", "diary.csv", "export.zip", "ratings", "ratings-movies.json", "backup.json",
         "ratings.xml"]
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 20), st.floats(allow_nan=False), st.sampled_from(CELLS),
                   st.text(max_size=6))
IDS = st.fixed_dictionaries({}, optional={k: VALUES for k in ("imdb", "tmdb", "tvdb", "trakt", "simkl")})
ITEM = st.fixed_dictionaries({}, optional={"title": VALUES, "year": VALUES, "ids": IDS | VALUES, "number": VALUES,
                                           "season": VALUES})


@st.composite
def synthetic(draw: st.DrawFn) -> bytes:
    """A header of a known kind and rows made of cells that exports really contain."""
    header = draw(st.sampled_from(HEADERS))
    width = header.count(",") + 1
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=draw(st.sampled_from([",", ";", "\t"])),
                        lineterminator=draw(st.sampled_from(["\n", "\r\n", "\r"])))
    for _ in range(draw(st.integers(0, 20))):
        n = draw(st.integers(0, width + 2))
        writer.writerow([draw(st.sampled_from(CELLS) | st.text(max_size=8)) for _ in range(n)])
    text = header + draw(st.sampled_from(["\n", "\r\n"])) + out.getvalue()
    return text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "utf-16-le"])), "replace")


@st.composite
def json_export(draw: st.DrawFn) -> bytes:
    """A Trakt ratings array, a Simkl backup object or a Criticker XML, from the values real files hold and others."""
    shape = draw(st.sampled_from(["trakt", "simkl", "criticker"]))
    if shape == "criticker":
        films = "".join(f"<film><filmname>{draw(st.sampled_from(CELLS))} ({draw(st.integers(1800, 2200))})</filmname>"
                        f"<score>{draw(st.sampled_from(CELLS) | st.integers(-5, 120).map(str))}</score>"
                        f"<imdbid>{draw(st.sampled_from(CELLS))}</imdbid></film>"
                        for _ in range(draw(st.integers(0, 8))))
        return f"<?xml version='1.0'?><recentratings>{films}</recentratings>".encode(errors="replace")
    entry = st.fixed_dictionaries({}, optional={
        "rated_at": VALUES, "rating": VALUES, "user_rating": VALUES, "status": VALUES, "anime_type": VALUES,
        "type": st.sampled_from(["movie", "show", "season", "episode", "x"]) | VALUES,
        "movie": ITEM | VALUES, "show": ITEM, "season": ITEM, "episode": ITEM})
    entries = draw(st.lists(entry | VALUES, max_size=8))
    if shape == "trakt":
        data: object = [{"rated_at": "2023-06-01T20:11:09.000Z", "rating": 8}, *entries]
    else:
        data = {draw(st.sampled_from(["movies", "shows", "anime", "other"])): entries, "movies": entries[:2]}
    return json.dumps(data, indent=draw(st.sampled_from([None, 2]))).encode()


def mutate(data: bytes, rng: random.Random, count: int) -> bytes:
    """Damage a file the ways files get damaged: bit rot, truncation, bad copy-paste, wrong encoding."""
    buf = bytearray(data)
    for _ in range(count):
        at = rng.randrange(len(buf) + 1)
        choice = rng.randrange(8)
        if choice == 0 and buf:
            buf[min(at, len(buf) - 1)] ^= 1 << rng.randrange(8)
        elif choice == 1:
            buf[at:at] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 6)))
        elif choice == 2:
            del buf[at:at + rng.randrange(1, 50)]
        elif choice == 3:
            del buf[at:]
        elif choice == 4:
            buf[at:at] = rng.choice([b"\x00", b'"', b"\r", b"\n", b"\xef\xbb\xbf", b"\xff\xfe", b",", b";", b"\xe9"])
        elif choice == 5 and buf:
            start = rng.randrange(len(buf))
            buf[at:at] = buf[start:start + rng.randrange(1, 200)]
        elif choice == 6:
            encoding = rng.choice(["utf-16", "utf-16-be", "cp1252"])
            return bytes(buf).decode("utf-8", "replace").encode(encoding, "replace")
        else:
            members = rng.choice([["ratings.csv"], ["a/ratings.csv"], ["diary.csv"], ["ratings-movies.json"],
                                  ["ratings-shows.json", "ratings-episodes.json"], ["x/ratings-seasons.json"]])
            return _zipped(bytes(buf), members)
    return bytes(buf)


def _zipped(data: bytes, members: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in members:
            archive.writestr(member, data)
    return out.getvalue()


generated = st.one_of(synthetic(), json_export())
seeds = st.one_of(generated, st.sampled_from(FIXTURES).map(Path.read_bytes)) if FIXTURES else generated
inputs = st.one_of(
    st.binary(max_size=4000),
    st.tuples(seeds, st.randoms(use_true_random=False), st.integers(0, 8)).map(lambda t: mutate(t[0], t[1], t[2])),
    st.builds(lambda h, b: h.encode() + b"\n" + b, st.sampled_from(HEADERS), st.binary(max_size=2000)),
)


def run(seconds: float, seed: int) -> int:
    stats: collections.Counter[str] = collections.Counter()
    messages: collections.Counter[str] = collections.Counter()
    slowest = (0.0, b"")
    failure: list[Any] = []
    deadline = time.monotonic() + seconds

    with tempfile.TemporaryDirectory() as tmp:
        def check(data: bytes, name: str) -> None:
            nonlocal slowest
            path = Path(tmp) / name
            path.write_bytes(data)
            start = time.perf_counter()
            try:
                result = read_ratings(path)
                for item in [*result.rows, *result.problems]:  # raw rows are parsed lazily: parse them all
                    assert set(item.raw) == set(result.columns), f"raw keys differ from the header on line {item.line}"
                stats["read"] += 1
                stats["rows"] += len(result.rows)
                stats["problems"] += len(result.problems)
            except SourceError as err:
                stats["SourceError"] += 1
                text = str(err)
                assert text and "\n" not in text, f"SourceError message is not one line: {text!r}"
                messages[text.split(": ", 1)[-1][:50]] += 1
            finally:
                elapsed = time.perf_counter() - start
                if elapsed > slowest[0]:
                    slowest = (elapsed, data[:80])
            stats["examples"] += 1

        batch = 0
        while time.monotonic() < deadline:
            batch += 1
            test = hypothesis_seed(seed * 100_003 + batch)(
                settings(max_examples=200, deadline=None, database=None, phases=[Phase.generate, Phase.shrink],
                         suppress_health_check=list(HealthCheck))(given(inputs, st.sampled_from(NAMES))(check)))
            try:
                test()
            except Exception as exc:  # anything but SourceError escaped: report the shrunk input
                failure.append(exc)
                break

    elapsed = seconds - max(0.0, deadline - time.monotonic())
    print(f"fuzzed read_ratings for {elapsed:.0f} s: {stats['examples']:,} examples tried "
          f"({stats['read']:,} read with {stats['rows']:,} rows and {stats['problems']:,} problems, "
          f"{stats['SourceError']:,} refused with SourceError); slowest {slowest[0] * 1000:.0f} ms")
    for text, n in messages.most_common(12):
        print(f"  {n:6,}  …{text}")
    if failure:
        print("\nFAILED: an exception other than SourceError escaped read_ratings:", file=sys.stderr)
        traceback.print_exception(failure[0], file=sys.stderr)
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    print(f"seed {args.seed}")
    return run(args.seconds, args.seed)


if __name__ == "__main__":
    sys.exit(main())
