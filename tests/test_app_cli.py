"""The session's rules as the command line shows them (thin: the rules themselves are tested in test_app_session):
two servers with one name, an already-undone run, unfinished runs that were undone, a run still being written,
`undo --last` after kill -9, a damaged journal, and SIGTERM stopping like Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from ratings_to_plex.app import AppSession, Event, PlanOptions, ProgressUpdate, SyncOptions
from ratings_to_plex.cli import app
from ratings_to_plex.emulator import Emulator
from ratings_to_plex.journal import JournalDB
from ratings_to_plex.runlock import RunLock

from .test_journal_helpers import FAKE_TOKEN, cli, csv_from_library, spawn, user_state

runner = CliRunner()


def run(*args: str) -> tuple[int, Any, str, str]:
    result = runner.invoke(app, list(args))
    try:
        payload = json.loads(result.stdout) if "--json" in args else None
    except json.JSONDecodeError:
        payload = None
    return result.exit_code, payload, result.stdout, result.stderr


def sync(emu: Emulator, file: Path, *extra: str) -> int:
    code, payload, _, err = run("sync", str(file), "--url", emu.url, "--token", emu.token, "--all-libraries",
                                "--yes", "--json", *extra)
    assert code == 0, err
    return int(payload["run_id"])


def cancelled(emu: Emulator, file: Path) -> int:
    """A run cancelled after a few writes (made through the session, as the desktop app would)."""
    session = AppSession.default(workers=2)
    conn = session.connect_url(emu.url, emu.token)
    cancel = threading.Event()

    def stop(event: Event) -> None:
        if isinstance(event, ProgressUpdate) and event.done >= 3:
            cancel.set()

    plan = session.preview(conn, session.read([file])[0],
                           SyncOptions(all_libraries=True, plan=PlanOptions(mark_watched=True)))
    run_id = session.write(conn, plan, cancel=cancel, on_event=stop).run_id
    session.close()
    return run_id


def test_two_servers_with_one_name_through_the_cli(same_name: tuple[Emulator, Emulator], tmp_path: Path) -> None:
    a, b = same_name
    csv_from_library(a, tmp_path / "a.csv", 6, seed=1)
    csv_from_library(b, tmp_path / "b.csv", 6, seed=2)
    on_b = sync(b, tmp_path / "b.csv")
    on_a = sync(a, tmp_path / "a.csv")  # newer, on the other server of the same name
    synced_b = user_state(b)

    code, _, _, err = run("undo", str(on_a), "--url", b.url, "--token", b.token, "--yes")
    assert code == 2 and "another server" in err and user_state(b) == synced_b
    code, payload, _, err = run("undo", "--last", "--url", b.url, "--token", b.token, "--yes", "--json")
    assert code == 0, err
    assert payload["undo_of"] == on_b  # --last on B is B's last run, not A's newer one
    code, payload, _, _ = run("history", "--json")
    servers = {r["run_id"]: r["server_url"] for r in payload["runs"]}
    assert servers[on_a] == a.url and servers[on_b] == b.url


def test_already_undone_and_unfinished_after_undo(same_name: tuple[Emulator, Emulator], tmp_path: Path) -> None:
    emu = same_name[0]
    file = tmp_path / "r.csv"
    csv_from_library(emu, file, 20, seed=3)
    before = user_state(emu)
    run_id = cancelled(emu, file)
    code, _, out, _ = run("sync", str(file), "--url", emu.url, "--token", emu.token, "--all-libraries")
    assert f"Run {run_id} for this file did not finish" in out and code == 2  # no --yes: nothing written

    code, _, _, err = run("undo", str(run_id), "--token", emu.token, "--yes")
    assert code == 0, err
    assert user_state(emu) == before
    code, _, _, err = run("undo", str(run_id), "--token", emu.token, "--yes")
    assert code == 2 and f"Run {run_id} was already undone by run" in err  # the app's rule: refused, not redone
    code, _, _, err = run("sync", str(file), "--resume", "--token", emu.token, "--yes")
    assert code == 2 and "No unfinished run" in err  # an undone run is not offered for --resume
    code, _, out, _ = run("sync", str(file), "--url", emu.url, "--token", emu.token, "--all-libraries")
    assert "did not finish" not in out


def test_undo_refuses_a_run_being_written_and_last_counts_killed_writes(same_name: tuple[Emulator, Emulator],
                                                                      tmp_path: Path) -> None:
    emu = same_name[0]
    file = tmp_path / "w.csv"
    csv_from_library(emu, file, 10, seed=4)
    run_id = cancelled(emu, file)
    journal = JournalDB()
    writer = RunLock(journal.path.parent, run_id)  # as a live `sync` in another terminal holds it
    assert writer.acquire()
    try:
        code, _, _, err = run("undo", str(run_id), "--token", emu.token, "--yes")
        assert code == 2 and "still being written by another process" in err
    finally:
        writer.release()
    # As after kill -9 mid-write: nothing `applied`, the writes in flight journaled `writing`.
    journal.execute("UPDATE changes SET state='writing' WHERE run_id=? AND state='applied'", (run_id,))
    journal.execute("UPDATE runs SET status='running' WHERE id=?", (run_id,))
    code, payload, _, err = run("undo", "--last", "--token", emu.token, "--dry-run", "--json")
    assert code == 0, err
    assert payload["undo_of"] == run_id and payload["changes"]  # was "Nothing to undo"
    journal.close()


def test_a_damaged_journal_names_itself_and_can_be_moved_aside(same_name: tuple[Emulator, Emulator],
                                                               tmp_path: Path) -> None:
    emu = same_name[0]
    path = Path(os.environ["RATINGS_TO_PLEX_DATA_DIR"]) / "journal.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"garbage, not SQLite " * 200)
    code, _, _, err = run("history")
    assert code == 2 and str(path) in err and "--move-journal-aside" in err and "Traceback" not in err
    csv_from_library(emu, tmp_path / "d.csv", 5, seed=5)
    code, _, out, err = run("sync", str(tmp_path / "d.csv"), "--url", emu.url, "--token", emu.token,
                            "--all-libraries", "--dry-run")
    assert code == 0, err
    assert "not recorded" in out and emu.counters.writes() == 0  # a dry run is not blocked
    code, _, _, err = run("history", "--move-journal-aside")
    assert code == 0 and "Moved the damaged journal" in err
    assert list(path.parent.glob("journal.sqlite3.corrupt-*"))
    code, payload, _, _ = run("history", "--json")
    assert code == 0 and payload == {"runs": []}


def test_sigterm_stops_like_ctrl_c(emulator: Callable[..., Emulator], tmp_path: Path) -> None:
    emu = emulator(movies=300, shows=0, seed=63, latency_ms=20, token=FAKE_TOKEN)
    file = tmp_path / "t.csv"
    expected = csv_from_library(emu, file, 200, seed=6)
    proc = spawn(["sync", str(file), "--url", emu.url, "--token", FAKE_TOKEN, "--all-libraries", "--yes",
                  "--workers", "2"], tmp_path / "term.out")
    deadline = time.monotonic() + 60
    while emu.counters.get("PUT /:/rate") < 10 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 130, (tmp_path / "term.out.err").read_text()
    written = emu.counters.get("PUT /:/rate")
    run_info = JournalDB().runs()[0]
    assert run_info.status == "cancelled" and run_info.writing == 0
    assert run_info.applied == written < len(expected)  # writes in flight finished and were journaled
    assert "did not finish" in (tmp_path / "term.out").read_text()
    done = cli(["sync", str(file), "--resume", "--token", FAKE_TOKEN, "--yes"])
    assert done.returncode == 0, done.stderr
    assert emu.counters.get("PUT /:/rate") == len(expected)  # nothing written twice
