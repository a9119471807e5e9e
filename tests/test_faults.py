"""Faults a real run meets: 10 % of requests failing (5xx, 429, resets, slow answers), the token revoked mid-run, the
server vanishing mid-run, and log files that cannot be written. Each ends with every rating as planned (or the
run cleanly stopped, resumable) and the journal consistent."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ratings_to_plex.apply import Progress
from ratings_to_plex.cli import app
from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.journal import JournalDB
from ratings_to_plex.plex.client import PlexClient, RetryPolicy
from ratings_to_plex.sources import read_ratings
from ratings_to_plex.sync import SyncOptions, execute_plan, prepare_plan

from .test_journal_helpers import FAKE_TOKEN, cli, csv_from_library, spawn, user_state

IMDB = Path(str(files("ratings_to_plex.data"))) / "sample_imdb_ratings.csv"
FAST_RETRY = RetryPolicy(attempts=8, backoff_s=0.01, timeout_s=10)
runner = CliRunner()


def test_ten_percent_faults_every_rating_as_planned(tmp_path: Path) -> None:
    with Emulator(EmulatorConfig(movies=2500, shows=0, seed=41)) as emu:
        expected = csv_from_library(emu, tmp_path / "ratings.csv", 2000, seed=41)
        before = user_state(emu)
        f = emu.faults
        f.rate_500 = f.rate_503 = f.rate_429 = f.rate_reset = 0.025  # 10 % of requests fail…
        f.rate_slow, f.slow_seconds, f.retry_after = 0.02, 0.05, 0.01  # …and 2 % are slow
        client = PlexClient.connect(emu.url, emu.token, retry=FAST_RETRY)
        options = SyncOptions(all_libraries=True)
        plan, sections = prepare_plan(client, read_ratings(tmp_path / "ratings.csv"), options)
        summary = execute_plan(client, plan, sections, options, report_dir=tmp_path / "reports")
        faults = emu.counters.faults()
        f.clear()
        after = user_state(emu)
    assert summary.status == "done" and summary.tally.counts["Rate failed errors"] == 0
    assert summary.tally.counts["Updated"] == len(expected) == len(plan.writes)
    assert all(after[k][0] == v for k, v in expected.items())
    assert {k: v for k, v in after.items() if k not in expected} == \
        {k: v for k, v in before.items() if k not in expected}
    assert all(faults.get(kind, 0) > 20 for kind in ("500", "503", "429", "reset", "slow")), faults
    print(f"\nfaults injected over the 2,000-row sync: {faults}")


@pytest.fixture
def slow_emu() -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(movies=700, shows=0, seed=42, latency_ms=5, token=FAKE_TOKEN)) as e:
        yield e


def test_token_revoked_mid_run_stops_cleanly_then_resumes(slow_emu: Emulator, tmp_path: Path) -> None:
    emu = slow_emu
    expected = csv_from_library(emu, tmp_path / "ratings.csv", 500, seed=1)
    args = ["sync", str(tmp_path / "ratings.csv"), "--url", emu.url, "--token", FAKE_TOKEN, "--all-libraries",
            "--yes", "--workers", "4"]
    proc = spawn(args, tmp_path / "run.out")
    while emu.counters.get("PUT /:/rate") < 100 and proc.poll() is None:
        time.sleep(0.001)
    emu.revoke_token()
    proc.wait(timeout=60)
    stdout, stderr = (tmp_path / "run.out").read_text(), (tmp_path / "run.out.err").read_text()
    assert proc.returncode == 3, stderr
    assert "sign in again" in stdout + stderr and "add --resume" in stdout
    assert "Traceback" not in stderr
    journal = JournalDB()
    run = journal.runs()[0]
    assert run.status == "stopped" and 100 - 4 <= run.applied < len(expected)  # up to 4 in flight got 401
    assert not journal.changes(run.id, ("writing",))  # every started write has its outcome journaled
    state = user_state(emu)
    assert all(state[r.rating_key][0] == r.new_rating for r in journal.changes(run.id, ("applied",)))

    emu.set_token(FAKE_TOKEN)
    hint = cli(args[:-3])
    assert f"Run {run.id} for this file did not finish: add --resume to finish it." in hint.stdout
    resumed = cli([*args, "--resume"])
    assert resumed.returncode == 0, resumed.stderr
    after = user_state(emu)
    assert all(after[k][0] == v for k, v in expected.items())
    assert journal.run(run.id).status == "done" and journal.run(run.id).applied == len(expected)


def test_server_lost_mid_run_stops_then_resumes_when_back(tmp_path: Path) -> None:
    emu = Emulator(EmulatorConfig(movies=400, shows=0, seed=43, latency_ms=2, token=FAKE_TOKEN)).start()
    port, library = emu.port, emu.library
    expected = csv_from_library(emu, tmp_path / "ratings.csv", 300, seed=2)
    client = PlexClient.connect(emu.url, FAKE_TOKEN, retry=RetryPolicy(attempts=2, backoff_s=0.01, timeout_s=5))
    options = SyncOptions(all_libraries=True, workers=4)
    plan, sections = prepare_plan(client, read_ratings(tmp_path / "ratings.csv"), options)
    stopper = threading.Thread(target=emu.stop)

    def lose_server(p: Progress) -> None:
        if p.done == 50:
            stopper.start()

    lines: list[str] = []
    started = time.monotonic()
    summary = execute_plan(client, plan, sections, options, report_dir=tmp_path / "reports", echo=lines.append,
                           on_progress=lose_server)
    stopper.join()
    assert time.monotonic() - started < 30
    assert summary.status == "stopped"
    message = next(line for line in lines if "Stopped after" in line)
    assert f"Cannot reach Plex at {client.url}" in message
    run = JournalDB().run(summary.run_id)
    assert run.status == "stopped" and run.pending > 0

    with Emulator(EmulatorConfig(port=port, token=FAKE_TOKEN, seed=43), library=library) as back:
        resumed = cli(["sync", str(tmp_path / "ratings.csv"), "--resume", "--token", FAKE_TOKEN, "--yes", "--json"])
        assert resumed.returncode == 0, resumed.stderr
        assert json.loads(resumed.stdout)["run_id"] == summary.run_id
        after = user_state(back)
    assert all(after[k][0] == v for k, v in expected.items())
    assert JournalDB().run(summary.run_id).status == "done"


def _sync_demo(emu: Emulator, reports: Path) -> tuple[int, str, str]:
    result = runner.invoke(app, ["sync", str(IMDB), "--url", emu.url, "--token", emu.token, "--all-libraries",
                                 "--yes", "--report-dir", str(reports)])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("breakage", ["rolling_log_is_a_directory", "disk_full", "report_dir_is_a_file"])
def test_unwritable_logs_never_stop_a_run(breakage: str, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    if breakage == "rolling_log_is_a_directory":
        (reports / "RatingsToPlex.log").mkdir()
    elif breakage == "disk_full":
        if not os.path.exists("/dev/full"):
            pytest.skip("needs /dev/full (Linux)")
        (reports / "RatingsToPlex.log").symlink_to("/dev/full")
    else:
        reports.rmdir()
        reports.write_text("not a folder")
    with Emulator(EmulatorConfig(demo=True)) as emu:
        code, stdout, stderr = _sync_demo(emu, reports)
        rated = [emu.state()[i.rating_key].user_rating for i in emu.library.find(imdb_id="tt1375666")]
    assert code == 0, stderr
    assert rated == [8.0] and "Breakdown:" in stdout and "Traceback" not in stderr
    assert "warning: " in stderr or "Could not write" in stdout
    run = JournalDB().runs()[0]
    assert run.status == "done" and run.failed == 0
