"""Sync benchmark (DESIGN.md §7): our pipeline against the naive plexapi way, on the same emulated library.

    python benchmarks/sync.py            # the full run: 50,000 movies + 5,000 shows × 10 episodes, 20 ms latency
    python benchmarks/sync.py --quick    # a smoke run with small sizes (what the test suite runs)

Workloads: W1 a 10,000-row IMDb export (8,500 movies, 1,000 series, 500 episodes; 30 % of rows differ from Plex's
current rating), W2 the same file again right after (nothing left to change), W3 a 300-row export.
"Ours" is `prepare_plan` + `execute_plan` with default `SyncOptions(all_libraries=True)`, journal and reports included.
"Naive" is plexapi with its defaults: `PlexServer(url, token)`, `section.all()` (pages of 100) per section
(`searchEpisodes()` too when the file has episodes), a dict from `item.guids`, then one sequential `item.rate()` per
change. The naive run gets its own, identical emulator, so both start from the same state.

Every emulator runs in its own process and every measured client run in a fresh process of its own, so wall time and
peak RSS are the client's alone. Request counts come from the emulator's counters.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import FULL, QUICK, EmulatorProcess, Sizes, pages, peak_rss_mb

WORKLOADS = (("W1", "w1"), ("W2", "w1"), ("W3", "w3"))
RSS_BUDGET_MB = 200.0
SPEEDUP_TARGET = 10.0
FLOOR_TARGET = 1.25
FEW_EXTRA_READS = 5


# -- client workers (each runs in a fresh process: `sync.py --worker ours|naive '<json>'`) ---------------------------
def _isolate(folder: Path) -> None:
    """Keep the journal, logs and settings of benchmark runs out of the user's folders."""
    for name in ("CONFIG", "DATA", "REPORT"):
        os.environ[f"RATINGS_TO_PLEX_{name}_DIR"] = str(folder / name.lower())


def worker_ours(job: dict[str, Any]) -> dict[str, Any]:
    folder = Path(job["folder"])
    _isolate(folder)
    from ratings_to_plex import read_ratings
    from ratings_to_plex.journal import JournalDB
    from ratings_to_plex.plex.client import PlexClient
    from ratings_to_plex.sync import SyncOptions, execute_plan, prepare_plan

    options = SyncOptions(all_libraries=True, lookup=job.get("lookup") or "auto")
    if job.get("workers"):
        options = dataclasses.replace(options, workers=job["workers"])
    cpu = time.process_time()
    started = time.perf_counter()
    source = read_ratings(Path(job["csv"]))
    client = PlexClient.connect(job["url"], job["token"], pool_size=max(16, options.workers * 2))
    plan, sections = prepare_plan(client, source, options)
    planned, plan_cpu = time.perf_counter(), time.process_time() - cpu
    summary = execute_plan(client, plan, sections, options, report_dir=folder / "reports",
                           journal=JournalDB(folder / "journal.sqlite3"))
    finished = time.perf_counter()
    return {"wall_s": finished - started, "plan_s": planned - started, "apply_s": finished - planned,
            "cpu_s": time.process_time() - cpu, "plan_cpu_s": plan_cpu,
            "updated": summary.tally.counts.get("Updated", 0),
            "not_found": summary.tally.counts.get("Not found in Plex", 0),
            "rows": len(source.rows), "rss_mb": peak_rss_mb()}


def _naive_imdb_ids(item: Any) -> list[str]:
    ids = [g.id[7:] for g in item.guids if g.id.startswith("imdb://")]
    if item.guid.startswith("com.plexapp.agents.imdb://"):  # legacy agent: the id sits in the guid attribute
        ids.append(item.guid[26:].split("?", 1)[0])
    return ids


def worker_naive(job: dict[str, Any]) -> dict[str, Any]:
    """The naive script. Auto-reload is off (see `autoreload_*` below for what the default would add)."""
    import csv
    from concurrent.futures import ThreadPoolExecutor

    os.environ["PLEXAPI_PLEXAPI_AUTORELOAD"] = "false"
    from plexapi.server import PlexServer

    with open(job["csv"], encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    started = time.perf_counter()
    server = PlexServer(job["url"], job["token"])
    wants_episodes = any(r["Title Type"] == "tvEpisode" for r in rows)
    by_imdb: dict[str, Any] = {}
    would_reload = 0  # attribute reads that plexapi's default auto-reload turns into one GET each
    for section in server.library.sections():
        if section.type not in ("movie", "show"):
            continue
        items = section.all()
        if section.type == "show" and wants_episodes:
            items += section.searchEpisodes()
        for item in items:
            would_reload += not item.guids
            for imdb in _naive_imdb_ids(item):
                by_imdb[imdb] = item
    changes = []
    for row in rows:
        item = by_imdb.get(row["Const"])
        if item is not None:
            would_reload += item.userRating is None
            if item.userRating != float(row["Your Rating"]):
                changes.append((item, int(row["Your Rating"])))
    listed = time.perf_counter()
    limit = job.get("write_limit")
    timed = changes if limit is None else changes[:limit]
    for item, rating in timed:
        item.rate(rating)
    written = time.perf_counter()
    rss = peak_rss_mb()
    # Writes beyond the sample are applied untimed (and fast) so that the next workload starts from the right state.
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda change: change[0].rate(change[1]), changes[len(timed):]))
    per_write = (written - listed) / len(timed) if timed else 0.0
    wall = (listed - started) + per_write * len(changes)
    # What the default auto-reload would add: time a few reloads and extrapolate.
    sample = [item for item in list(by_imdb.values())[:200] if not item.guids or item.userRating is None][:20]
    reload_started = time.perf_counter()
    for item in sample:
        item.reload()
    per_reload = (time.perf_counter() - reload_started) / len(sample) if sample else 0.0
    return {"wall_s": wall, "plan_s": listed - started, "apply_s": per_write * len(changes),
            "updated": len(changes), "rows": len(rows), "rss_mb": rss,
            "sampled_writes": len(timed), "extrapolated": len(timed) < len(changes),
            "autoreload_requests": would_reload, "autoreload_s": would_reload * per_reload,
            "reload_sample_requests": len(sample)}


# -- orchestration ---------------------------------------------------------------------------------------------------
def run_worker(kind: str, job: dict[str, Any]) -> dict[str, Any]:
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", kind, json.dumps(job)],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{kind} worker failed ({out.returncode}):\n{out.stderr[-4000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def measure(emu: EmulatorProcess, kind: str, job: dict[str, Any]) -> dict[str, Any]:
    emu.reset_counters()
    result = run_worker(kind, {**job, "url": emu.url, "token": emu.token})
    counters = emu.counters()
    if kind == "naive":  # the reload sample is not part of the naive run
        counters["reads"] -= result["reload_sample_requests"]
    result.update(reads=counters["reads"], writes=counters["writes"], requests=counters["requests"])
    return result


def _fmt_s(value: float) -> str:
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def report(sizes: Sizes, results: dict[tuple[str, str], dict[str, Any]], *, write_limit: int | None,
           elapsed: float, load: tuple[float, float], quick: bool = False) -> list[str]:
    lines = [
        f"Library: {sizes.movies:,} movies + {sizes.shows:,} shows × {sizes.episodes_per_show} episodes "
        f"({sizes.listed:,} listable items), {sizes.latency_ms:g} ms latency per request",
        f"W1/W2: {sum(sizes.w1):,} rows ({sizes.w1[0]:,} movies, {sizes.w1[1]:,} series, {sizes.w1[2]:,} episodes), "
        f"W3: {sum(sizes.w3):,} rows; {sizes.changed:.0%} of rows differ from Plex",
        f"Client: Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs; load average {load[0]:.1f} before, {load[1]:.1f} after",
        "",
        "| workload | approach | wall s | reads | writes | client peak RSS MB | naive/ours |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for label, _ in WORKLOADS:
        ours, naive = results[(label, "ours")], results[(label, "naive")]
        star = " *" if naive.get("extrapolated") else ""
        lines.append(f"| {label} | ours | {_fmt_s(ours['wall_s'])} | {ours['reads']} | {ours['writes']} | "
                     f"{ours['rss_mb']:.0f} | {naive['wall_s'] / ours['wall_s']:.1f}× |")
        lines.append(f"| {label} | naive | {_fmt_s(naive['wall_s'])}{star} | {naive['reads']} | {naive['writes']} | "
                     f"{naive['rss_mb']:.0f} | |")
        ideal = results[(label, "ideal")]
        lines.append(f"| {label} | ideal (floor) | {_fmt_s(ideal['wall_s'])} | {ideal['reads']} | {ideal['writes']} | "
                     f"{ideal['rss_mb']:.0f} | ours = {ours['wall_s'] / ideal['wall_s']:.2f}× floor |")
    notes = [""]
    if any(r.get("extrapolated") for r in results.values()):
        notes.append(f"* extrapolated: the naive run timed only its first {write_limit} sequential writes and "
                     "scaled that time to all of its writes (the rest were applied untimed, so that the next "
                     "workload starts from the same state); its listing was timed in full.")
    w1n = results[("W1", "naive")]
    notes.append(f"Naive runs had plexapi's auto-reload switched off. With the default (on), W1 would also send "
                 f"{w1n['autoreload_requests']:,} GET /library/metadata/{{rk}} (one per item without Guids or "
                 f"rating it reads), about {w1n['autoreload_s']:.0f} s more (timed on "
                 f"{w1n['reload_sample_requests']} reloads).")
    w1, w2 = results[("W1", "ours")], results[("W2", "ours")]
    speedup = w1n["wall_s"] / w1["wall_s"]
    read_cap = pages(sizes.listed, 1000) + FEW_EXTRA_READS
    metadata_reads = {label: sum(n for k, n in results[(label, "ours")]["requests"].items()
                                 if k.startswith("GET /library/metadata"))
                      for label, _ in WORKLOADS}
    peak = max(results[(label, "ours")]["rss_mb"] for label, _ in WORKLOADS)

    def check(ok: bool, text: str) -> str:
        return f"  [{'ok' if ok else 'MISSED'}] {text}"

    notes += [
        "",
        "Targets (DESIGN.md §7)" + (" — informational only: a --quick run is too small and too fast to be judged"
                                    if quick else "") + ":",
        check(speedup >= SPEEDUP_TARGET, f"W1 ours {speedup:.1f}× faster than naive (target ≥ {SPEEDUP_TARGET:g}×)"),
        check(w1["wall_s"] <= FLOOR_TARGET * results[("W1", "ideal")]["wall_s"],
              f"W1 ours {w1['wall_s'] / results[('W1', 'ideal')]['wall_s']:.2f}× the ideal client (target ≤ "
              f"{FLOOR_TARGET:g}×; benchmarks/floor.py measures the 100,000 / 20,000 case)"),
        check(w1["reads"] <= read_cap, f"W1 ours {w1['reads']} reads (target ≤ ⌈{sizes.listed:,}/1000⌉ + "
                                       f"{FEW_EXTRA_READS} = {read_cap})"),
        check(w2["writes"] == 0, f"W2 ours {w2['writes']} writes (target 0)"),
        check(peak <= RSS_BUDGET_MB, f"ours client peak RSS {peak:.0f} MB (target ≤ {RSS_BUDGET_MB:g} MB)"),
        check(not any(metadata_reads.values()), f"ours GET /library/metadata/{{rk}} during syncs: "
                                                f"{sum(metadata_reads.values())} (no auto-reload)"),
        "",
        "Phases, ours: " + "; ".join(f"{label} read+index+plan {_fmt_s(results[(label, 'ours')]['plan_s'])} s + "
                                     f"journal+write+report {_fmt_s(results[(label, 'ours')]['apply_s'])} s "
                                     f"({results[(label, 'ours')]['updated']} updated, client CPU "
                                     f"{_fmt_s(results[(label, 'ours')]['cpu_s'])} s)"
                                     for label, _ in WORKLOADS),
        "Phases, naive: " + "; ".join(f"{label} list {_fmt_s(results[(label, 'naive')]['plan_s'])} s + write "
                                      f"{_fmt_s(results[(label, 'naive')]['apply_s'])} s "
                                      f"({results[(label, 'naive')]['updated']} updated)"
                                      for label, _ in WORKLOADS),
        "Per-id lookups are not measured: on real PMS a `guid=imdb://…` filter sees only an item's own guid, so "
        "new-agent sections (these) are always listed; lookups are priced only for legacy IMDb-agent sections "
        "(tests/test_real_plex.py). benchmarks/floor.py compares ours with the ideal client.",
        f"Benchmark wall time: {elapsed:.0f} s",
    ]
    return lines + notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    parser.add_argument("--latency-ms", type=float, default=None, help="override the per-request latency")
    parser.add_argument("--naive-writes", type=int, default=0, metavar="N",
                        help="time only the first N naive writes and extrapolate the rest (default 0: time them all; "
                             "the full naive W1 takes about 2 minutes at 20 ms)")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "JOB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        kind, job = args.worker
        from floor import worker_ideal

        result = {"ours": worker_ours, "naive": worker_naive, "ideal": worker_ideal}[kind](json.loads(job))
        print(json.dumps(result))
        return 0

    sizes = QUICK if args.quick else FULL
    if args.latency_ms is not None:
        sizes = dataclasses.replace(sizes, latency_ms=args.latency_ms)
    write_limit = args.naive_writes or None
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    results: dict[tuple[str, str], dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="r2p-bench-") as tmp:
        root = Path(tmp)
        print(f"Starting three emulators ({sizes.listed:,} items each)…", file=sys.stderr, flush=True)
        with EmulatorProcess(sizes, root / "ours") as ours_emu, EmulatorProcess(sizes, root / "naive") as naive_emu, \
                EmulatorProcess(sizes, root / "ideal") as ideal_emu:
            for approach, emu in (("ideal", ideal_emu), ("ours", ours_emu), ("naive", naive_emu)):
                for label, file in WORKLOADS:
                    job: dict[str, Any] = {"csv": str(emu.folder / f"{file}_imdb_ratings.csv"),
                                           "folder": str(root / f"{approach}-{label}"), "write_limit": write_limit}
                    print(f"{label} {approach}…", file=sys.stderr, flush=True)
                    results[(label, approach)] = measure(emu, approach, job)
    print("\n".join(report(sizes, results, write_limit=write_limit, elapsed=time.perf_counter() - started,
                           load=(load_before, os.getloadavg()[0]), quick=args.quick)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
