"""`undo`: a sync and its undo leave every item exactly as before; an undo can be undone; changes made by someone
else in between are skipped and reported, never overwritten. Through the CLI and plexapi against the emulator."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import requests
from typer.testing import CliRunner

from ratings_to_plex.app import AppSession, Event, ProgressUpdate
from ratings_to_plex.cli import app
from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.journal import JournalDB

from .test_journal_helpers import csv_from_library, user_state

IMDB = Path(str(files("ratings_to_plex.data"))) / "sample_imdb_ratings.csv"
runner = CliRunner()


@pytest.fixture
def emu(emulator: Callable[..., Emulator]) -> Emulator:
    return emulator(movies=300, shows=4, episodes_per_show=3, seed=11)


def invoke(*args: str) -> tuple[int, dict[str, Any], str]:
    result = runner.invoke(app, [*args, "--json"])
    payload = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.exit_code, payload, result.stderr


def sync(e: Emulator, file: Path, *extra: str) -> dict[str, Any]:
    code, payload, stderr = invoke("sync", str(file), "--url", e.url, "--token", e.token, "--all-libraries",
                                   "--yes", *extra)
    assert code == 0, stderr
    return payload


def undo(e: Emulator, *target: str, code: int = 0) -> dict[str, Any]:
    exit_code, payload, stderr = invoke("undo", *target, "--token", e.token, "--yes")
    assert exit_code == code, stderr
    return payload


def test_sync_then_undo_restores_every_item_exactly(emu: Emulator, tmp_path: Path) -> None:
    expected = csv_from_library(emu, tmp_path / "ratings.csv", 120, seed=1)
    before = user_state(emu)
    unrated_before = [k for k in expected if before[k][0] is None]
    unwatched_before = [k for k in expected if before[k][1] == 0]
    assert unrated_before and unwatched_before  # the undo must clear ratings and un-watch, not only rewrite
    synced_payload = sync(emu, tmp_path / "ratings.csv", "--mark-watched")
    synced = user_state(emu)
    assert all(synced[k][0] == v and synced[k][1] >= 1 for k, v in expected.items())

    emu.counters.reset()
    payload = undo(emu, str(synced_payload["run_id"]))
    assert user_state(emu) == before
    assert payload["undo_of"] == synced_payload["run_id"] and payload["skipped"] == []
    assert payload["counts"]["updated"] == len(expected)
    assert payload["counts"]["marked_unwatched"] == len(unwatched_before)
    snapshot = emu.counters.snapshot()
    assert snapshot["GET /library/metadata/{rk}"] == 1  # current state read in one batched request
    assert snapshot["PUT /:/rate"] == len(expected) and snapshot["GET /:/unscrobble"] == len(unwatched_before)

    # An undo is a run: undoing it puts the synced state back.
    redo = undo(emu, str(payload["run_id"]))
    assert user_state(emu) == synced and redo["undo_of"] == payload["run_id"]

    runs = {r.id: r for r in JournalDB().runs()}
    assert runs[synced_payload["run_id"]].undone_by == payload["run_id"]
    assert runs[payload["run_id"]].undone_by == redo["run_id"] and runs[payload["run_id"]].kind == "undo"


def test_demo_library_with_shows_and_episodes(tmp_path: Path) -> None:
    with Emulator(EmulatorConfig(demo=True)) as e:
        before = user_state(e)
        first = sync(e, IMDB, "--mark-watched")
        assert first["counts"]["updated"] > 5 and first["counts"]["marked_watched"] > 0
        undo(e, "--last")
        assert user_state(e) == before


def test_undo_skips_and_reports_an_item_changed_since(emu: Emulator, tmp_path: Path) -> None:
    expected = csv_from_library(emu, tmp_path / "ratings.csv", 20, seed=2)
    before = user_state(emu)
    run_id = sync(emu, tmp_path / "ratings.csv")["run_id"]
    changed = sorted(expected)[3]
    other = 10.0 if expected[changed] != 10.0 else 9.0
    response = requests.put(f"{emu.url}/:/rate", params={"key": changed, "identifier": "com.plexapp.plugins.library",
                                                         "rating": other, "X-Plex-Token": emu.token}, timeout=5)
    assert response.ok

    result = runner.invoke(app, ["undo", str(run_id), "--token", emu.token, "--yes"])
    assert result.exit_code == 0, result.stderr
    assert "changed since" in result.stdout and "1 skipped" in result.stdout
    after = user_state(emu)
    assert after[changed][0] == other  # someone else's rating is kept
    assert {k: v for k, v in after.items() if k != changed} == {k: v for k, v in before.items() if k != changed}


def test_undo_last_dry_run_and_refusals(emu: Emulator, tmp_path: Path) -> None:
    nothing = runner.invoke(app, ["undo", "--last", "--token", emu.token, "--yes"])
    assert nothing.exit_code == 2 and "Nothing to undo" in nothing.stderr
    csv_from_library(emu, tmp_path / "a.csv", 10, seed=3)
    before = user_state(emu)
    dry = invoke("sync", str(tmp_path / "a.csv"), "--url", emu.url, "--token", emu.token, "--all-libraries",
                 "--dry-run")[1]
    run_id = sync(emu, tmp_path / "a.csv")["run_id"]
    synced = user_state(emu)

    code, payload, _ = invoke("undo", "--last", "--token", emu.token, "--dry-run")
    assert code == 0 and payload["dry_run"] and payload["undo_of"] == run_id and len(payload["changes"]) == 10
    assert user_state(emu) == synced
    no_tty = runner.invoke(app, ["undo", str(run_id), "--token", emu.token])
    assert no_tty.exit_code == 2 and "--yes" in no_tty.stderr
    both = runner.invoke(app, ["undo", str(run_id), "--last", "--token", emu.token])
    assert both.exit_code == 2
    of_dry = runner.invoke(app, ["undo", str(dry["run_id"]), "--token", emu.token, "--yes"])
    assert of_dry.exit_code == 2 and "dry run" in of_dry.stderr
    unknown = runner.invoke(app, ["undo", "999", "--token", emu.token, "--yes"])
    assert unknown.exit_code == 2 and "no run 999" in unknown.stderr
    with Emulator(EmulatorConfig(movies=5, shows=0, seed=99)) as other:
        wrong = runner.invoke(app, ["undo", str(run_id), "--url", other.url, "--token", other.token, "--yes"])
        assert wrong.exit_code == 2 and "another server" in wrong.stderr
    assert user_state(emu) == synced
    undo(emu, "--last")
    assert user_state(emu) == before


def test_history_lists_runs_and_undone(emu: Emulator, tmp_path: Path) -> None:
    csv_from_library(emu, tmp_path / "h.csv", 8, seed=4)
    run_id = sync(emu, tmp_path / "h.csv")["run_id"]
    undo_id = undo(emu, "--last")["run_id"]
    result = runner.invoke(app, ["history", "--json"])
    assert result.exit_code == 0
    runs = {r["run_id"]: r for r in json.loads(result.stdout)["runs"]}
    assert runs[run_id]["undone"] and runs[run_id]["undone_by"] == undo_id and runs[run_id]["updated"] == 8
    assert runs[run_id]["file"].endswith("h.csv") and runs[run_id]["server"] == "Plex Emulator"
    assert runs[undo_id]["kind"] == "undo" and runs[undo_id]["undo_of"] == run_id and not runs[undo_id]["undone"]
    assert runs[run_id]["status"] == "done" and runs[run_id]["failed"] == 0
    table = runner.invoke(app, ["history"])
    assert table.exit_code == 0 and f"undo {run_id}" in table.stdout and f"by {undo_id}" in table.stdout


def test_undo_with_a_revoked_token_stops_with_exit_3(emu: Emulator, tmp_path: Path) -> None:
    csv_from_library(emu, tmp_path / "r.csv", 5, seed=5)
    run_id = sync(emu, tmp_path / "r.csv")["run_id"]
    token = emu.token
    emu.revoke_token()
    result = runner.invoke(app, ["undo", str(run_id), "--token", token, "--yes"])
    assert result.exit_code == 3 and "sign in again" in result.stderr


def test_undo_last_after_an_interrupted_undo_finishes_it(emu: Emulator, tmp_path: Path) -> None:
    csv_from_library(emu, tmp_path / "i.csv", 40, seed=6)
    before = user_state(emu)
    run_id = sync(emu, tmp_path / "i.csv", "--mark-watched")["run_id"]
    session = AppSession.default(report_dir=tmp_path / "reports", workers=2)
    conn = session.connect_url(emu.url, emu.token)
    cancel = threading.Event()

    def stop_soon(event: Event) -> None:
        if isinstance(event, ProgressUpdate) and event.done >= 5:
            cancel.set()

    plan = session.plan_undo(conn, run_id)
    half = session.write(conn, plan, cancel=cancel, on_event=stop_soon)
    assert half.status == "cancelled" and user_state(emu) != before
    result = runner.invoke(app, ["undo", "--last", "--token", emu.token, "--yes"])
    assert result.exit_code == 0 and f"finishing the undo of run {run_id}" in result.stdout
    assert user_state(emu) == before
