"""Our sync against the floor: an *ideal client* that does only what a correct importer must (issue 12).

    python benchmarks/floor.py                 # 100,000 movies / 20,000 rows and 20,000 / 3,000, 5 ms latency
    python benchmarks/floor.py --size small    # only 20,000 / 3,000
    python benchmarks/floor.py --quick         # 5,000 / 800 (a smoke run)
    python benchmarks/floor.py --no-naive      # skip the naive plexapi run

The ideal client lists every section in pages of 1,000 with the same concurrency as ours (the first page of each
listing tells how many follow), keeps each item's rating and IMDb ids, and writes only the differing ratings with the
same write concurrency as ours — nothing else: no plexapi, no journal, no report, no title index. Ours is the whole
`prepare_plan` + `execute_plan` (journal, run log and unmatched CSV included). Naive is plexapi's defaults (pages of
100, one sequential `rate()` per change; `--naive-writes N` times N writes and extrapolates). Each approach gets its
own fresh emulator process (same seed: same library, same state, same file) and runs in a fresh process of its own,
so wall time and peak RSS are the client's alone; request counts come from the emulator's counters.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import EmulatorProcess, Sizes, peak_rss_mb

SIZES = {
    "big": Sizes(movies=100_000, shows=0, episodes_per_show=0, w1=(20_000, 0, 0), w3=(0, 0, 0), latency_ms=5.0),
    "small": Sizes(movies=20_000, shows=0, episodes_per_show=0, w1=(3_000, 0, 0), w3=(0, 0, 0), latency_ms=5.0),
    "quick": Sizes(movies=5_000, shows=0, episodes_per_show=0, w1=(800, 0, 0), w3=(0, 0, 0), latency_ms=2.0),
}
RATIO_TARGET = 1.25
RSS_TARGET_MB = 150.0
SCAN_WORKERS = 6  # what `sync.build_index` gives the scan (min(workers, 6))
WRITE_WORKERS = 16  # apply.DEFAULT_WORKERS


def worker_ideal(job: dict[str, Any]) -> dict[str, Any]:
    """The floor. Requests + ElementTree, the least work per item, nothing written but the differing ratings."""
    import csv
    import xml.etree.ElementTree as ET
    from concurrent.futures import ThreadPoolExecutor

    import requests
    from requests.adapters import HTTPAdapter

    cpu = time.process_time()
    started = time.perf_counter()
    session = requests.Session()
    session.mount("http://", HTTPAdapter(pool_connections=WRITE_WORKERS, pool_maxsize=WRITE_WORKERS))
    url, auth = job["url"], {"X-Plex-Token": job["token"]}
    with open(job["csv"], encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    wanted = {row["Const"]: float(row["Your Rating"]) for row in rows}
    types = {"movie": (1,), "show": (2, 4) if any(r["Title Type"] == "tvEpisode" for r in rows) else (2,)}
    sections = ET.fromstring(session.get(url + "/library/sections", headers=auth).content)
    listings = [f"/library/sections/{d.get('key')}/all?type={kind}&includeGuids=1"
                for d in sections for kind in types.get(d.get("type", ""), ())]
    current: dict[str, tuple[str, float | None]] = {}

    def page(path: str, start: int) -> int:
        headers = {**auth, "X-Plex-Container-Start": str(start), "X-Plex-Container-Size": "1000"}
        root = ET.fromstring(session.get(url + path, headers=headers).content)
        for el in root:
            ids = [g.get("id", "") for g in el]
            guid = el.get("guid", "")
            if guid.startswith("com.plexapp.agents."):
                ids.append("imdb://" + guid.split("://", 1)[1].split("?", 1)[0])
            for guid in ids:
                if guid.startswith("imdb://") and guid[7:] in wanted:
                    rating = el.get("userRating")
                    current[guid[7:]] = (el.get("ratingKey", ""), float(rating) if rating else None)
        return int(root.get("totalSize") or 0)

    with ThreadPoolExecutor(SCAN_WORKERS) as pool:
        firsts = list(pool.map(lambda path: (path, page(path, 0)), listings))
        rest = [(path, start) for path, total in firsts for start in range(1000, total, 1000)]
        list(pool.map(lambda p: page(*p), rest))
    listed, plan_cpu = time.perf_counter(), time.process_time() - cpu
    writes = [(rk, wanted[imdb]) for imdb, (rk, old) in current.items()
              if old is None or abs(old - wanted[imdb]) >= 0.01]

    def rate(change: tuple[str, float]) -> None:
        rk, value = change
        session.put(f"{url}/:/rate?key={rk}&identifier=com.plexapp.plugins.library&rating={value:g}", headers=auth)

    with ThreadPoolExecutor(WRITE_WORKERS) as pool:
        list(pool.map(rate, writes))
    finished = time.perf_counter()
    return {"wall_s": finished - started, "plan_s": listed - started, "apply_s": finished - listed,
            "cpu_s": time.process_time() - cpu, "plan_cpu_s": plan_cpu, "updated": len(writes), "rows": len(wanted),
            "rss_mb": peak_rss_mb()}


def run_worker(script: str, kind: str, job: dict[str, Any]) -> dict[str, Any]:
    out = subprocess.run([sys.executable, str(Path(__file__).resolve().parent / script), "--worker", kind,
                          json.dumps(job)], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{kind} worker failed ({out.returncode}):\n{out.stderr[-4000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def measure(sizes: Sizes, root: Path, kind: str, write_limit: int | None) -> dict[str, Any]:
    """One approach on a fresh emulator of its own."""
    with EmulatorProcess(sizes, root / f"emu-{kind}") as emu:
        emu.reset_counters()
        job = {"csv": str(emu.folder / "w1_imdb_ratings.csv"), "folder": str(root / kind), "url": emu.url,
               "token": emu.token, "write_limit": write_limit}
        script = "floor.py" if kind == "ideal" else "sync.py"
        result = run_worker(script, kind, job)
        counters = emu.counters()
    if kind == "naive":
        counters["reads"] -= result["reload_sample_requests"]
    result.update(reads=counters["reads"], writes=counters["writes"])
    return result


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Each numeric figure's median over repeated runs (request counts are the same in every run)."""
    out = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, float):
            out[key] = statistics.median(r[key] for r in runs)
    return out


def table(label: str, sizes: Sizes, runs: list[dict[str, dict[str, Any]]]) -> list[str]:
    results = {kind: median_run([run[kind] for run in runs]) for kind in runs[0]}
    floor = results["ideal"]["wall_s"]
    ratios = sorted(run["ours"]["wall_s"] / run["ideal"]["wall_s"] for run in runs)
    cpu_ratios = sorted(run["ours"]["cpu_s"] / run["ideal"]["cpu_s"] for run in runs)
    many = f"median of {len(runs)} runs, " if len(runs) > 1 else ""
    lines = [f"{label}: {sizes.movies:,} movies, {sum(sizes.w1):,} rows ({sizes.changed:.0%} differ), "
             f"{sizes.latency_ms:g} ms latency ({many}each approach on a fresh emulator)", "",
             "| approach | wall s | × floor | reads | writes | peak RSS MB | index+plan s | write+report s "
             "| client CPU s (index+plan / rest) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for kind in ("ideal", "ours", "naive"):
        r = results.get(kind)
        if r is None:
            continue
        star = " *" if r.get("extrapolated") else ""
        cpu = f"{r['cpu_s']:.2f} ({r['plan_cpu_s']:.2f} / {r['cpu_s'] - r['plan_cpu_s']:.2f})" if "cpu_s" in r else ""
        lines.append(f"| {kind if kind != 'ideal' else 'ideal (floor)'} | {r['wall_s']:.2f}{star} | "
                     f"{r['wall_s'] / floor:.2f}× | {r['reads']} | {r['writes']} | {r['rss_mb']:.0f} | "
                     f"{r['plan_s']:.2f} | {r['apply_s']:.2f} | {cpu} |")
    ours = results["ours"]
    ratio = ours["wall_s"] / floor
    lines += ["", f"  [{'ok' if ratio <= RATIO_TARGET else 'MISSED'}] ours {ratio:.2f}× the floor "
                  f"(target ≤ {RATIO_TARGET}×)" + (f"; per run {', '.join(f'{x:.2f}' for x in ratios)}×"
                                                    if len(runs) > 1 else ""),
              f"  client CPU: ours {ours['cpu_s'] / results['ideal']['cpu_s']:.2f}× the floor's"
              + (f"; per run {', '.join(f'{x:.2f}' for x in cpu_ratios)}×" if len(runs) > 1 else ""),
              f"  requests: ours {ours['reads'] + ours['writes']}, floor "
              f"{results['ideal']['reads'] + results['ideal']['writes']} (ours adds GET / — the server's identity "
              "and version, which the journal and the Guid check need)"]
    if sizes.movies >= 100_000:
        lines.append(f"  [{'ok' if ours['rss_mb'] <= RSS_TARGET_MB else 'MISSED'}] ours peak RSS "
                     f"{ours['rss_mb']:.0f} MB (target ≤ {RSS_TARGET_MB:g} MB at 100,000 items)")
    return [*lines, ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=("both", "big", "small"), default="both")
    parser.add_argument("--quick", action="store_true", help="one small smoke size")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive plexapi run")
    parser.add_argument("--naive-writes", type=int, default=300, metavar="N",
                        help="time only the first N naive writes and extrapolate (0: time them all)")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run ideal and ours N times per size (alternating) and print medians")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "JOB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker_ideal(json.loads(args.worker[1]))))
        return 0
    labels = ["quick"] if args.quick else (["big", "small"] if args.size == "both" else [args.size])
    kinds = ["ideal", "ours"] + ([] if args.no_naive else ["naive"])
    load = os.getloadavg()[0]
    out = [f"Client: Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
           f"{os.cpu_count()} CPUs; load average {load:.1f} before", ""]
    with tempfile.TemporaryDirectory(prefix="r2p-floor-") as tmp:
        for label in labels:
            sizes = SIZES[label]
            runs: list[dict[str, dict[str, Any]]] = []
            for n in range(max(1, args.repeat)):
                results: dict[str, dict[str, Any]] = {}
                for kind in kinds if n == 0 else [k for k in kinds if k != "naive"]:
                    print(f"{label} {kind} (run {n + 1})…", file=sys.stderr, flush=True)
                    results[kind] = measure(replace(sizes), Path(tmp) / f"{label}{n}", kind,
                                            args.naive_writes or None)
                runs.append(results)
            if "naive" in runs[0]:  # timed once: it is slow, and only its order of magnitude matters here
                for run in runs[1:]:
                    run["naive"] = runs[0]["naive"]
            out += table(label, sizes, runs)
    out.append(f"load average {os.getloadavg()[0]:.1f} after")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
