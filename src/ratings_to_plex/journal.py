"""The run journal (SQLite, WAL, 0600): every run, and every change's previous values, committed before the write.

This is what makes a run reversible (`undo`) and survivable (`--resume`): if the process dies between `before` and
`after`, the row stays `writing` and the next run knows exactly which writes may or may not have landed.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .apply import UPDATED, Outcome
from .errors import JournalError
from .paths import data_dir
from .plan import Change

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL DEFAULT 'sync',          -- sync | undo
    started_at REAL NOT NULL,
    finished_at REAL,
    status TEXT NOT NULL DEFAULT 'running',     -- running | done | cancelled | stopped | failed | dry_run
    file TEXT, file_hash TEXT, source_format TEXT,
    server_name TEXT, server_url TEXT, machine_id TEXT,
    libraries TEXT, options TEXT, counts TEXT,
    undo_of INTEGER REFERENCES runs(id),
    dry_run INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    rating_key INTEGER NOT NULL,
    item_type TEXT NOT NULL,
    title TEXT NOT NULL,
    section_id INTEGER,
    line INTEGER,
    old_rating REAL, old_watched INTEGER NOT NULL,
    new_rating REAL, set_rating INTEGER NOT NULL, watched INTEGER,
    state TEXT NOT NULL DEFAULT 'planned',      -- planned | writing | applied | failed
    error TEXT,
    written_at REAL,
    UNIQUE (run_id, rating_key)
);
CREATE INDEX IF NOT EXISTS changes_by_run ON changes(run_id, state);
"""


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class JournalDB:
    """One SQLite file shared by runs; safe to use from the apply pool's threads."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_dir() / "journal.sqlite3"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            os.chmod(self.path, 0o600)
            self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL survives a killed process
            self.db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise JournalError(f"Cannot open the run journal {self.path}: {exc}") from None
        self.lock = threading.Lock()

    def execute(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self.lock:
            try:
                return self.db.execute(sql, args)
            except sqlite3.Error as exc:
                raise JournalError(f"The run journal {self.path} could not be written: {exc}") from None

    def start_run(self, changes: Sequence[Change], **fields: Any) -> RunRecorder:
        """Record the run and every planned write in one transaction, before the first write."""
        fields.setdefault("started_at", time.time())
        for key in ("libraries", "options", "counts"):
            if key in fields and not isinstance(fields[key], str):
                fields[key] = json.dumps(fields[key], sort_keys=True)
        cols = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        with self.lock:
            try:
                self.db.execute("BEGIN IMMEDIATE")
                run_id = int(self.db.execute(f"INSERT INTO runs ({cols}) VALUES ({marks})",
                                             list(fields.values())).lastrowid or 0)
                self.db.executemany(
                    "INSERT INTO changes (run_id, rating_key, item_type, title, section_id, line, old_rating,"
                    " old_watched, new_rating, set_rating, watched) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    [(run_id, c.item.rating_key, c.item.type, c.item.display_title, c.item.section_id,
                      c.row.line if c.row else None, c.old_rating, int(c.old_watched), c.new_rating,
                      int(c.set_rating), None if c.watched is None else int(c.watched))
                     for c in changes if c.writes])
                self.db.execute("COMMIT")
            except sqlite3.Error as exc:
                self.db.execute("ROLLBACK")
                raise JournalError(f"The run journal {self.path} could not be written: {exc}") from None
        return RunRecorder(self, run_id)

    def close(self) -> None:
        with self.lock:
            self.db.close()


class RunRecorder:
    """The `apply.Journal` of one run."""

    def __init__(self, journal: JournalDB, run_id: int) -> None:
        self.journal = journal
        self.run_id = run_id

    def before(self, change: Change) -> None:
        self.journal.execute("UPDATE changes SET state='writing' WHERE run_id=? AND rating_key=?",
                             (self.run_id, change.item.rating_key))

    def after(self, outcome: Outcome) -> None:
        state = "applied" if outcome.status == UPDATED else "failed"
        self.journal.execute(
            "UPDATE changes SET state=?, error=?, written_at=? WHERE run_id=? AND rating_key=?",
            (state, outcome.error, outcome.finished_at or time.time(), self.run_id, outcome.change.item.rating_key))

    def finish(self, status: str, counts: dict[str, int]) -> None:
        self.journal.execute("UPDATE runs SET status=?, finished_at=?, counts=? WHERE id=?",
                             (status, time.time(), json.dumps(counts, sort_keys=True), self.run_id))
