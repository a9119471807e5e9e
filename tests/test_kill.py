"""kill -9 at random points of a 2,000-change sync, then `sync --resume` each time: every rating ends as planned,
every write reaches the server exactly once, and the journal ends consistent (one run, all applied, done).

Exactly once holds because resume re-reads every change not journaled `applied` and skips those whose value already
landed; the emulator counts every request that reaches it, faulted or not, so the counts are a strict check.
Seed the kill points with KILL_SEED=… to replay a failure (the seed is in every assertion message).
"""

from __future__ import annotations

import json
import os
import random
import signal
import time
from pathlib import Path

import pytest

from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.journal import JournalDB

from .test_journal_helpers import FAKE_TOKEN, cli, csv_from_library, spawn, user_state

ROWS = 2000


def kill_and_resume(tmp_path: Path, kills: int) -> list[tuple[int, int, int]]:
    """Run the chain; returns (kill point, rate requests seen, changes left `writing`) per kill."""
    seed = int(os.environ.get("KILL_SEED") or random.SystemRandom().randrange(1 << 30))
    rng = random.Random(seed)
    figures: list[tuple[int, int, int]] = []
    with Emulator(EmulatorConfig(movies=2500, shows=0, seed=31, latency_ms=5, token=FAKE_TOKEN)) as emu:
        file = tmp_path / "ratings.csv"
        expected = csv_from_library(emu, file, ROWS, seed=seed)
        before = user_state(emu)
        to_mark = sum(1 for k in expected if before[k][1] == 0)
        points = sorted(rng.sample(range(20, len(expected) - 20), kills))
        base = ["sync", str(file), "--url", emu.url, "--token", FAKE_TOKEN, "--all-libraries", "--yes",
                "--workers", "4", "--mark-watched", "--report-dir", str(tmp_path / "reports")]
        journal = JournalDB()
        for n, point in enumerate(points):
            proc = spawn(base + (["--resume"] if n else []), tmp_path / f"run{n}.out")
            while emu.counters.get("PUT /:/rate") < point and proc.poll() is None:
                time.sleep(0.001)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            assert proc.returncode == -signal.SIGKILL, f"seed {seed}: run ended before kill point {point}: " + \
                (tmp_path / f"run{n}.out.err").read_text()[-2000:]
            run = journal.runs()[0]
            writing = len(journal.changes(run.id, ("writing",)))
            figures.append((point, emu.counters.get("PUT /:/rate"), writing))
        time.sleep(0.05)  # let the emulator finish requests the killed process left in flight
        final = cli([*base, "--resume", "--json"])
        assert final.returncode == 0, f"seed {seed}: {final.stderr[-2000:]}"
        payload = json.loads(final.stdout)

        after = user_state(emu)
        assert all(after[k][0] == v for k, v in expected.items()), f"seed {seed}: a rating is not as planned"
        assert all(after[k][1] == (before[k][1] or 1) for k in expected), f"seed {seed}: a view counted twice"
        assert {k: v for k, v in after.items() if k not in expected} == \
            {k: v for k, v in before.items() if k not in expected}, f"seed {seed}: an unplanned item changed"
        assert emu.counters.get("PUT /:/rate") == len(expected), f"seed {seed}: {figures}"
        assert emu.counters.get("GET /:/scrobble") == to_mark, f"seed {seed}: {figures}"

        runs = journal.runs()
        assert len(runs) == 1 and runs[0].id == payload["run_id"], f"seed {seed}: the run id changed"
        assert runs[0].status == "done" and runs[0].applied == len(expected) and runs[0].pending == 0
        assert runs[0].failed == 0 and payload["counts"]["updated"] == len(expected)
    print(f"\nkill test seed {seed}: (kill point, rate requests at kill, changes journaled writing) {figures}")
    return figures


def test_kill_9_five_times_then_resume(tmp_path: Path) -> None:
    kill_and_resume(tmp_path, 5)


@pytest.mark.slow
def test_kill_9_twenty_times_then_resume(tmp_path: Path) -> None:
    kill_and_resume(tmp_path, 20)
