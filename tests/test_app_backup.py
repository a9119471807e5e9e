"""Export and restore through the application session: a JSON backup written, read back and restored (as a journaled,
undoable run of kind restore), and one user's ratings taken as an in-memory backup."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ratings_to_plex.app import AppSession, RunKind, RunStatus, SyncOptions
from ratings_to_plex.emulator import Emulator

from .test_journal_helpers import csv_from_library, user_state


def test_backup_restore_round_trip(emulator: Callable[..., Emulator], tmp_path: Path) -> None:
    emu = emulator(movies=60, shows=0, seed=81)
    session = AppSession(journal_path=tmp_path / "j" / "journal.sqlite3", report_dir=tmp_path / "r")
    conn = session.connect_url(emu.url, emu.token)
    everything = SyncOptions(all_libraries=True)
    csv_from_library(emu, tmp_path / "rate.csv", 10, seed=1)
    session.write(conn, session.preview(conn, session.read([tmp_path / "rate.csv"])[0], everything))
    rated = {k: v[0] for k, v in user_state(emu).items() if v[0] is not None}

    result = session.export_ratings(conn, everything, "json", tmp_path / "backup.json")
    assert result.items == len(rated) and result.paths == [tmp_path / "backup.json"]
    in_memory = session.ratings_backup(conn, everything)
    assert {i.rating_key for i in in_memory.items} >= set(rated)

    csv_from_library(emu, tmp_path / "other.csv", 10, seed=2)  # change ratings after the backup
    session.write(conn, session.preview(conn, session.read([tmp_path / "other.csv"])[0], everything))
    assert {k: v[0] for k, v in user_state(emu).items() if v[0] is not None} != rated

    plan = session.plan_restore(conn, session.read_backup(tmp_path / "backup.json"))
    assert plan.kind is RunKind.RESTORE and plan.identity == conn.identity and plan.writes
    summary = session.write(conn, plan)
    assert summary.status is RunStatus.DONE
    assert {k: v[0] for k, v in user_state(emu).items() if v[0] is not None} == rated
    assert session.undo_blocker(session.run(summary.run_id), conn.identity) is None  # undoable like any run
    session.close()
