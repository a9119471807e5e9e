"""How responsive the desktop app stays during a real sync: the largest gap of the Tk event loop.

An `after(10)` heartbeat records the time between beats while the app (driven by a script, no clicks) connects to
an emulator (its own process, with latency), reads a generated IMDb export, makes the preview of a large plan and
writes it. A gap well above 10 ms is a freeze the user would feel; the seed's design (worker writing to widgets,
the whole log re-rendered) froze for seconds.

Side by side in one run (`--engine both`, the default): the engine in worker threads of the window's process (how
the app ran before issue 12: XML parsing, garbage collection and CSV reading took the GIL from Tk for tens of ms)
and in its own process (`gui/remote.py`, how `run_app` builds the window now). Each runs in a fresh process with a
fresh emulator, so both write the same changes.

    python benchmarks/gui_lag.py [--movies 5000] [--rows 3000] [--latency-ms 20]   # needs a display (Xvfb is fine)
    xvfb-run -a python benchmarks/gui_lag.py --movies 20000 --shows 0 --rows 10000 --latency-ms 5   # issue 12's size
    ... --engine process|threads   # one of the two only
    ... --profile   # also: where the Tk thread was during each gap over 30 ms (a sampler thread; costs a little)
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IMDB_HEADER = ("Const", "Your Rating", "Date Rated", "Title", "URL", "Title Type", "IMDb Rating", "Runtime (mins)",
               "Year", "Genres", "Num Votes", "Release Date", "Directors")
_TYPES = {"movie": "Movie", "show": "TV Series", "episode": "TV Episode"}


def write_export(path: Path, movies: int, shows: int, rows: int, seed: int) -> int:
    """An IMDb export of `rows` items of the library the emulator will generate (same sizes and seed)."""
    from ratings_to_plex.emulator import generate_library

    library = generate_library(movies, shows, 6, seed)
    items = [i for i in library.items.values() if i.type in _TYPES and i.imdb_id]
    rng = random.Random(seed)
    chosen = rng.sample(items, min(rows, len(items)))
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(IMDB_HEADER)
        for item in chosen:
            out.writerow([item.imdb_id, rng.randint(1, 10), "2024-01-02", item.title,
                          f"https://www.imdb.com/title/{item.imdb_id}/", _TYPES[item.type], "7.1", "100",
                          item.year or "", "Drama", "1000", "", ""])
    return len(chosen)


def start_emulator(movies: int, shows: int, seed: int, latency_ms: float) -> tuple[subprocess.Popen[str], str, str]:
    proc = subprocess.Popen([sys.executable, "-m", "ratings_to_plex.emulator", "--movies", str(movies), "--shows",
                             str(shows), "--seed", str(seed), "--latency-ms", str(latency_ms)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().split(": ", 1)[1].strip()
    token = proc.stdout.readline().split(": ", 1)[1].strip()
    return proc, url, token


class Stalls:
    """A sampler thread: while the Tk thread has not beaten for `over_ms`, note where it is (file:line function,
    innermost first), to find what freezes the window (`--profile`)."""

    def __init__(self, beat: Heartbeat, over_ms: float = 30.0) -> None:
        import collections
        import threading

        self.beat, self.over_ms = beat, over_ms
        self.main = threading.get_ident()
        self.stacks: collections.Counter[str] = collections.Counter()
        self.stop = threading.Event()
        threading.Thread(target=self._sample, name="stall-sampler", daemon=True).start()

    def _sample(self) -> None:
        while not self.stop.wait(0.003):
            if (time.perf_counter() - self.beat.last) * 1000 < self.over_ms:
                continue
            frame = sys._current_frames().get(self.main)
            where = []
            while frame is not None and len(where) < 6:
                code = frame.f_code
                where.append(f"{Path(code.co_filename).name}:{frame.f_lineno} {code.co_name}")
                frame = frame.f_back
            self.stacks[" < ".join(where)] += 1

    def report(self, top: int = 12) -> None:
        total = sum(self.stacks.values()) or 1
        print(f"Where the Tk thread was during gaps over {self.over_ms:g} ms ({total} samples of 3 ms):")
        for stack, n in self.stacks.most_common(top):
            print(f"{100 * n / total:5.1f}%  {stack}")


class Heartbeat:
    """Records the gap between `after(10)` beats, per phase."""

    def __init__(self, app: object, period_ms: int = 10) -> None:
        self.app = app
        self.period_ms = period_ms
        self.phase = "start"
        self.gaps: dict[str, list[float]] = {}
        self.last = time.perf_counter()
        self._beat()

    def _beat(self) -> None:
        now = time.perf_counter()
        self.gaps.setdefault(self.phase, []).append((now - self.last) * 1000)
        self.last = now
        self.app.after(self.period_ms, self._beat)  # type: ignore[attr-defined]


def run(args: argparse.Namespace) -> int:
    from ratings_to_plex.gui.app import App
    from ratings_to_plex.gui.controller import Controller
    from ratings_to_plex.gui.remote import RemoteController

    folder = Path(tempfile.mkdtemp(prefix="r2p-gui-lag-"))
    for name in ("CONFIG", "DATA", "REPORT"):  # never touch the user's settings, journal or logs
        os.environ[f"RATINGS_TO_PLEX_{name}_DIR"] = str(folder / name.lower())
    export = folder / "ratings.csv"
    rows = write_export(export, args.movies, args.shows, args.rows, args.seed)
    emulator, url, token = start_emulator(args.movies, args.shows, args.seed, args.latency_ms)
    app = App(RemoteController() if args.engine == "process" else Controller())  # process: as `run_app` does
    beat = Heartbeat(app)
    stalls = Stalls(beat) if args.profile else None
    steps = iter(["connect", "read", "preview", "run", "done"])
    started = {"t": time.perf_counter()}
    timings: dict[str, float] = {}

    def advance() -> None:
        timings[beat.phase] = time.perf_counter() - started["t"]
        beat.phase = next(steps)
        started["t"] = time.perf_counter()
        if beat.phase == "connect":
            app.controller.start(url=url, token=token)
        elif beat.phase == "read":
            app.form.all_libraries.set(True)
            app.set_source(export)
        elif beat.phase == "preview":
            app.preview()
        elif beat.phase == "run":
            app.update_ratings()
        elif beat.phase == "done":
            app.after(200, app.close)

    def ready() -> bool:
        busy = app.controller.busy
        if beat.phase == "start":
            return True
        if beat.phase == "connect":
            return app.form.request().server is not None and not busy
        if beat.phase == "read":
            return "Detected" in str(app.source.detected.cget("text")) and not busy
        if beat.phase == "preview":
            return app.plan_key is not None and not busy and not app.preview_panel.pending()
        if beat.phase == "run":
            return str(app.status.cget("text")).startswith(("Done", "Finished")) and not busy
        return False

    def drive() -> None:
        if beat.phase != "done" and ready():
            advance()
        if beat.phase != "done":
            app.after(20, drive)

    app.after(300, drive)
    deadline = time.monotonic() + args.timeout
    app.after(int(args.timeout * 1000), lambda: app.close() if time.monotonic() >= deadline else None)
    try:
        app.mainloop()
    finally:
        if stalls is not None:
            stalls.stop.set()  # the window is gone: what follows is not a freeze
        emulator.terminate()
        emulator.wait(10)
    if beat.phase != "done":
        print(f"did not finish within {args.timeout:.0f} s (stuck at {beat.phase})", file=sys.stderr)
        return 1
    print(f"GUI event-loop lag, engine in {ENGINES[args.engine]}: {rows} rows, {args.movies} movies + "
          f"{args.shows} shows, {args.latency_ms:g} ms latency, heartbeat every {beat.period_ms} ms")
    print(f"{'phase':<10}{'wall s':>8}{'beats':>8}{'max gap ms':>12}{'p99 ms':>9}{'median ms':>11}")
    worst = 0.0
    for phase in ("connect", "read", "preview", "run"):
        gaps = beat.gaps.get(phase, [0.0])
        p99 = statistics.quantiles(gaps, n=100)[98] if len(gaps) >= 2 else gaps[0]
        worst = max(worst, max(gaps))
        print(f"{phase:<10}{timings.get(phase, 0):>8.2f}{len(gaps):>8}{max(gaps):>12.1f}{p99:>9.1f}"
              f"{statistics.median(gaps):>11.1f}")
    print(f"Largest event-loop gap: {worst:.0f} ms (a heartbeat every {beat.period_ms} ms; ≤ 100 ms feels instant)")
    if stalls is not None:
        stalls.report()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movies", type=int, default=5000)
    parser.add_argument("--shows", type=int, default=200)
    parser.add_argument("--rows", type=int, default=3000, help="rows in the generated IMDb export")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--profile", action="store_true", help="say where the Tk thread was during each freeze")
    parser.add_argument("--engine", choices=("both", *ENGINES), default="both")
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY") and sys.platform.startswith("linux"):
        print("No DISPLAY: run under Xvfb, e.g. xvfb-run -a python benchmarks/gui_lag.py", file=sys.stderr)
        return 2
    if args.engine != "both":
        return run(args)
    return side_by_side(sys.argv[1:] if argv is None else argv)


ENGINES = {"threads": "the window's process (threads)", "process": "its own process"}


def side_by_side(argv: list[str]) -> int:
    """Run each engine placement in a fresh process and sum up the largest freeze of each."""
    worst: dict[str, str] = {}
    for engine in ENGINES:
        done = subprocess.run([sys.executable, __file__, *argv, "--engine", engine], capture_output=True, text=True)
        report = done.stdout[done.stdout.find("GUI event-loop lag"):]
        print(report.rstrip() + "\n" if done.returncode == 0 else f"{engine}: failed\n{done.stderr[-2000:]}")
        found = re.search(r"Largest event-loop gap: (\d+) ms", report)
        worst[engine] = f"{found.group(1)} ms" if found else "failed"
    print("Largest freeze: " + " · ".join(f"engine in {ENGINES[e]} {w}" for e, w in worst.items()) +
          " (target ≤ 50 ms)")
    return 0 if all(w != "failed" for w in worst.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
