"""The run journal (SQLite, WAL, 0600): every run, and every change's previous values, committed before the write.

This is what makes a run reversible (`undo`) and survivable (`--resume`): if the process dies between `before` and
`after`, the row stays `writing` and the next run re-reads the item to learn whether that write landed. The server
URL is stored (redacted), never the token. Storage only: no HTTP here, and no rules (those live in `app`).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .errors import JournalError
from .model import UNFINISHED, Identity, RunInfo, RunStatus
from .paths import data_dir
from .plan import Change
from .recorder import RunRecorder
from .runlock import held_elsewhere
from .security import redact

__all__ = ["UNFINISHED", "ChangeRecord", "JournalCorrupt", "JournalDB", "RunInfo", "RunRecorder", "file_hash"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL DEFAULT 'sync',          -- sync | undo | restore
    started_at REAL NOT NULL,
    finished_at REAL,
    status TEXT NOT NULL DEFAULT 'running',     -- running | done | cancelled | stopped | failed | dry_run
    file TEXT, file_hash TEXT, source_format TEXT,
    server_name TEXT, server_url TEXT, machine_id TEXT, user_id TEXT, user_name TEXT, account_id TEXT,
    unmatched_csv TEXT, run_log TEXT,           -- the run's reports, for History (paths, never contents)
    libraries TEXT, options TEXT, counts TEXT,
    undo_of INTEGER REFERENCES runs(id),
    undone_by INTEGER REFERENCES runs(id),      -- the undo run that reversed this one
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
CREATE TABLE IF NOT EXISTS leaves (             -- episodes' view counts before their show/season was marked watched
    run_id INTEGER NOT NULL REFERENCES runs(id),
    parent_key INTEGER NOT NULL,
    rating_key INTEGER NOT NULL,
    view_count INTEGER NOT NULL,
    PRIMARY KEY (run_id, parent_key, rating_key)
);
"""
_ADDED_COLUMNS = ("undone_by", "user_id", "user_name", "account_id", "unmatched_csv", "run_log")
_RUN_STATS = """
SELECT r.*, COALESCE(SUM(c.state = 'applied'), 0) AS applied, COALESCE(SUM(c.state = 'failed'), 0) AS failed,
       COALESCE(SUM(c.state IN ('planned', 'writing')), 0) AS pending,
       COALESCE(SUM(c.state = 'writing'), 0) AS writing
FROM runs r LEFT JOIN changes c ON c.run_id = r.id
"""


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class ChangeRecord:
    """One journaled change: the values before the write, the values written, and how far it got."""

    run_id: int
    rating_key: int
    item_type: str
    title: str
    section_id: int | None
    old_rating: float | None
    old_watched: bool
    new_rating: float | None
    set_rating: bool
    watched: bool | None
    state: str
    error: str | None = None


class JournalCorrupt(JournalError):
    """Raised when the journal file exists but is not a usable SQLite database (damaged, truncated, overwritten)."""

    def __init__(self, path: Path, detail: str) -> None:
        self.path, self.detail = path, detail
        self.aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        super().__init__(f"The run journal {path} is damaged ({detail}). Runs can still be previewed; to write, "
                         f"undo or see history, move it aside (it is kept as {self.aside.name}) and start a new "
                         "one: ratings-to-plex history --move-journal-aside")


def _run_info(row: sqlite3.Row) -> RunInfo:
    values = {f.name: row[f.name] for f in fields(RunInfo)}
    values.update({k: json.loads(row[k] or empty) for k, empty in (("libraries", "[]"), ("options", "{}"),
                                                                    ("counts", "{}"))})
    return RunInfo(**{**values, "dry_run": bool(row["dry_run"]), "status": RunStatus(row["status"])})


def _change_record(row: sqlite3.Row) -> ChangeRecord:
    values = {f.name: row[f.name] for f in fields(ChangeRecord)}
    watched = None if row["watched"] is None else bool(row["watched"])
    return ChangeRecord(**{**values, "old_watched": bool(row["old_watched"]),
                           "set_rating": bool(row["set_rating"]), "watched": watched})


class JournalDB:
    """One SQLite file shared by runs; safe to use from the apply pool's threads."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_dir() / "journal.sqlite3"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            os.chmod(self.path, 0o600)  # SQLite gives the -wal and -shm files the same mode
            self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL survives a killed process
            self.db.executescript(_SCHEMA)
            columns = {r["name"] for r in self.db.execute("PRAGMA table_info(runs)")}
            for name in _ADDED_COLUMNS:  # a journal from before undo / Plex Home users / accounts / reports
                if name not in columns:
                    kind = "INTEGER REFERENCES runs(id)" if name == "undone_by" else "TEXT"
                    self.db.execute(f"ALTER TABLE runs ADD COLUMN {name} {kind}")
        except (OSError, sqlite3.Error) as exc:
            raise self._error(exc, "Cannot open the run journal") from None
        self.lock = threading.Lock()

    def _error(self, exc: Exception, what: str = "Could not write the run journal") -> JournalError:
        """A damaged file says so (with the way out); anything else names the file and the cause."""
        if any(sign in str(exc) for sign in ("not a database", "malformed", "corrupt")):
            return JournalCorrupt(self.path, str(exc))
        return JournalError(f"{what} {self.path}: {exc}")

    def execute(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self.lock:
            try:
                return self.db.execute(sql, args)
            except sqlite3.Error as exc:
                raise self._error(exc) from None

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for many rows in one transaction."""
        with self.lock:
            try:
                with self.db:
                    self.db.execute("BEGIN")
                    self.db.executemany(sql, rows)
            except sqlite3.Error as exc:
                raise self._error(exc) from None

    def transaction(self, steps: Sequence[tuple[str, Sequence[Sequence[Any]]]]) -> None:
        """Several statements, each for many rows, in one transaction (one commit instead of one per row)."""
        with self.lock:
            try:
                with self.db:
                    self.db.execute("BEGIN")
                    for sql, rows in steps:
                        if rows:
                            self.db.executemany(sql, rows)
            except sqlite3.Error as exc:
                raise self._error(exc) from None

    def start_run(self, changes: Sequence[Change], **fields: Any) -> RunRecorder:
        """Record the run and every planned write in one transaction, before the first write.

        This one commit is synced to disk (synchronous=FULL): without it, an undo after a power cut would not
        know the previous values. Later per-change commits only need to survive a killed process.
        """
        fields.setdefault("started_at", time.time())
        for key in ("libraries", "options", "counts"):
            if key in fields and not isinstance(fields[key], str):
                fields[key] = json.dumps(fields[key], sort_keys=True)
        fields = {k: redact(v) if isinstance(v, str) else v for k, v in fields.items()}
        cols = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        with self.lock:
            try:
                self.db.execute("PRAGMA synchronous=FULL")
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
                self.db.execute("PRAGMA synchronous=NORMAL")
            except sqlite3.Error as exc:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise self._error(exc) from None
        recorder = RunRecorder(self, run_id)
        recorder.lock.acquire()  # a new run id: nobody else can hold it
        return recorder

    def recorder(self, run_id: int) -> RunRecorder:
        """The recorder of an existing run (to resume it)."""
        self.run(run_id)
        return RunRecorder(self, run_id)

    # -- reading ---------------------------------------------------------------------------------------------
    def runs(self) -> list[RunInfo]:
        """Every run, newest first."""
        rows = self.execute(_RUN_STATS + " GROUP BY r.id ORDER BY r.id DESC").fetchall()
        return [_run_info(r) for r in rows]

    def run(self, run_id: int) -> RunInfo:
        row = self.execute(_RUN_STATS + " WHERE r.id = ? GROUP BY r.id", (run_id,)).fetchone()
        if row is None:
            raise JournalError(f"There is no run {run_id} in the journal: `ratings-to-plex history` lists them.")
        return _run_info(row)

    def changes(self, run_id: int, states: Sequence[str] | None = None) -> list[ChangeRecord]:
        """The run's journaled changes (optionally only those in `states`), in the order they were planned."""
        sql = "SELECT * FROM changes WHERE run_id = ?"
        args: list[Any] = [run_id]
        if states:
            sql += f" AND state IN ({', '.join('?' for _ in states)})"
            args.extend(states)
        return [_change_record(r) for r in self.execute(sql + " ORDER BY id", args).fetchall()]

    def leaves(self, run_id: int, parent_key: int) -> dict[int, int]:
        """Episode ratingKey → view count before the run marked `parent_key` (a show or season) watched."""
        rows = self.execute("SELECT rating_key, view_count FROM leaves WHERE run_id = ? AND parent_key = ?",
                            (run_id, parent_key)).fetchall()
        return {r["rating_key"]: r["view_count"] for r in rows}

    def last_undoable(self, identity: Identity | None = None) -> RunInfo | None:
        """`undo --last`: the newest run (on this server and user, when given) that wrote, or may have written,
        something and has not been undone. A killed run's `writing` rows and failed rows may have landed."""
        return next((r for r in self.runs() if r.possibly_written and r.undone_by is None and not r.dry_run
                     and (identity is None or identity.same_user(r.identity))), None)

    def unfinished_for(self, digest: str, identity: Identity | None = None, kind: str = "sync") -> RunInfo | None:
        """The newest run of `kind` (a sync, or a restore of a backup) of a file with this hash (on this server and
        user, when given) that did not finish and was not undone since, unless a later one of it did finish."""
        for run in self.runs():
            if run.kind != kind or run.dry_run or run.file_hash != digest:
                continue
            if identity is not None and not identity.same_user(run.identity):
                continue
            return None if run.finished or run.undone_by is not None else run
        return None

    def running_elsewhere(self, run_id: int) -> bool:
        """Whether another live process is still writing this run (its run lock is held)."""
        return held_elsewhere(self.path.parent, run_id)

    def record_reports(self, run_id: int, unmatched_csv: Path | None, run_log: Path | None) -> None:
        """Where the run's unmatched CSV and log are, so History can offer them for every run (a resume's newer
        reports replace its earlier ones)."""
        self.execute("UPDATE runs SET unmatched_csv = ?, run_log = ? WHERE id = ?",
                     (str(unmatched_csv) if unmatched_csv else None, str(run_log) if run_log else None, run_id))

    def mark_undone(self, run_id: int, undo_run_id: int) -> None:
        self.execute("UPDATE runs SET undone_by = ? WHERE id = ?", (undo_run_id, run_id))

    def close(self) -> None:
        with self.lock:
            self.db.close()
