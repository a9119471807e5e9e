"""Whole `sync` runs (the CLI in a subprocess, as a user runs it) against a hostile server: a lying `totalSize` costs
no extra request and no memory, a page that is not Plex XML ends the run with exit 3 and a plain message (it used to
be "This is a bug", or — for a login page — an empty library and exit 0), and a redirect takes no token away.

The subprocess runs under a 1.5 GB address-space limit, so code that regressed to building a page list from the
claimed total fails here quickly instead of taking the machine's memory."""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.emulator.hostile import Attack, Hostile, TokenTrap

from .test_journal_helpers import FAKE_TOKEN, cli_env, csv_from_library

LISTINGS = ("/library/sections/",)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(movies=300, shows=0, seed=5, token=FAKE_TOKEN)) as e:
        yield e


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))


def _sync(emu: Emulator, tmp_path: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], float]:
    csv_path = tmp_path / "ratings.csv"
    if not csv_path.exists():
        csv_from_library(emu, csv_path, 40, seed=5)
    args = [sys.executable, "-m", "ratings_to_plex", "sync", str(csv_path), "--url", emu.url, "--all-libraries",
            "--yes", "--report-dir", str(tmp_path / "reports"), *extra]
    started = time.monotonic()
    result = subprocess.run(args, env=cli_env(PLEX_TOKEN=FAKE_TOKEN), capture_output=True, text=True, timeout=90,
                            stdin=subprocess.DEVNULL, preexec_fn=_limit_memory)
    return result, time.monotonic() - started


@pytest.mark.parametrize("total", [10**7, 10**12])
def test_a_lying_total_size_costs_no_request_and_no_memory(emu: Emulator, tmp_path: Path, total: int) -> None:
    """10**7 used to mean 20,000 page requests; 10**12 a page list of 10**9 entries (3 GB, then a traceback)."""
    emu.faults.hostile = Hostile(Attack.TOTAL_SIZE, paths=LISTINGS, total=total)
    result, took = _sync(emu, tmp_path)
    assert result.returncode == 0, result.stderr[-800:]
    assert emu.counters.total() < 120 and took < 30
    assert sum(s.user_rating is not None for s in emu.state().values()) >= 40


@pytest.mark.parametrize(("attack", "says"), [
    (Attack.HTML, "web page instead of Plex data"),
    (Attack.MALFORMED, "not valid Plex XML"),
    (Attack.HUGE, "MB in one reply"),
])
def test_a_reply_that_is_not_plex_ends_the_run_as_a_server_error(emu: Emulator, tmp_path: Path, attack: Attack,
                                                                  says: str) -> None:
    before = emu.state()
    emu.faults.hostile = Hostile(attack, paths=LISTINGS)
    result, took = _sync(emu, tmp_path)
    assert result.returncode == 3 and says in result.stderr and "bug" not in result.stderr.lower(), result.stderr
    assert took < 30 and emu.state() == before


def test_writes_redirected_elsewhere_send_no_token_and_stop_the_run(emu: Emulator, tmp_path: Path) -> None:
    before = emu.state()
    with TokenTrap() as trap:
        emu.faults.hostile = Hostile(Attack.REDIRECT, paths=("/:/",), target=trap.url)
        result, _ = _sync(emu, tmp_path)
    assert trap.tokens == [] and trap.paths == []
    assert result.returncode == 3 and "--resume" in result.stdout + result.stderr
    assert emu.state() == before
    logs = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "reports").glob("*.log"))
    assert f"redirected to {trap.url}/:/rate" in logs and FAKE_TOKEN not in logs


def test_a_mark_watched_run_whose_scrobble_answers_are_lost_views_each_item_once(emu: Emulator,
                                                                                 tmp_path: Path) -> None:
    before = emu.state()
    emu.faults.hostile = Hostile(Attack.LOST_REPLY, paths=("/:/scrobble",))
    result, _ = _sync(emu, tmp_path, "--mark-watched")
    assert result.returncode == 0, result.stderr[-800:]
    after = emu.state()
    added = [after[k].view_count - before[k].view_count for k in before if after[k].view_count != before[k].view_count]
    assert emu.faults.hostile.hits > 10 and len(added) == emu.faults.hostile.hits and set(added) == {1}


def test_credentials_in_the_url_reach_no_file_and_no_history(emu: Emulator, tmp_path: Path) -> None:
    """`--url http://user:password@host`: the journal, `history --json`, logs and config used to keep the password."""
    csv_path = tmp_path / "ratings.csv"
    csv_from_library(emu, csv_path, 5, seed=5)
    env = cli_env(PLEX_TOKEN=FAKE_TOKEN)
    url = emu.url.replace("http://", "http://alice:pw-s3cret@")
    run = [sys.executable, "-m", "ratings_to_plex"]
    synced = subprocess.run([*run, "sync", str(csv_path), "--url", url, "--all-libraries", "--yes"], env=env,
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    history = subprocess.run([*run, "history", "--json"], env=env, capture_output=True, text=True, timeout=60)
    assert synced.returncode == 0 and history.returncode == 0, synced.stderr + history.stderr
    assert emu.url in history.stdout
    kept = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert b"pw-s3cret" not in kept and "pw-s3cret" not in synced.stdout + synced.stderr + history.stdout
