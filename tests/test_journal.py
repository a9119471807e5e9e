"""The journal: previous values committed before each write and durable under kill -9, private file modes, the
token never stored, and the run queries behind `history`, `undo --last` and `sync --resume`."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

from ratings_to_plex.apply import FAILED, UPDATED, Outcome
from ratings_to_plex.journal import JournalDB
from ratings_to_plex.plan import Change
from ratings_to_plex.security import register_secret

from .engine_helpers import item

_KILLED_WRITER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {tests!r})
    from ratings_to_plex.apply import Outcome, UPDATED
    from ratings_to_plex.journal import JournalDB
    from ratings_to_plex.plan import Change
    from engine_helpers import item
    journal = JournalDB(__import__("pathlib").Path({path!r}))
    changes = [Change(item(f"Film {{k}}", key=k, rating=None if k % 2 else 5.0, views=k % 3), None,
                      None if k % 2 else 5.0, 8.0, True, bool(k % 3), True) for k in range(1, 11)]
    recorder = journal.start_run(changes, kind="sync", file="x.csv", file_hash="abc", server_url="http://h:1")
    for c in changes[:4]:
        recorder.before(c)
    for c in changes[:2]:
        recorder.after(Outcome(c, UPDATED, True, True))
    recorder.flush()  # outcomes are queued until the next before() (test_journal_batch.py); marks never are
    print(recorder.run_id, flush=True)
    time.sleep(60)
""")


def change(key: int, old: float | None = None, new: float | None = 7.0) -> Change:
    return Change(item(f"Film {key}", key=key, rating=old), None, old, new, True, False, None)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_previous_values_survive_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    tests = str(Path(__file__).parent)
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER.format(tests=tests, path=str(path))],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    run_id = int(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    journal = JournalDB(path)
    records = journal.changes(run_id)
    assert [r.state for r in records] == ["applied"] * 2 + ["writing"] * 2 + ["planned"] * 6
    assert [r.old_rating for r in records[:4]] == [None, 5.0, None, 5.0]
    assert [r.old_watched for r in records[:4]] == [True, True, False, True]
    assert all(r.new_rating == 8.0 and r.watched for r in records)
    run = journal.run(run_id)
    assert run.status == "running" and not run.finished and run.applied == 2 and run.pending == 8


def test_files_are_private_and_token_never_stored(tmp_path: Path) -> None:
    token = "FAKE-TOKEN-for-tests-1234567890"
    register_secret(token)
    path = tmp_path / "data" / "journal.sqlite3"
    journal = JournalDB(path)
    recorder = journal.start_run([change(1)], kind="sync", server_url=f"http://h:32400/?X-Plex-Token={token}",
                                 server_name=f"name {token}", options={"note": token})
    recorder.before(change(1))
    recorder.after(Outcome(change(1), FAILED, error=f"failed with {token}"))
    recorder.finish("done", {})
    assert journal.run(recorder.run_id).server_url == "http://h:32400/?X-Plex-Token=[REDACTED]"
    for suffix in ("", "-wal", "-shm"):
        sibling = path.with_name(path.name + suffix)
        assert mode(sibling) == 0o600, sibling
        assert token.encode() not in sibling.read_bytes()
    journal.close()
    os.chmod(path, 0o644)
    JournalDB(path).close()
    assert mode(path) == 0o600  # reopening tightens a loosened mode


def test_unfinished_and_last_undoable(tmp_path: Path) -> None:
    journal = JournalDB(tmp_path / "j.sqlite3")

    def run(status: str, applied: int = 0, **fields: object) -> int:
        recorder = journal.start_run([change(k) for k in range(1, 3)], **{"kind": "sync", **fields})
        for k in range(1, applied + 1):
            recorder.after(Outcome(change(k), UPDATED, True))
        if status != "running":
            recorder.finish(status, {})
        return recorder.run_id

    first = run("stopped", 1, file_hash="A")
    run("dry_run", dry_run=1, file_hash="A")
    assert journal.unfinished_for("A") is not None and journal.unfinished_for("A").id == first  # type: ignore[union-attr]
    other = run("running", 0, file_hash="B")
    assert journal.unfinished_for("B").id == other  # type: ignore[union-attr]
    assert journal.unfinished_for("C") is None
    later = run("done", 2, file_hash="A")
    assert journal.unfinished_for("A") is None  # a later finished sync of the same file supersedes it
    assert journal.last_undoable().id == later  # type: ignore[union-attr]
    undo_id = run("done", 2, kind="undo", undo_of=later)
    journal.mark_undone(later, undo_id)
    assert journal.last_undoable().id == undo_id  # type: ignore[union-attr]  # the undo itself can be undone
    journal.mark_undone(undo_id, 999)
    assert journal.last_undoable().id == first  # type: ignore[union-attr]  # other never wrote anything


def test_old_journal_gains_the_undone_by_column(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL DEFAULT 'sync', "
               "started_at REAL NOT NULL, finished_at REAL, status TEXT NOT NULL DEFAULT 'running', file TEXT, "
               "file_hash TEXT, source_format TEXT, server_name TEXT, server_url TEXT, machine_id TEXT, "
               "libraries TEXT, options TEXT, counts TEXT, undo_of INTEGER, dry_run INTEGER NOT NULL DEFAULT 0)")
    db.execute("INSERT INTO runs (started_at, status) VALUES (1.0, 'done')")
    db.commit()
    db.close()
    journal = JournalDB(path)
    assert journal.run(1).undone_by is None
    journal.mark_undone(1, 1)
    assert journal.run(1).undone_by == 1
