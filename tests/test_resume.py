"""`sync --resume`: an interrupted run is finished under its own run id from the journal; writes that landed before
the interruption are recognised by re-reading the items, so nothing is written twice and nothing is skipped."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ratings_to_plex.app import AppSession, Event, PlanOptions, ProgressUpdate, SyncOptions
from ratings_to_plex.cli import app
from ratings_to_plex.emulator import Emulator
from ratings_to_plex.journal import JournalDB
from ratings_to_plex.plex.client import PlexClient

from .test_journal_helpers import csv_from_library, user_state

runner = CliRunner()


@pytest.fixture
def emu(emulator: Callable[..., Emulator]) -> Emulator:
    return emulator(movies=200, shows=0, seed=21)


def interrupted_run(emu: Emulator, file: Path, tmp_path: Path, stop_after: int) -> int:
    """Run a sync with --mark-watched and cancel it after `stop_after` outcomes; returns its run id."""
    session = AppSession.default(report_dir=tmp_path / "reports", workers=2)
    conn = session.connect_url(emu.url, emu.token)
    options = SyncOptions(all_libraries=True, plan=PlanOptions(mark_watched=True))
    plan = session.preview(conn, session.read([file])[0], options)
    cancel = threading.Event()

    def progress(event: Event) -> None:
        if isinstance(event, ProgressUpdate) and event.done >= stop_after:
            cancel.set()

    summary = session.write(conn, plan, cancel=cancel, on_event=progress)
    assert summary.status == "cancelled"
    return summary.run_id


def test_resume_writes_only_what_did_not_land(emu: Emulator, tmp_path: Path) -> None:
    file = tmp_path / "ratings.csv"
    expected = csv_from_library(emu, file, 60, seed=1)
    before = user_state(emu)
    run_id = interrupted_run(emu, file, tmp_path, stop_after=10)
    journal = JournalDB()
    pending = journal.changes(run_id, ("planned",))
    assert 30 < len(pending) < 60
    # Simulate a crash: some writes landed without their `after` (journaled `writing`), some never left.
    client = PlexClient.connect(emu.url, emu.token)
    landed, lost, half = pending[:5], pending[5:10], pending[10]
    for rec in landed:
        client.rate(rec.rating_key, rec.item_type, rec.new_rating)
        if rec.watched:
            client.mark_watched(rec.rating_key, rec.item_type, True)
    client.rate(half.rating_key, half.item_type, half.new_rating)  # the rating landed, the watched mark did not
    for rec in [*landed, *lost, half]:
        journal.execute("UPDATE changes SET state='writing' WHERE run_id=? AND rating_key=?",
                        (run_id, rec.rating_key))
    must_rate = len(pending) - len(landed) - 1
    must_mark = sum(1 for r in pending if r.watched) - sum(1 for r in landed if r.watched)

    hint = runner.invoke(app, ["sync", str(file), "--url", emu.url, "--token", emu.token, "--all-libraries"])
    assert f"Run {run_id} for this file did not finish: add --resume to finish it." in hint.stdout
    assert hint.exit_code == 2  # no terminal, no --yes: nothing written

    emu.counters.reset()
    result = runner.invoke(app, ["sync", str(file), "--resume", "--token", emu.token, "--yes", "--json"])
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["run_id"] == run_id and payload["status"] == "done"
    assert payload["counts"]["updated"] == sum(1 for r in journal.changes(run_id) if r.set_rating)
    snapshot = emu.counters.snapshot()
    assert snapshot["PUT /:/rate"] == must_rate  # nothing written twice, nothing skipped
    assert snapshot.get("GET /:/scrobble", 0) == must_mark
    assert snapshot["GET /library/metadata/{rk}"] == 1  # one batched re-read of the unfinished changes
    after = user_state(emu)
    assert all(after[k][0] == v for k, v in expected.items())
    assert all(after[k][1] == max(1, before[k][1]) for k in expected)  # watched exactly once when it was not
    run = journal.run(run_id)
    assert run.status == "done" and run.applied == len(journal.changes(run_id)) and run.pending == 0
    again = runner.invoke(app, ["sync", str(file), "--resume", "--token", emu.token, "--yes"])
    assert again.exit_code == 2 and "No unfinished run" in again.stderr


def test_resume_reports_an_item_deleted_meanwhile(emu: Emulator, tmp_path: Path) -> None:
    file = tmp_path / "ratings.csv"
    csv_from_library(emu, file, 30, seed=2)
    run_id = interrupted_run(emu, file, tmp_path, stop_after=3)
    gone = JournalDB().changes(run_id, ("planned",))[0].rating_key
    del emu.library.items[gone]
    result = runner.invoke(app, ["sync", str(file), "--resume", "--url", emu.url, "--token", emu.token, "--yes"])
    assert result.exit_code == 1 and "no longer on the server" in result.stdout
    run = JournalDB().run(run_id)
    assert run.status == "done" and run.failed == 1 and run.pending == 0


def test_resume_dry_run_writes_nothing(emu: Emulator, tmp_path: Path) -> None:
    file = tmp_path / "ratings.csv"
    csv_from_library(emu, file, 30, seed=3)
    run_id = interrupted_run(emu, file, tmp_path, stop_after=3)
    emu.counters.reset()
    result = runner.invoke(app, ["sync", str(file), "--resume", "--token", emu.token, "--dry-run", "--json"])
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["run_id"] == run_id and payload["dry_run"] and payload["changes"]
    assert emu.counters.writes() == 0 and JournalDB().run(run_id).status == "cancelled"

