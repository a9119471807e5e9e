"""The journal's group commit: a change is committed `writing` before `before` returns (from every thread), outcomes
are queued and committed with the next mark, and an outcome lost in a kill leaves its change `writing` — which
resume and undo read back from the server (tests/test_kill.py, tests/test_resume.py)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from ratings_to_plex.apply import FAILED, UPDATED, Outcome
from ratings_to_plex.errors import JournalError
from ratings_to_plex.journal import JournalDB
from ratings_to_plex.plan import Change

from .engine_helpers import item


def change(key: int) -> Change:
    return Change(item(f"Film {key}", key=key, rating=None), None, None, 7.0, True, False, None)


def states_on_disk(path: Path) -> dict[int, str]:
    """What another process (a resume after kill -9) would read: committed rows only."""
    db = sqlite3.connect(path)
    try:
        return dict(db.execute("SELECT rating_key, state FROM changes"))
    finally:
        db.close()


def test_outcomes_ride_on_the_next_mark(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = JournalDB(path)
    changes = [change(k) for k in range(1, 4)]
    recorder = journal.start_run(changes, kind="sync")
    recorder.before(changes[0])
    assert states_on_disk(path) == {1: "writing", 2: "planned", 3: "planned"}
    recorder.after(Outcome(changes[0], UPDATED, True, False))
    assert states_on_disk(path)[1] == "writing"  # queued: a kill now leaves it `writing`, re-read on resume
    recorder.before(changes[1])
    assert states_on_disk(path) == {1: "applied", 2: "writing", 3: "planned"}
    recorder.after(Outcome(changes[1], FAILED, error="boom"))
    recorder.finish("done", {})
    assert states_on_disk(path) == {1: "applied", 2: "failed", 3: "planned"}
    journal.close()


def test_every_thread_returns_only_after_its_mark_is_committed(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = JournalDB(path)
    changes = [change(k) for k in range(1, 401)]
    recorder = journal.start_run(changes, kind="sync")
    seen_uncommitted: list[int] = []

    def write(c: Change) -> None:
        recorder.before(c)
        if states_on_disk(path)[c.item.rating_key] != "writing":
            seen_uncommitted.append(c.item.rating_key)
        recorder.after(Outcome(c, UPDATED, True, False))

    def write_all(chunk: list[Change]) -> None:
        for c in chunk:
            write(c)

    threads = [threading.Thread(target=write_all, args=(changes[i::16],)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen_uncommitted == []
    recorder.finish("done", {})
    assert set(states_on_disk(path).values()) == {"applied"}
    journal.close()


def test_a_failed_commit_keeps_the_queue_for_the_next_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = JournalDB(path)
    changes = [change(k) for k in range(1, 3)]
    recorder = journal.start_run(changes, kind="sync")
    recorder.after(Outcome(changes[0], UPDATED, True, False))
    def full(*_: object) -> None:
        raise JournalError("disk full")

    with monkeypatch.context() as patched:
        patched.setattr(journal, "transaction", full)
        patched.setattr(journal, "execute", full)
        with pytest.raises(JournalError):
            recorder.before(changes[1])  # the write must not go out: its mark is not committed
    assert states_on_disk(path) == {1: "planned", 2: "planned"}
    recorder.flush()
    assert states_on_disk(path) == {1: "applied", 2: "writing"}
    recorder.finish("stopped", {})
    journal.close()


def test_a_failed_write_keeps_its_error_when_written_again(tmp_path: Path) -> None:
    """A resumed run marks a failed change `writing` again: the mark keeps the earlier error and time, the new
    outcome replaces them; outcomes and marks of one batch land in queue order."""
    path = tmp_path / "journal.sqlite3"
    journal = JournalDB(path)
    changes = [change(k) for k in range(1, 260)]  # more than one statement's worth of rows
    recorder = journal.start_run(changes, kind="sync")
    for c in changes:
        recorder.before(c)
        recorder.after(Outcome(c, FAILED, error="boom", finished_at=1000.0))
    recorder.flush()
    for c in changes[:-1]:
        recorder.after(Outcome(c, UPDATED, True, False, finished_at=2000.0))
    recorder.before(changes[-1])  # queued after its own first outcome: ends `writing`, error kept
    db = sqlite3.connect(path)
    rows = {k: (s, e, t) for k, s, e, t in db.execute("SELECT rating_key, state, error, written_at FROM changes")}
    db.close()
    assert rows[259] == ("writing", "boom", 1000.0)
    assert all(rows[k] == ("applied", None, 2000.0) for k in range(1, 259))
    recorder.finish("done", {})
    journal.close()
